"""Every kind of import, the same acceptance: a file with a bad date, an unknown
reference and a bad choice reports each and writes nothing; the corrected file imports;
the same file again changes nothing; its CP932 twin imports the same. Exports in
Japanese and English import back unchanged."""

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation

from conftest import (
    import_table,
    make_campaign,
    make_client,
    make_institution,
    make_person,
    make_training,
)
from core.imports import KINDS, run_import
from core.tabular import read_table


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


table = import_table


def row_counts() -> dict:
    """The rows of every table an import may write (the access log aside)."""
    skipped = {"django_session", "core_accesslogentry"}
    with connection.cursor() as cursor:
        counts = {}
        for name in connection.introspection.table_names():
            if name not in skipped:
                cursor.execute(f'SELECT COUNT(*) FROM "{name}"')
                counts[name] = cursor.fetchone()[0]
    return counts


def setup_records(personas, tokyo):
    client = make_client(tokyo, external_id="C001")
    make_institution(tokyo, name="東京商工会議所")
    make_person(tokyo, code="T0001")
    return client


def setup_campaign(personas, tokyo):
    return make_campaign(tokyo)


# kind: (user, prerequisites, good rows, bad rows, the (row, column) of each problem)
CASES = {
    "institutions": (
        "tokyo_manager",
        None,
        [
            {
                "機関名": "千代田区商工会",
                "種別": "商工会",
                "都道府県": "東京都",
                "市区町村": "千代田区",
            },
            {
                "機関名": "ｻﾝﾌﾟﾙ 信用金庫",
                "種別": "金融機関(信用金庫・信用組合)",
                "都道府県": "13",
                "連絡先": "03-0000-0000",
            },
        ],
        {"0:種別": "宇宙機関", "1:都道府県": "火星", "1:メール": "not-an-address"},
        {(2, "種別"), (3, "都道府県"), (3, "メール")},
    ),
    "roster": (
        "tokyo_manager",
        None,
        [
            {
                "職員コード": "S1",
                "氏名": "山田 太郎",
                "拠点": "東京都",
                "役割": "コーディネーター",
                "開始日": "令和7年4月1日",
                "保有資格": "中小企業診断士",
            },
            {
                "職員コード": "S2",
                "氏名": "佐藤 花子",
                "拠点": "13",
                "役割": "Chief coordinator",
                "開始日": "R7.4.1",
            },
        ],
        {"0:開始日": "平成31年5月1日", "0:保有資格": "宇宙飛行士", "1:役割": "社長"},
        {(2, "開始日"), (2, "保有資格"), (3, "役割")},
    ),
    "clients": (
        "tokyo_coordinator",
        None,
        [
            {
                "相談者ID": "K1",
                "拠点": "東京都",
                "事業者名": "株式会社よろず",
                "形態": "法人",
                "都道府県": "東京",
            },
            {
                "相談者ID": "K2",
                "拠点": "東京都",
                "事業者名": "やまだ商店",
                "形態": "Sole proprietor",
            },
        ],
        {"0:都道府県": "火星", "1:形態": "会社", "1:従業員数": "たくさん"},
        {(2, "都道府県"), (3, "形態"), (3, "従業員数")},
    ),
    "cases": (
        "tokyo_coordinator",
        setup_records,
        [
            {
                "課題ID": "P1",
                "相談者ID": "C001",
                "拠点": "東京都",
                "開始日": "令和7年4月1日",
                "状態": "対応中",
                "重点分野": "DX推進",
            },
            {
                "課題ID": "P2",
                "相談者ID": "C001",
                "拠点": "東京都",
                "開始日": "2025/5/1",
                "状態": "In progress",
            },
        ],
        {"0:開始日": "平成31年5月1日", "0:相談者ID": "C999", "1:状態": "たぶん"},
        {(2, "開始日"), (2, "相談者ID"), (3, "状態")},
    ),
    "sessions": (
        "tokyo_coordinator",
        setup_records,
        [
            {
                "対応ID": "V1",
                "拠点": "東京都",
                "相談者ID": "C001",
                "対応日": "R7.4.1",
                "対応方法": "来訪",
                "担当者": "T0001",
            },
            {
                "対応ID": "V2",
                "拠点": "東京都",
                "相談者ID": "C001",
                "対応日": "2025-04-02",
                "対応方法": "Phone",
            },
        ],
        {"0:対応日": "平成31年5月1日", "0:相談者ID": "C999", "1:対応方法": "伝書鳩"},
        {(2, "対応日"), (2, "相談者ID"), (3, "対応方法")},
    ),
    "network": (
        "tokyo_coordinator",
        setup_records,
        [
            {
                "活動ID": "N1",
                "拠点": "東京都",
                "実施日": "令和7年4月10日",
                "連携機関": "東京商工会議所",
                "区分": "共催セミナー",
            },
            {
                "活動ID": "N2",
                "拠点": "東京都",
                "実施日": "2025-05-20",
                "連携機関": "東京商工会議所",
                "区分": "Referral / introduction",
            },
        ],
        {"0:実施日": "平成31年5月1日", "0:連携機関": "どこにもない会", "1:区分": "宴会"},
        {(2, "実施日"), (2, "連携機関"), (3, "区分")},
    ),
    "impact": (
        "tokyo_coordinator",
        setup_records,
        [
            {
                "成果ID": "R1",
                "相談者ID": "C001",
                "拠点": "東京都",
                "時点": "令和7年4月1日",
                "区分": "初回",
                "出典": "決算書",
                "売上高": "1,000,000",
            },
            {
                "成果ID": "R2",
                "相談者ID": "C001",
                "拠点": "東京都",
                "時点": "2026-03-31",
                "区分": "Follow-up",
                "出典": "client",
            },
        ],
        {"0:時点": "平成31年5月1日", "0:相談者ID": "C999", "1:区分": "途中"},
        {(2, "時点"), (2, "相談者ID"), (3, "区分")},
    ),
    "plans": (
        "tokyo_manager",
        None,
        [
            {"拠点": "東京都", "年度": "令和7年度", "項目": "相談対応件数", "目標値": "4,800"},
            {
                "拠点": "東京都",
                "年度": "2025",
                "項目": "DX推進",
                "重点分野の指標": "Sessions tagged with the field",
                "目標値": "300",
            },
        ],
        {"0:年度": "平成40年度", "0:項目": "売上", "1:重点分野の指標": "気分"},
        {(2, "年度"), (2, "項目"), (3, "重点分野の指標")},
    ),
    "attendance": (
        "hq",
        None,
        [
            {"研修コード": "2025-N1", "職員コード": "T0001", "出欠": "出席"},
            {"研修コード": "2025-N1", "職員コード": "T0002", "出欠": "Absent"},
        ],
        {"0:研修コード": "1999-X", "1:出欠": "遅刻"},
        {(2, "研修コード"), (3, "出欠")},
    ),
    "survey_answers": (
        "tokyo_coordinator",
        setup_campaign,
        [
            {"拠点": "東京都", "用紙番号": "1", "設問": "overall", "回答": "5"},
            {"拠点": "東京都", "用紙番号": "1", "設問": "comment", "回答": "丁寧でした"},
            {"拠点": "東京都", "用紙番号": "2", "設問": "overall", "回答": "4"},
        ],
        {"0:設問": "気分", "2:回答": "とても"},
        {(2, "設問"), (4, "回答")},
    ),
}


