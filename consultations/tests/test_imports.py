"""Bulk import of clients, cases, sessions and network activities.

Every row is checked first and every problem reported by row and column; nothing
is written unless the whole file is valid; the source system's IDs make a second
import a no-op and a changed row an update, kept in the audit history.
"""

import datetime
import io
import time
from contextlib import contextmanager

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook
from simple_history.models import HistoricalRecords

from conftest import import_csv, make_client, make_person, make_session
from consultations import imports, summaries
from consultations.models import (
    Case,
    Client,
    Consultation,
    NetworkActivity,
    corporate_number_is_valid,
    normalize_name,
    normalize_phone,
)
from core.imports import KINDS, run_import
from core.imports import records as record_writer
from core.tabular import read_table
from organizations.models import Prefecture, SupportInstitution, SupportInstitutionType


@pytest.fixture(autouse=True)
def english_messages():
    # Messages are checked in English here; test_i18n checks the Japanese catalogue.
    with translation.override("en"):
        yield


def corporate_number(body: str) -> str:
    """A valid 法人番号 for a 12-digit body: the check digit comes first,
    9 - (the digits weighted 1, 2, 1, 2, … from the rightmost) mod 9."""
    assert len(body) == 12 and body.isdigit()
    total = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(body)))
    return f"{9 - total % 9}{body}"


def test_the_corporate_number_generator_makes_valid_numbers():
    assert corporate_number("000012050002") == "7000012050002"
    assert corporate_number_is_valid("7000012050002")
    for body in ("123456789012", "010401006744", "999999999999", "000000000000"):
        number = corporate_number(body)
        assert corporate_number_is_valid(number)
        wrong = f"{int(number[0]) % 9 + 1}{body}"
        assert not corporate_number_is_valid(wrong)


# --- Files -------------------------------------------------------------------------


csv_bytes = import_csv


def xlsx_bytes(kind, rows):
    headers = KINDS[kind].headers
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append([row.get(h) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def table(kind, rows, *, encoding="utf-8"):
    return read_table(csv_bytes(kind, rows, encoding), f"{kind}.csv")


def run(kind, rows, user, **options):
    return run_import(kind, table(kind, rows), user=user, **options)


def found(result):
    return {(p.row, p.column) for p in result.problems}


def copy(rows, **changes):
    """The rows with changes: ``copy(ROWS, **{"1:対応日": "…"})`` changes row index 1."""
    rows = [dict(r) for r in rows]
    for key, value in changes.items():
        index, header = key.split(":")
        rows[int(index)][header] = value
    return rows


ACME = corporate_number("123456789012")

CLIENTS = [
    {
        "相談者ID": "C001",
        "拠点": "東京都",
        "事業者名": "株式会社よろず製作所",
        "法人番号": ACME,
        "形態": "法人",
        "業種": "E 製造業",
        "従業員数": "25",
        "資本金": "10,000,000",
        "都道府県": "東京都",
        "市区町村": "千代田区",
        "電話": "03-1234-5678",
        "メール": "info@example.jp",
        "調査同意": "有",
    },
    {
        "相談者ID": "C002",
        "拠点": "13",
        "事業者名": "やまだ商店",
        "形態": "個人事業主",
        "業種": "I",
        "従業員数": "２",
        "都道府県": "東京",
        "電話": "042-000-0000",
        "調査同意": "いいえ",
    },
    {
        "相談者ID": "Ｃ００３",  # full-width: read as C003
        "拠点": "東京",
        "事業者名": "山田 花子",
        "形態": "prospective_founder",
        "調査同意": "",
    },
]

SESSIONS = [
    {
        "対応ID": "S001",
        "拠点": "東京都",
        "相談者ID": "C001",
        "対応日": "2025-04-01",
        "開始時刻": "10:00",
        "時間(分)": "60",
        "対応方法": "来訪",
        "担当者": "T0001;T0002",
        "概要": "販路開拓の相談",
    },
    {
        "対応ID": "S002",
        "拠点": "13",
        "相談者ID": "C002",
        "対応日": "2025/4/3",
        "時間(分)": "30",
        "対応方法": "電話",
        "担当者": "T0001",
        "概要": "資金繰り",
    },
    {
        "対応ID": "S003",
        "拠点": "東京",
        "相談者ID": "C003",
        "対応日": "２０２５／４／５",
        "開始時刻": "14:30",
        "時間(分)": "90",
        "対応方法": "オンライン",
    },
    {
        "対応ID": "S004",
        "拠点": "東京都",
        "相談者ID": "C001",
        "対応日": "2025-04-07",
        "対応方法": "online",
    },
]


@pytest.fixture
def staff(db, tokyo, osaka):
    return {
        "T0001": make_person(tokyo, code="T0001"),
        "T0002": make_person(tokyo, code="T0002"),
        "O0001": make_person(osaka, code="O0001"),
    }


@pytest.fixture
def clients(personas, staff):
    result = run("clients", CLIENTS, personas["admin"])
    assert result.ok, result.problems
    return {c.external_id: c for c in Client.objects.all()}


def history_count():
    snapshots = [
        HistoricalRecords.m2m_models[model._meta.get_field(name)]
        for model, name in [
            (Consultation, "other_staff"),
            (Case, "topics"),
            (Case, "priority_fields"),
            (NetworkActivity, "staff"),
            (NetworkActivity, "institutions"),
        ]
    ]
    return sum(m.history.count() for m in (Client, Case, Consultation, NetworkActivity)) + sum(
        s.objects.count() for s in snapshots
    )


# --- The acceptance path ------------------------------------------------------------


def test_a_bad_date_an_unknown_center_a_missing_client_and_a_wrong_check_digit_are_all_reported(
    personas, staff
):
    admin = personas["admin"]
    wrong_check_digit = f"{int(ACME[0]) % 9 + 1}{ACME[1:]}"
    bad_clients = copy(CLIENTS, **{"1:法人番号": wrong_check_digit})

    client_result = run("clients", bad_clients, admin)

    assert found(client_result) == {(3, "法人番号")}
    assert "not a valid corporate number" in client_result.problems[0].message
    assert not Client.objects.exists()

    assert run("clients", CLIENTS, admin).created == 3
    bad_sessions = copy(
        SESSIONS, **{"1:対応日": "2025/2/30", "2:拠点": "東京府", "3:相談者ID": "C999"}
    )

    session_result = run("sessions", bad_sessions, admin)

    assert found(session_result) == {(3, "対応日"), (4, "拠点"), (5, "相談者ID")}
    messages = " ".join(p.message for p in session_result.problems)
    assert "2025/2/30" in messages and "東京府" in messages and "C999" in messages
    assert not Consultation.objects.exists()
    assert len(found(client_result) | found(session_result)) == 4

    corrected = run("sessions", SESSIONS, admin)

    assert corrected.ok and (corrected.created, corrected.updated) == (4, 0)
    first = Consultation.objects.get(external_id="S001")
    assert first.client.external_id == "C001" and first.center.code == "13"
    assert first.date == datetime.date(2025, 4, 1) and first.start_time == datetime.time(10)
    assert first.lead_staff == staff["T0001"]
    assert list(first.other_staff.all()) == [staff["T0002"]]
    assert Consultation.objects.get(external_id="S003").date == datetime.date(2025, 4, 5)
    assert Consultation.objects.get(external_id="S004").minutes == 60  # empty: the default


def test_importing_the_same_files_again_changes_nothing_and_adds_no_history(personas, clients):
    admin = personas["admin"]
    assert run("sessions", SESSIONS, admin).created == 4
    before = history_count()

    again_clients = run("clients", CLIENTS, admin)
    again_sessions = run("sessions", SESSIONS, admin)

    assert (again_clients.created, again_clients.updated, again_clients.unchanged) == (0, 0, 3)
    assert (again_sessions.created, again_sessions.updated, again_sessions.unchanged) == (0, 0, 4)
    assert history_count() == before
    assert Client.objects.count() == 3 and Consultation.objects.count() == 4


def test_a_cp932_csv_imports_the_same_as_its_utf8_twin(personas, staff):
    cp932 = table("clients", CLIENTS, encoding="cp932")
    utf8_bom = read_table(b"\xef\xbb\xbf" + csv_bytes("clients", CLIENTS), "clients.csv")
    assert cp932.rows == utf8_bom.rows

    result = run_import("clients", cp932, user=personas["admin"])

    assert result.ok and result.created == 3
    assert Client.objects.get(external_id="C003").business_name == "山田 花子"
    again = run_import("clients", utf8_bom, user=personas["admin"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_an_xlsx_file_imports_with_excel_dates_times_and_numbers(personas, clients):
    rows = copy(SESSIONS)
    rows[0]["対応日"] = datetime.date(2025, 4, 1)
    rows[0]["開始時刻"] = datetime.time(10, 0)
    rows[0]["時間(分)"] = 60
    workbook = read_table(xlsx_bytes("sessions", rows), "sessions.xlsx")

    result = run_import("sessions", workbook, user=personas["admin"])

    assert result.ok, result.problems
    assert result.created == 4
    session = Consultation.objects.get(external_id="S001")
    assert (session.date, session.start_time, session.minutes) == (
        datetime.date(2025, 4, 1),
        datetime.time(10),
        60,
    )
    # The same rows as CSV text are the same records.
    assert run("sessions", SESSIONS, personas["admin"]).unchanged == 4


def test_the_client_columns_are_read_into_the_record(clients, tokyo):
    acme = clients["C001"]
    assert (acme.home_center, acme.corporate_number, acme.form) == (tokyo, ACME, "corporation")
    assert (acme.industry, acme.employees, acme.capital) == ("E", 25, 10_000_000)
    assert acme.prefecture == Prefecture.objects.get(name="東京都")
    assert (acme.municipality, acme.phone, acme.survey_consent) == (
        "千代田区",
        "03-1234-5678",
        True,
    )
    assert acme.name_key == "よろず製作所" and acme.phone_key == "0312345678"
    shop = clients["C002"]
    assert (shop.form, shop.employees, shop.survey_consent) == ("sole_proprietor", 2, False)
    assert clients["C003"].form == "prospective_founder"
    assert acme.history.get().history_user.username == "admin"


# --- Updates and history -------------------------------------------------------------


def test_a_changed_row_updates_its_record_and_is_audited(personas, clients, staff):
    admin = personas["admin"]
    run("sessions", SESSIONS, admin)
    rows = copy(SESSIONS, **{"0:概要": "販路開拓と資金繰りの相談", "0:担当者": "T0002"})

    result = run("sessions", rows, admin)

    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    session = Consultation.objects.get(external_id="S001")
    assert session.summary == "販路開拓と資金繰りの相談"
    assert session.lead_staff == staff["T0002"] and not session.other_staff.exists()
    latest, previous = session.history.all()[:2]
    assert latest.history_type == "~" and latest.history_user == admin
    assert previous.summary == "販路開拓の相談"
    assert [p.person for p in previous.other_staff.all()] == [staff["T0002"]]
    assert not latest.other_staff.exists()
    changes = {c.field for c in latest.diff_against(previous).changes}
    assert {"summary", "lead_staff", "other_staff"} <= changes


def test_a_changed_client_row_updates_only_that_client(personas, clients):
    rows = copy(CLIENTS, **{"1:従業員数": "3", "1:電話": "042-111-1111"})

    result = run("clients", rows, personas["admin"])

    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    shop = Client.objects.get(external_id="C002")
    assert (shop.employees, shop.phone, shop.phone_key) == (3, "042-111-1111", "0421111111")
    assert shop.history.first().prev_record.employees == 2


# --- Scope ----------------------------------------------------------------------------


def test_a_coordinator_of_tokyo_cannot_import_rows_for_osaka(personas, staff):
    osaka_row = dict(CLIENTS[1], 相談者ID="C900", 拠点="大阪府")

    result = run("clients", [CLIENTS[0], osaka_row], personas["tokyo_coordinator"])

    assert found(result) == {(3, "拠点")}
    assert "cannot import records of this center" in result.problems[0].message
    assert not Client.objects.exists()
    assert run("clients", [osaka_row], personas["osaka_coordinator"]).created == 1


def test_an_id_is_its_centers_own_so_tokyo_cannot_take_over_an_osaka_record(
    personas, staff, tokyo, osaka
):
    osaka_client = make_client(osaka, external_id="C900")
    osaka_row = dict(SESSIONS[1], 対応ID="S900", 拠点="大阪", 相談者ID="C900", 担当者="O0001")
    assert run("sessions", [osaka_row], personas["osaka_coordinator"]).created == 1
    tokyo_client = make_client(tokyo, external_id="C001")
    same_id_in_tokyo = dict(SESSIONS[0], 対応ID="S900")

    result = run("sessions", [same_id_in_tokyo], personas["tokyo_coordinator"])

    # Tokyo's S900 is Tokyo's own record; Osaka's is neither found nor changed.
    assert result.ok and result.created == 1, result.problems
    assert set(Consultation.objects.values_list("center__code", "client_id")) == {
        ("27", osaka_client.pk),
        ("13", tokyo_client.pk),
    }


def test_naming_another_centers_client_gets_the_answer_of_an_unknown_id(personas, staff, osaka):
    # The probe: a Tokyo coordinator names an Osaka client's ID in a sessions row.
    make_client(osaka, external_id="C00026814")
    foreign = dict(SESSIONS[1], 対応ID="SECESC-1", 相談者ID="C00026814")
    unknown = dict(SESSIONS[1], 対応ID="SECESC-2", 相談者ID="C99999999")

    result = run("sessions", [foreign, unknown], personas["tokyo_coordinator"])

    messages = {p.row: p.message for p in result.problems if p.column == "相談者ID"}
    assert set(messages) == {2, 3}
    assert messages[2] == messages[3].replace("C99999999", "C00026814")
    assert not Consultation.objects.exists()


def test_a_client_registered_in_osaka_stays_there_when_tokyo_imports_the_same_id(
    personas, staff, tokyo, osaka
):
    osaka_client = dict(CLIENTS[0], 拠点="大阪府")
    assert run("clients", [osaka_client], personas["osaka_coordinator"]).created == 1
    # A Tokyo session naming C001 does not take Osaka's C001 while Tokyo does not serve
    # it, even for the Agency, who sees every center's C001.
    assert found(run("sessions", SESSIONS[:1], personas["admin"])) == {(2, "相談者ID")}
    # Once Tokyo serves it (a session recorded with the client chosen), the import finds it.
    make_session(Client.objects.get(external_id="C001"), datetime.date(2025, 4, 2), center=tokyo)
    assert run("sessions", SESSIONS[:1], personas["admin"]).created == 1

    refused = run("clients", [osaka_client], personas["tokyo_coordinator"])
    own = run("clients", [dict(osaka_client, 拠点="東京都")], personas["tokyo_coordinator"])

    assert found(refused) == {(2, "拠点")}  # Osaka rows are Osaka's to import
    # Tokyo's C001 is a client of Tokyo's own, flagged as looking like the one it serves.
    assert own.ok and own.created == 1
    assert [w.column for w in own.warnings] == ["法人番号"]
    assert Client.objects.filter(home_center=osaka).count() == 1
    assert Client.objects.filter(home_center=tokyo).count() == 1


def test_roles_that_do_not_keep_records_can_import_nothing(personas, staff):
    for name in ("hq", "kanto_officer", "tokyo_expert", "committee"):
        result = run("clients", CLIENTS[:1], personas[name])
        assert found(result) == {(2, "拠点")}, name
    assert not Client.objects.exists()


# --- Duplicate clients ----------------------------------------------------------------


def test_a_new_client_like_an_existing_one_is_created_with_a_warning(personas, clients):
    twin = dict(CLIENTS[0], 相談者ID="X-1", 事業者名="よろず製作所（株）")
    namesake = dict(CLIENTS[1], 相談者ID="X-2", 事業者名="やまだ 商店")

    result = run("clients", [twin, namesake], personas["admin"])

    assert result.ok and result.created == 2
    warnings = {(w.row, w.column): w.message for w in result.warnings}
    assert set(warnings) == {(2, "法人番号"), (3, "事業者名")}
    assert (
        "C001" in warnings[(2, "法人番号")] and "same corporate number" in warnings[(2, "法人番号")]
    )
    assert (
        "C002" in warnings[(3, "事業者名")] and "same name and phone" in warnings[(3, "事業者名")]
    )
    assert Client.objects.count() == 5


def test_the_link_option_makes_a_duplicate_row_take_over_the_existing_client(personas, clients):
    twin = dict(CLIENTS[0], 相談者ID="X-1", 事業者名="別の名前", 従業員数="99")
    before = clients["C001"]

    result = run("clients", [twin], personas["admin"], link_duplicates=True)

    assert result.ok and (result.created, result.updated) == (0, 1)
    assert [(w.row, w.column) for w in result.warnings] == [(2, "法人番号")]
    assert "C001" in result.warnings[0].message and "X-1" in result.warnings[0].message
    linked = Client.objects.get(pk=before.pk)
    assert linked.external_id == "X-1"
    assert (linked.business_name, linked.employees) == (before.business_name, before.employees)
    assert Client.objects.count() == 3
    assert linked.history.first().history_user == personas["admin"]


def test_a_duplicate_outside_the_users_scope_is_not_revealed(personas, clients):
    # Only clients the importing user may change are compared.
    osaka_twin = dict(CLIENTS[0], 相談者ID="X-9", 拠点="大阪府")

    result = run("clients", [osaka_twin], personas["osaka_coordinator"])

    assert result.ok and result.created == 1 and result.warnings == []


# --- Cases and network activities ------------------------------------------------------

CASES = [
    {
        "課題ID": "K001",
        "相談者ID": "C001",
        "拠点": "東京都",
        "相談分野": "売上拡大;IT・DX",
        "重点分野": "DX推進;販路開拓",
        "開始日": "2025-04-01",
        "状態": "解決",
        "解決日": "2025-09-30",
        "解決区分": "売上増加",
        "成果": "ECサイト開設で売上が前年比120%",
    },
    {
        "課題ID": "K002",
        "相談者ID": "C002",
        "拠点": "13",
        "相談分野": "創業",
        "開始日": "2025/5/1",
        "状態": "対応中",
    },
]


def test_cases_import_with_their_topics_and_priority_fields(personas, clients):
    result = run("cases", CASES, personas["admin"])

    assert result.ok and result.created == 2, result.problems
    solved = Case.objects.get(external_id="K001")
    assert (solved.status, solved.resolution_kind) == ("solved", "sales_up")
    assert solved.resolved_on == datetime.date(2025, 9, 30) and solved.client == clients["C001"]
    assert sorted(t.name for t in solved.topics.all()) == ["IT・DX", "売上拡大"]
    assert sorted(f.name for f in solved.priority_fields.all()) == ["DX推進", "販路開拓"]
    assert solved.history.get().topics.count() == 2
    assert run("cases", CASES, personas["admin"]).unchanged == 2


def test_case_rules_are_checked_on_the_row(personas, clients):
    rows = copy(
        CASES,
        **{
            "0:解決区分": "",
            "1:相談分野": "創業;宇宙開発",
            "1:状態": "保留",
            "1:相談者ID": "C404",
        },
    )

    result = run("cases", rows, personas["admin"])

    assert found(result) == {(2, "解決区分"), (3, "相談分野"), (3, "状態"), (3, "相談者ID")}
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "resolution kind" in messages[(2, "解決区分")]
    assert "宇宙開発" in messages[(3, "相談分野")]
    assert "対応中" in messages[(3, "状態")]  # the reason lists the accepted words
    assert not Case.objects.exists()


def test_a_session_must_name_a_case_of_its_own_client(personas, clients):
    run("cases", CASES, personas["admin"])
    rows = copy(SESSIONS, **{"0:課題ID": "K001", "1:課題ID": "K001", "2:課題ID": "K404"})

    result = run("sessions", rows, personas["admin"])

    assert found(result) == {(3, "課題ID"), (4, "課題ID")}
    assert "another client" in {p.row: p.message for p in result.problems}[3]
    assert run("sessions", copy(SESSIONS, **{"0:課題ID": "K001"}), personas["admin"]).ok
    assert Consultation.objects.get(external_id="S001").case.external_id == "K001"


@pytest.fixture
def institutions(db):
    kind = SupportInstitutionType.objects.first()

    def make(name, code):
        return SupportInstitution.objects.create(
            name=name, institution_type=kind, prefecture=Prefecture.objects.get(code=code)
        )

    return {
        "tokyo_chamber": make("東京商工会議所", "13"),
        "jfc_tokyo": make("日本政策金融公庫", "13"),
        "jfc_osaka": make("日本政策金融公庫", "27"),
        "osaka_bank": make("大阪信用金庫", "27"),
        "yorozu_27": make("よろず信用金庫", "27"),
        "yorozu_28": make("よろず信用金庫", "28"),
    }


NETWORK = [
    {
        "活動ID": "N001",
        "拠点": "東京都",
        "実施日": "2025-04-10",
        "連携機関": "東京商工会議所;日本政策金融公庫",
        "区分": "訪問・連携会議",
        "内容": "連携会議で相談事例を共有",
        "担当者": "T0001",
    },
    {
        "活動ID": "N002",
        "拠点": "13",
        "実施日": "2025/5/20",
        "連携機関": "大阪信用金庫",
        "区分": "seminar",
    },
]


def test_network_activities_find_institutions_in_the_centers_prefecture_or_unique(
    personas, staff, institutions
):
    result = run("network", NETWORK, personas["admin"])

    assert result.ok and result.created == 2, result.problems
    meeting = NetworkActivity.objects.get(external_id="N001")
    assert set(meeting.institutions.all()) == {
        institutions["tokyo_chamber"],
        institutions["jfc_tokyo"],
    }
    assert list(meeting.staff.all()) == [staff["T0001"]] and meeting.kind == "meeting"
    seminar = NetworkActivity.objects.get(external_id="N002")
    assert list(seminar.institutions.all()) == [institutions["osaka_bank"]]
    assert run("network", NETWORK, personas["admin"]).unchanged == 2


def test_an_ambiguous_or_unknown_institution_and_an_unknown_staff_code_are_reported(
    personas, staff, institutions
):
    rows = copy(NETWORK, **{"0:連携機関": "よろず信用金庫", "1:連携機関": "", "1:担当者": "Z999"})
    rows.append(dict(NETWORK[0], 活動ID="N003", 連携機関="架空機関", 区分="懇親会"))

    result = run("network", rows, personas["admin"])

    assert found(result) == {
        (2, "連携機関"),
        (3, "連携機関"),
        (3, "担当者"),
        (4, "連携機関"),
        (4, "区分"),
    }
    messages = {(p.row, p.column): p.message for p in result.problems}
    assert "Several support institutions" in messages[(2, "連携機関")]
    assert "required" in messages[(3, "連携機関")]
    assert "Z999" in messages[(3, "担当者")] and "架空機関" in messages[(4, "連携機関")]
    assert not NetworkActivity.objects.exists()


# --- Rows and cells ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header,value,expected",
    [
        ("相談者ID", "C001", "appears twice"),
        ("拠点", "", "required"),
        ("事業者名", "", "required"),
        ("事業者名", "あ" * 201, "Longer than 200"),
        ("形態", "株式会社", "法人"),
        ("業種", "Z", "JSIC"),
        ("業種", "F 製造業", "does not match"),
        ("従業員数", "二十人", "whole number"),
        ("資本金", "-5", "whole number"),
        ("都道府県", "東京府", "Unknown prefecture"),
        ("メール", "not-an-email", "email"),
        ("調査同意", "たぶん", "yes or no"),
        ("法人番号", "123", "not a valid corporate number"),
    ],
)
def test_each_bad_client_cell_is_reported_in_plain_words(personas, staff, header, value, expected):
    row = dict(CLIENTS[1], **{header: value})

    result = run("clients", [CLIENTS[0], row], personas["admin"])

    assert found(result) == {(3, header)}
    assert expected in result.problems[0].message
    assert not Client.objects.exists()


@pytest.mark.parametrize(
    "header,value,expected",
    [
        ("対応日", "2025-13-01", "not a date"),
        ("対応日", "", "required"),
        ("開始時刻", "25:00", "not a time"),
        ("時間(分)", "0", "outside the allowed range"),
        ("対応方法", "手紙", "来訪"),
        ("担当者", "T0001;X0000", "X0000"),
        ("対応ID", "", "required"),
    ],
)
def test_each_bad_session_cell_is_reported_in_plain_words(
    personas, clients, header, value, expected
):
    row = dict(SESSIONS[1], **{header: value})

    result = run("sessions", [row], personas["admin"])

    assert found(result) == {(2, header)}
    assert expected in result.problems[0].message


def test_choice_columns_take_the_japanese_labels_and_the_codes(personas, clients):
    words = ["来訪", "出張・サテライト", "電話", "オンライン", "メール", "visit", "PHONE"]
    rows = [dict(SESSIONS[0], 対応ID=f"M{i}", 対応方法=word) for i, word in enumerate(words)]

    assert run("sessions", rows, personas["admin"]).ok
    modes = dict(Consultation.objects.values_list("external_id", "mode"))
    assert [modes[f"M{i}"] for i in range(len(words))] == [
        "visit",
        "outreach",
        "phone",
        "online",
        "email",
        "visit",
        "phone",
    ]


def test_a_missing_column_is_reported_on_the_header_row(personas):
    data = "対応ID,拠点\r\nS001,東京都\r\n".encode()

    result = run_import("sessions", read_table(data, "s.csv"), user=personas["admin"])

    assert [p.row for p in result.problems] == [1]
    assert "相談者ID" in result.problems[0].column and "対応日" in result.problems[0].column


def test_an_unknown_kind_is_a_programming_error(personas):
    with pytest.raises(ValueError):
        run_import("invoices", table("clients", []), user=personas["admin"])


# --- Templates ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_template_has_the_canonical_headers_and_example_rows(kind):
    rows = KINDS[kind].template()
    assert rows and all(len(r) == len(KINDS[kind].headers) for r in rows)


def test_the_template_examples_import(personas, institutions, tokyo):
    make_person(tokyo, code="T0001")
    make_person(tokyo, code="T0002")
    SupportInstitution.objects.create(
        name="日本政策金融公庫 東京支店",
        institution_type=SupportInstitutionType.objects.first(),
        prefecture=tokyo.prefecture,
    )
    for kind in ("clients", "cases", "sessions", "network"):
        headers = KINDS[kind].headers
        rows = [dict(zip(headers, row, strict=True)) for row in KINDS[kind].template()]
        data = read_table(xlsx_bytes(kind, rows), "template.xlsx")
        result = run_import(kind, data, user=personas["admin"])
        assert result.ok, (kind, result.problems)


# --- The management command -----------------------------------------------------------------


def test_the_command_imports_a_file_and_prints_the_counts(personas, staff, tmp_path, capsys):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes("clients", CLIENTS, "cp932"))

    call_command("import_records", str(path), kind="clients")

    assert "created 3, updated 0, unchanged 0" in capsys.readouterr().out
    assert Client.objects.count() == 3
    assert Client.objects.get(external_id="C001").history.get().history_user == personas["admin"]


def test_the_command_prints_every_problem_and_exits_non_zero(personas, staff, tmp_path, capsys):
    path = tmp_path / "clients.xlsx"
    path.write_bytes(xlsx_bytes("clients", copy(CLIENTS, **{"0:形態": "会社", "2:拠点": "東京府"})))

    with pytest.raises(CommandError) as raised:
        call_command("import_records", str(path), kind="clients", user="tokyo_coordinator")

    assert raised.value.returncode == 1
    errors = capsys.readouterr().err
    assert "row 2, column 形態:" in errors and "row 4, column 拠点: Unknown center" in errors
    assert not Client.objects.exists()


def test_the_command_links_duplicates_when_asked(personas, clients, tmp_path, capsys):
    path = tmp_path / "clients.csv"
    path.write_bytes(csv_bytes("clients", [dict(CLIENTS[0], 相談者ID="X-1")]))

    call_command("import_records", str(path), "--link-duplicates", kind="clients")

    output = capsys.readouterr()
    assert "warning: row 2, column 法人番号:" in output.err
    assert "created 0, updated 1" in output.out
    assert Client.objects.filter(external_id="X-1").get().pk == clients["C001"].pk


# --- The browser page ---------------------------------------------------------------------


@pytest.fixture
def page_for(client_for):
    """A signed-in browser that chose English."""

    def login(name):
        browser = client_for(name)
        browser.post(reverse("set_language"), {"language": "en", "next": "/"})
        return browser

    return login


def upload(kind, rows, name=None, data=None):
    file = io.BytesIO(data if data is not None else csv_bytes(kind, rows))
    file.name = name or f"{kind}.csv"
    return file


def test_the_page_shows_every_problem_and_saves_nothing(page_for, staff):
    page = page_for("tokyo_coordinator")
    rows = copy(CLIENTS, **{"1:拠点": "大阪府", "2:業種": "Z"})

    response = page.post(
        reverse("imports:start"),
        {"kind": "clients", "file": upload("clients", rows)},
    )

    html = response.content.decode()
    assert response.status_code == 200 and 'data-testid="import-problems"' in html
    assert "<td>3</td><td>拠点</td>" in html and "<td>4</td><td>業種</td>" in html
    assert not Client.objects.exists()


def test_a_valid_upload_goes_to_the_list_with_the_counts(page_for, staff):
    page = page_for("tokyo_coordinator")

    response = page.post(
        reverse("imports:start"),
        {
            "kind": "clients",
            "file": upload(
                "clients", CLIENTS, name="clients.xlsx", data=xlsx_bytes("clients", CLIENTS)
            ),
            "link_duplicates": "",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse("consultations:client_list")
    assert "3 new, 0 updated, 0 unchanged" in response.content.decode()
    assert Client.objects.count() == 3


def test_duplicate_warnings_are_shown_after_the_import(page_for, clients):
    page = page_for("tokyo_coordinator")
    twin = dict(CLIENTS[0], 相談者ID="X-1")

    response = page.post(
        reverse("imports:start"),
        {"kind": "clients", "file": upload("clients", [twin])},
        follow=True,
    )

    html = response.content.decode()
    assert "Row 2, 法人番号" in html and "C001" in html


def test_the_page_offers_the_kinds_and_their_templates(page_for):
    html = page_for("tokyo_coordinator").get(reverse("imports:start"))
    text = html.content.decode()
    # The upload's progress: the bar, and the script that drives it (a static file, CSP).
    assert "<progress" in text and "/static/js/import.js" in text
    for kind in ("clients", "cases", "sessions", "network", "impact"):
        assert reverse("imports:template", args=[kind]) in text


def test_an_unreadable_file_is_reported(page_for):
    broken = upload("clients", [], name="clients.xlsx", data=b"PK\x03\x04 not a workbook")
    response = page_for("tokyo_coordinator").post(
        reverse("imports:start"), {"kind": "clients", "file": broken}
    )
    assert "xlsx" in response.content.decode() and 'role="alert"' in response.content.decode()


def test_roles_without_records_to_keep_may_not_open_the_page(page_for):
    for name in ("hq", "kanto_officer", "tokyo_expert", "committee"):
        for kind in ("clients", "cases", "sessions", "network"):
            url = reverse("imports:kind", args=[kind])
            assert page_for(name).get(url).status_code == 403


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_template_downloads_with_the_canonical_headers(page_for, kind):
    response = page_for("tokyo_coordinator").get(reverse("imports:template", args=[kind]))
    sheet = read_table(response.content, "template.xlsx")
    assert sheet.headers == KINDS[kind].headers and len(sheet.rows) == len(KINDS[kind].template())


def test_an_unknown_template_is_not_found(page_for):
    url = reverse("imports:template", args=["clients"]).replace("clients", "invoices")
    assert page_for("tokyo_coordinator").get(url).status_code == 404


# --- New rows by COPY on PostgreSQL -------------------------------------------------------
# On PostgreSQL new rows are written with COPY; these tests run on both databases and
# compare that path with the ORM's (bulk_create), which SQLite always takes.

RECORD_MODELS = (Client, Case, Consultation, NetworkActivity)

# Two rounds of files: everything new, then changed rows, new rows and unchanged ones.
FIRST_ROUND = [
    ("clients", CLIENTS),
    ("cases", CASES),
    ("sessions", copy(SESSIONS, **{"0:課題ID": "K001"})),
    ("network", NETWORK),
]
SECOND_ROUND = [
    (
        "clients",
        [
            *copy(CLIENTS, **{"1:従業員数": "3"}),
            dict(CLIENTS[1], 相談者ID="C004", 事業者名="有限会社 ｶﾜｻｷ商店", 電話="044-999-0000"),
        ],
    ),
    (
        "cases",
        [
            *copy(CASES, **{"1:相談分野": "創業;売上拡大"}),
            dict(CASES[0], 課題ID="K003", 相談者ID="C004", 重点分野="創業支援"),
        ],
    ),
    (
        "sessions",
        [
            *copy(SESSIONS, **{"0:課題ID": "K001", "0:担当者": "T0002;T0001", "1:担当者": ""}),
            dict(SESSIONS[0], 対応ID="S005", 相談者ID="C004", 担当者="T0001;O0001;T0002"),
            dict(SESSIONS[1], 対応ID="S006", 開始時刻="", 概要="タブ\tと改行\nと\\"),
        ],
    ),
    (
        "network",
        [
            *copy(NETWORK, **{"1:担当者": "T0001;T0002"}),
            dict(NETWORK[0], 活動ID="N003", 担当者="T0002;T0001"),
        ],
    ),
]


def written_models() -> list:
    """Every table an import writes: records, their history, many-to-many rows and their snapshots."""
    models = []
    for model in RECORD_MODELS:
        models += [model, model.history.model]
        for m2m in model._meta.many_to_many:
            models += [m2m.remote_field.through, HistoricalRecords.m2m_models[m2m]]
    return models


def contents() -> dict:
    return {
        model._meta.db_table: list(model._default_manager.order_by("pk").values())
        for model in written_models()
    }


def restart_sequences():
    """PostgreSQL's sequences to just after each table's highest id (a rollback leaves
    them where they were; SQLite rolls its counters back itself)."""
    with connection.cursor() as cursor:
        for statement in connection.ops.sequence_reset_sql(no_style(), written_models()):
            cursor.execute(statement)


def import_rounds(user) -> list[tuple]:
    counts = []
    for files in (FIRST_ROUND, SECOND_ROUND):
        for kind, rows in files:
            result = run(kind, rows, user)
            assert result.ok, (kind, result.problems)
            counts.append((kind, result.created, result.updated, result.unchanged))
    return counts


@pytest.fixture
def frozen_now(monkeypatch):
    """One clock for both paths: history_date and Client.created_at come from it."""
    moment = datetime.datetime(2026, 1, 5, 0, 30, 15, 123456, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment


@pytest.fixture
def copied_tables(monkeypatch):
    """The tables COPY wrote into (record_writer.copy_into), one entry per COPY, in order;
    ``.sent`` lists (table, rows) for each batch of rows sent."""
    tables, copy_into = CopyLog(), record_writer.copy_into

    @contextmanager
    def spy(model, columns):
        table = model._meta.db_table
        tables.append(table)
        with copy_into(model, columns) as write:

            def counted(rows):
                rows = list(rows)
                tables.sent.append((table, len(rows)))
                write(rows)

            yield counted

    monkeypatch.setattr(record_writer, "copy_into", spy)
    return tables


class CopyLog(list):
    def __init__(self):
        super().__init__()
        self.sent = []


def test_copy_writes_the_same_records_m2m_and_history_rows_as_the_orm(
    personas, staff, institutions, frozen_now, copied_tables, monkeypatch
):
    admin = personas["admin"]
    restart_sequences()
    with transaction.atomic():
        monkeypatch.setattr(record_writer, "COPY_NEW_ROWS", False)
        orm_counts = import_rounds(admin)
        by_orm = contents()
        transaction.set_rollback(True)
    assert copied_tables == [] and not Client.objects.exists()
    restart_sequences()
    monkeypatch.setattr(record_writer, "COPY_NEW_ROWS", True)

    copy_counts = import_rounds(admin)

    by_copy = contents()
    assert copy_counts == orm_counts
    assert [c[1:] for c in copy_counts[:4]] == [(3, 0, 0), (2, 0, 0), (4, 0, 0), (2, 0, 0)]
    assert [c[1:] for c in copy_counts[4:]] == [(1, 1, 2), (1, 1, 1), (2, 2, 2), (1, 1, 1)]
    assert all(by_copy.values()), [table for table, rows in by_copy.items() if not rows]
    assert by_copy == by_orm
    if connection.vendor == "postgresql":
        # The records' history rows are made from the records by the database.
        history = {model.history.model._meta.db_table for model in RECORD_MODELS}
        assert set(copied_tables) == set(by_copy) - history
    else:
        assert copied_tables == []
    for model in RECORD_MODELS:
        created = model.history.filter(history_type="+")
        assert sorted(created.values_list("id", flat=True)) == sorted(
            model.objects.values_list("pk", flat=True)
        )
        assert set(
            created.values_list("history_user", "history_date", "history_change_reason")
        ) == {(admin.pk, frozen_now, None)}
    for client in Client.objects.all():
        assert client.name_key == normalize_name(client.business_name)
        assert client.phone_key == normalize_phone(client.phone)
        assert client.created_at == frozen_now
    new_session = Consultation.objects.get(external_id="S005")
    through = Consultation.other_staff.through.objects.filter(consultation=new_session)
    assert list(through.order_by("pk").values_list("person__staff_code", flat=True)) == [
        "O0001",
        "T0002",
    ]
    assert new_session.history.get().other_staff.count() == 2
    odd = Consultation.objects.get(external_id="S006")
    assert (odd.start_time, odd.summary) == (None, "タブ\tと改行\nと\\")

    again = [run(kind, rows, admin) for kind, rows in SECOND_ROUND]

    assert [(r.created, r.updated, r.unchanged) for r in again] == [
        (0, 0, 4),
        (0, 0, 3),
        (0, 0, 6),
        (0, 0, 3),
    ]
    assert contents() == by_copy
    # The sequences moved past the reserved ids: a record made on screen gets a new one.
    assert make_session(new_session.client, datetime.date(2025, 4, 9)).pk > odd.pk


# --- New rows written while the next rows are checked (PostgreSQL) ----------------------
# Sessions, cases and network activities are written a chunk at a time by COPY while a
# helper thread checks the next chunk; the tests make the chunks two rows long.

MORE_SESSIONS = [*SESSIONS, *(dict(SESSIONS[1], 対応ID=f"S1{n:02d}") for n in range(5))]


def test_rows_written_while_the_next_are_checked_equal_rows_written_after_the_check(
    personas, clients, staff, frozen_now, copied_tables, monkeypatch
):
    admin = personas["admin"]
    restart_sequences()
    with transaction.atomic():
        monkeypatch.setattr(imports._SessionImporter, "early_writes", False)
        after = run("sessions", MORE_SESSIONS, admin)
        written_after, counted_after = contents(), summaries._rows()
        transaction.set_rollback(True)
    restart_sequences()
    copied_tables.clear()
    copied_tables.sent.clear()
    monkeypatch.setattr(imports._SessionImporter, "early_writes", True)
    monkeypatch.setattr(record_writer, "CHECK_CHUNK", 2)

    early = run("sessions", MORE_SESSIONS, admin)

    assert early.ok and (early.created, early.updated) == (after.created, after.updated) == (9, 0)
    assert contents() == written_after
    assert summaries._rows() == counted_after
    assert summaries.differences() == (set(), set())
    if connection.vendor == "postgresql":
        # One COPY of the records, sent in five chunks as they were checked; then the
        # other staff and their snapshots.
        assert copied_tables == [
            "consultations_consultation",
            "consultations_consultation_other_staff",
            "consultations_historicalconsultation_other_staff",
        ]
        assert copied_tables.sent[:5] == [
            ("consultations_consultation", n) for n in (2, 2, 2, 2, 1)
        ]
    else:  # SQLite writes after the check, with the ORM
        assert copied_tables == []


def test_a_problem_after_rows_were_written_saves_nothing(
    personas, clients, staff, copied_tables, monkeypatch
):
    monkeypatch.setattr(record_writer, "CHECK_CHUNK", 2)
    rows = [*MORE_SESSIONS, dict(SESSIONS[0], 対応ID="S200", 対応日="2025-13-01")]
    check_row = imports._SessionImporter.check_row

    def late(importer, number, cells, texts, external_id):
        if external_id == "S200" and importer.writes_while_checking():
            # The bad row is checked only once earlier rows have gone to the database.
            for _wait in range(500):
                if copied_tables.sent:
                    break
                time.sleep(0.01)
        return check_row(importer, number, cells, texts, external_id)

    monkeypatch.setattr(imports._SessionImporter, "check_row", late)

    result = run("sessions", rows, personas["admin"])

    assert not result.ok and found(result) == {(11, "対応日")}
    assert (result.created, result.updated) == (0, 0)
    assert not Consultation.objects.exists() and not Consultation.history.exists()
    assert not Consultation.other_staff.through.objects.exists()
    assert summaries.differences() == (set(), set())
    if connection.vendor == "postgresql":  # rows had been written, then rolled back
        assert copied_tables.sent and copied_tables.sent[0] == ("consultations_consultation", 2)


def test_problems_found_while_rows_are_written_are_in_the_users_language(
    personas, clients, staff, monkeypatch
):
    monkeypatch.setattr(record_writer, "CHECK_CHUNK", 1)  # row 6 is checked on the helper
    rows = [*SESSIONS, dict(SESSIONS[0], 対応ID="S200", 対応日="2025-13-01")]

    with translation.override("en"):
        english = run("sessions", rows, personas["admin"])
    with translation.override("ja"):
        japanese = run("sessions", rows, personas["admin"])

    assert found(english) == found(japanese) == {(6, "対応日")}
    assert english.problems[0].message.startswith("“2025-13-01” is not a date")
    assert japanese.problems[0].message.startswith("「2025-13-01」は日付ではありません")
    assert not Consultation.objects.exists()


@pytest.mark.parametrize("moment", ["while this one checks", "between its check and write"])
def test_a_write_that_fails_saves_nothing_and_is_reported(personas, clients, monkeypatch, moment):
    admin = personas["admin"]
    monkeypatch.setattr(record_writer, "CHECK_CHUNK", 1)

    def other_import():  # saves S004 after this import looked its IDs up
        make_session(clients["C001"], datetime.date(2025, 4, 7), external_id="S004")

    if moment == "while this one checks":  # on PostgreSQL its new rows are being written
        load = imports._SessionImporter.load
        monkeypatch.setattr(
            imports._SessionImporter, "load", lambda importer: (load(importer), other_import())
        )
    else:  # a kind with after_rows writes after the whole check
        monkeypatch.setattr(imports._SessionImporter, "after_rows", lambda importer: other_import())

    result = run("sessions", SESSIONS, admin)

    assert not result.ok and (result.created, result.updated, result.unchanged) == (0, 0, 0)
    assert [(p.row, p.column) for p in result.problems] == [(0, "")]
    assert "Nothing was saved" in result.problems[0].message
    assert list(Consultation.objects.values_list("external_id", flat=True)) == ["S004"]
    assert not Consultation.history.filter(history_user=admin).exists()
    assert not Consultation.other_staff.through.objects.exists()


def test_a_failure_after_the_records_are_written_takes_them_back(personas, clients, monkeypatch):
    def broken(importer, written, stamp):
        raise DatabaseError("disk full")

    monkeypatch.setattr(imports._Importer, "write_m2m", broken)

    result = run("sessions", SESSIONS, personas["admin"])

    assert not result.ok and "Nothing was saved" in result.problems[0].message
    assert not Consultation.objects.exists() and not Consultation.history.exists()
    assert run("sessions", SESSIONS, personas["admin"]).created == 0  # still broken
    monkeypatch.undo()
    assert run("sessions", SESSIONS, personas["admin"]).created == 4


def test_a_client_registered_elsewhere_cannot_be_linked_to_this_centers_id(
    personas, staff, tokyo, osaka
):
    osaka_client = dict(CLIENTS[0], 拠点="大阪府")
    assert run("clients", [osaka_client], personas["osaka_coordinator"]).created == 1
    make_session(Client.objects.get(), datetime.date(2025, 4, 1), center=tokyo)  # Tokyo serves it
    twin = dict(CLIENTS[0], 相談者ID="T-77")

    result = run("clients", [twin], personas["tokyo_coordinator"], link_duplicates=True)

    assert found(result) == {(2, "法人番号")}
    assert "another center registered" in result.problems[0].message
    assert Client.objects.get().external_id == "C001"