def prepare(kind, personas, tokyo):
    from planning.models import FiscalYear

    FiscalYear.objects.get_or_create(year=2025)
    if kind == "attendance":
        make_training("2025-N1")
        make_person(tokyo, code="T0001")
        make_person(tokyo, code="T0002")
    if kind == "roster":
        pass
    user, setup, good, bad_cells, expected = CASES[kind]
    extra = setup(personas, tokyo) if setup else None
    rows = [dict(row) for row in good]
    if kind == "survey_answers":
        for row in rows:
            row["調査"] = str(extra.pk)
    return personas[user], rows, bad_cells, expected


def broken(rows, cells):
    rows = [dict(row) for row in rows]
    for key, value in cells.items():
        index, header = key.split(":", 1)
        rows[int(index)][header] = value
    return rows


def test_every_kind_has_its_acceptance_case():
    assert set(CASES) == set(KINDS)


@pytest.mark.parametrize("kind", list(CASES))
def test_a_kind_reports_every_problem_then_imports_once_and_its_cp932_twin_the_same(
    kind, personas, tokyo
):
    user, rows, bad_cells, expected = prepare(kind, personas, tokyo)
    before = row_counts()

    bad = run_import(kind, table(kind, broken(rows, bad_cells)), user=user)

    assert {(p.row, p.column) for p in bad.problems} >= expected, bad.problems
    assert row_counts() == before

    first = run_import(kind, table(kind, rows), user=user)
    assert first.ok, first.problems
    assert first.created + first.updated > 0
    written = row_counts()

    again = run_import(kind, table(kind, rows), user=user)
    twin = run_import(kind, table(kind, rows, encoding="cp932"), user=user)

    for result in (again, twin):
        assert result.ok, result.problems
        assert (result.created, result.updated) == (0, 0)
    assert row_counts() == written


# --- Exports in either language import back unchanged ------------------------------------

EXPORTS = {
    "clients": "consultations:client_list",
    "cases": "consultations:case_list",
    "sessions": "consultations:consultation_list",
    "network": "consultations:activity_list",
    "roster": "organizations:person_list",
    "institutions": "organizations:institution_list",
}


@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("kind", list(EXPORTS))
def test_an_export_in_either_language_imports_back_unchanged(
    kind, language, personas, tokyo, client
):
    user, rows, _bad, _expected = prepare(kind, personas, tokyo)
    assert run_import(kind, table(kind, rows), user=user).ok
    client.force_login(user)
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    query = "?status=all&export=xlsx" if kind == "roster" else "?export=xlsx"

    exported = read_table(client.get(reverse(EXPORTS[kind]) + query).content, "export.xlsx")

    assert exported.rows
    result = run_import(kind, exported, user=user)
    assert result.ok, result.problems
    assert (result.created, result.updated) == (0, 0)
    assert result.unchanged >= len(rows) - (1 if kind == "plans" else 0)


def test_english_and_japanese_labels_and_codes_are_the_same_choice(personas, tokyo):
    setup_records(personas, tokyo)
    words = ["来訪", "Visit to the center", "visit", "ＶＩＳＩＴ"]
    rows = [
        {
            "対応ID": f"W{i}",
            "拠点": "東京都",
            "相談者ID": "C001",
            "対応日": "2025-04-01",
            "対応方法": word,
        }
        for i, word in enumerate(words)
    ]
    result = run_import("sessions", table("sessions", rows), user=personas["tokyo_coordinator"])
    assert result.ok, result.problems
    from consultations.models import Consultation

    assert set(Consultation.objects.values_list("mode", flat=True)) == {"visit"}


def test_a_confirmed_plan_is_reported_and_never_overwritten(personas, tokyo):
    from conftest import make_plan
    from planning.models import PlanTarget

    plan = make_plan(tokyo, 2025, change_request=False)
    targets = list(PlanTarget.objects.filter(plan=plan).values_list("indicator", "target"))
    rows = [{"拠点": "東京都", "年度": "2025", "項目": "相談対応件数", "目標値": "1"}]

    result = run_import("plans", table("plans", rows), user=personas["tokyo_manager"])

    assert [(p.row, p.column) for p in result.problems] == [(2, "拠点")]
    assert "draft" in result.problems[0].message
    assert list(PlanTarget.objects.filter(plan=plan).values_list("indicator", "target")) == targets


def test_paper_answers_are_anonymous_and_held_back_like_online_ones(personas, tokyo):
    from surveys.models import Response

    campaign = make_campaign(tokyo)
    rows = [
        {
            "調査": str(campaign.pk),
            "拠点": "東京都",
            "用紙番号": "7",
            "設問": "overall",
            "回答": "5",
        }
    ]

    result = run_import(
        "survey_answers", table("survey_answers", rows), user=personas["tokyo_coordinator"]
    )

    assert result.created == 1
    response = Response.objects.get()
    fields = {f.name for f in Response._meta.concrete_fields}
    assert fields == {"id", "campaign", "center", "version", "released"}  # no person, no time
    assert not response.released
    # The sheet number (7) is kept nowhere: the fields above leave it no place, and the
    # answer itself holds only the question and the value.
    assert list(response.answers.values_list("question__code", "value")) == [("overall", 5)]


def test_a_center_imports_no_institution_of_another_prefecture(personas, tokyo, osaka):
    from organizations.models import SupportInstitution

    osaka_one = make_institution(osaka, name="大阪の商工会")
    rows = [
        {"機関名": "大阪の商工会", "種別": "商工会", "都道府県": "大阪府", "連絡先": "乗っ取り"}
    ]

    result = run_import("institutions", table("institutions", rows), user=personas["tokyo_manager"])

    assert [(p.row, p.column) for p in result.problems] == [(2, "都道府県")]
    osaka_one.refresh_from_db()
    assert osaka_one.contact == "" and SupportInstitution.objects.count() == 1


def test_a_center_imports_no_plan_of_another_center(personas, tokyo, osaka):
    from planning.models import BusinessPlan, FiscalYear

    FiscalYear.objects.get_or_create(year=2025)
    rows = [{"拠点": "大阪府", "年度": "2025", "項目": "相談対応件数", "目標値": "1"}]

    result = run_import("plans", table("plans", rows), user=personas["tokyo_manager"])

    assert [(p.row, p.column) for p in result.problems] == [(2, "拠点")]
    assert not BusinessPlan.objects.exists()


def test_a_center_types_in_no_answers_for_another_center(personas, tokyo, osaka):
    from surveys.models import Response

    campaign = make_campaign(osaka)
    rows = [
        {
            "調査": str(campaign.pk),
            "拠点": "大阪府",
            "用紙番号": "1",
            "設問": "overall",
            "回答": "1",
        }
    ]

    result = run_import(
        "survey_answers", table("survey_answers", rows), user=personas["tokyo_coordinator"]
    )

    assert not result.ok and not Response.objects.exists()


def test_the_demo_import_is_a_batch_the_tokyo_center_can_undo(tokyo):
    from accounts.models import UserRole
    from conftest import make_user
    from core import demo_imports
    from core.imports.run import refusal
    from core.models import ImportBatch

    manager = make_user("tokyo-cc", UserRole.CENTER_MANAGER, center=tokyo)

    demo_imports.build(None, lambda line: None)
    demo_imports.build(None, lambda line: None)  # idempotent

    batch = ImportBatch.objects.get()
    assert batch.kind == "institutions" and batch.created == len(demo_imports.ROWS)
    assert refusal(batch, manager) == ""


def test_a_plan_import_counts_the_plans_own_priority_fields_too(personas, tokyo):
    # The import adds priority fields and never removes one: four kept and two more
    # would make six, so the rows are reported and nothing is written.
    from conftest import make_plan
    from consultations.models import PriorityField
    from planning.models import PlanPriority

    plan = make_plan(tokyo, 2025, confirmed=False, change_request=False)
    fields = list(PriorityField.objects.order_by("pk"))
    kept = {p.priority_field_id for p in plan.priorities.all()}
    for field in [f for f in fields if f.pk not in kept][: 4 - len(kept)]:
        PlanPriority.objects.create(plan=plan, priority_field=field, metric="sessions", target=10)
    new = [f for f in fields if f.pk not in {p.priority_field_id for p in plan.priorities.all()}][
        :2
    ]
    rows = [
        {
            "拠点": "東京都",
            "年度": "2025",
            "項目": f.name,
            "重点分野の指標": "sessions",
            "目標値": "5",
        }
        for f in new
    ]

    result = run_import("plans", table("plans", rows), user=personas["tokyo_manager"])

    assert [(p.row, p.column) for p in result.problems] == [(3, "項目")]
    assert plan.priorities.count() == 4
