"""Roster import: validate everything first, report by row and column, write all or nothing."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from conftest import make_person
from core.imports import run_import
from core.tabular import read_table
from organizations.models import Assignment, Person, Role
from organizations.qualification_stats import qualification_table
from organizations.roster import HEADERS

HEADER_ROW = list(HEADERS.values())


@pytest.fixture(autouse=True)
def english_messages():
    # Messages are checked in English here; test_i18n checks the Japanese catalogue.
    with translation.override("en"):
        yield


def csv_bytes(rows, encoding="utf-8"):
    lines = [",".join(HEADER_ROW)] + [",".join(r) for r in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def xlsx_bytes(rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER_ROW)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


CLEAN_ROWS = [
    [
        "R001",
        "山田 太郎",
        "ヤマダ タロウ",
        "東京都",
        "チーフコーディネーター",
        "2025-04-01",
        "",
        "中小企業診断士;税理士",
        "",
    ],
    [
        "R002",
        "佐藤 花子",
        "サトウ ハナコ",
        "東京",
        "コーディネーター",
        "2025/4/1",
        "",
        "中小企業診断士",
        "hanako@example.jp",
    ],
    [
        "R003",
        "鈴木 一郎",
        "スズキ イチロウ",
        "13",
        "コーディネーター",
        "２０２５／４／１",
        "",
        "税理士;社会保険労務士",
        "",
    ],
    [
        "R004",
        "高橋 二郎",
        "タカハシ ジロウ",
        "東京都",
        "コーディネーター",
        "2023-04-01",
        "2025-03-31",
        "中小企業診断士",
        "",
    ],
    [
        "R005",
        "田中 三郎",
        "タナカ サブロウ",
        "14",
        "コーディネーター",
        "2025-04-01",
        "",
        "中小企業診断士",
        "",
    ],
    [
        "R006",
        "伊藤 四郎",
        "イトウ シロウ",
        "全国本部",
        "サポーター",
        "2025-04-01",
        "",
        "中小企業診断士",
        "",
    ],
]


def bad_rows():
    rows = [list(r) for r in CLEAN_ROWS]
    rows[1][3] = "東京府"  # row 3: unknown center
    rows[2][0] = "R001"  # row 4: duplicated staff code
    rows[4][7] = "中小企業診断士;宇宙飛行士"  # row 6: unknown qualification
    return rows


def test_a_file_with_three_problems_reports_each_by_row_and_writes_nothing(personas):
    table = read_table(csv_bytes(bad_rows()), "roster.csv")

    result = run_import("roster", table, user=personas["admin"])

    found = {(p.row, p.column) for p in result.problems}
    assert found == {(3, "拠点"), (4, "職員コード"), (6, "保有資格")}
    messages = " ".join(p.message for p in result.problems)
    assert "東京府" in messages and "宇宙飛行士" in messages and "row 2" in messages
    assert not Person.objects.exists() and not Assignment.objects.exists()


def test_the_problems_are_shown_in_the_browser_and_nothing_is_saved(client_for, personas):
    client = client_for("admin")
    upload = io.BytesIO(xlsx_bytes(bad_rows()))
    upload.name = "roster.xlsx"

    response = client.post(reverse("imports:kind", args=["roster"]), {"file": upload})

    page = response.content.decode()
    assert response.status_code == 200
    assert "東京府" in page and "宇宙飛行士" in page
    assert page.count("<td>拠点</td>") == 1
    assert not Person.objects.exists()


def test_a_clean_file_imports_and_the_qualification_table_matches_a_hand_count(
    personas, tokyo, kanagawa
):
    table = read_table(xlsx_bytes(CLEAN_ROWS), "roster.xlsx")

    result = run_import("roster", table, user=personas["admin"])

    assert result.ok and result.created == 6
    rows, staff = qualification_table(
        centers=type(tokyo).objects.filter(pk=tokyo.pk), as_of=datetime.date(2025, 6, 1)
    )
    counts = {r.qualification.name: (r.chief_coordinators, r.coordinators) for r in rows}
    # By hand, Tokyo on 2025-06-01: CC R001 (診断士, 税理士); COs R002 (診断士) and
    # R003 (税理士, 社労士); R004's term has ended; R005 is in Kanagawa; R006 is HQ.
    assert counts["中小企業診断士"] == (1, 1)
    assert counts["税理士"] == (1, 1)
    assert counts["社会保険労務士"] == (0, 1)
    assert counts["弁護士"] == (0, 0)
    assert staff == {"chief": 1, "coord": 2}

    nation, _staff = qualification_table(
        centers=type(tokyo).objects.all(), as_of=datetime.date(2025, 6, 1)
    )
    assert {r.qualification.name: r.coordinators for r in nation}["中小企業診断士"] == 2  # + R005


def test_importing_the_same_file_twice_changes_nothing(personas):
    run_import("roster", read_table(csv_bytes(CLEAN_ROWS), "roster.csv"), user=personas["admin"])
    history_before = Person.history.count() + Assignment.history.count()

    again = run_import(
        "roster", read_table(csv_bytes(CLEAN_ROWS), "roster.csv"), user=personas["admin"]
    )

    assert again.ok and (again.created, again.updated, again.unchanged) == (0, 0, 6)
    assert Person.objects.count() == 6 and Assignment.objects.count() == 6
    assert Person.history.count() + Assignment.history.count() == history_before


def test_a_changed_row_updates_the_person_and_is_audited(personas):
    run_import("roster", read_table(csv_bytes(CLEAN_ROWS), "roster.csv"), user=personas["admin"])
    rows = [list(r) for r in CLEAN_ROWS]
    rows[1][1] = "佐藤 華子"
    rows[1][6] = "2026-03-31"

    result = run_import("roster", read_table(csv_bytes(rows), "roster.csv"), user=personas["admin"])

    assert result.updated == 1
    person = Person.objects.get(staff_code="R002")
    assert person.name == "佐藤 華子"
    assert person.assignments.get().end_date == datetime.date(2026, 3, 31)
    latest = person.history.first()
    assert latest.history_user == personas["admin"] and latest.prev_record.name == "佐藤 花子"


def test_a_cp932_csv_imports_the_same_as_its_utf8_twin(personas):
    cp932 = read_table(csv_bytes(CLEAN_ROWS, "cp932"), "roster.csv")
    utf8_bom = read_table(b"\xef\xbb\xbf" + csv_bytes(CLEAN_ROWS), "roster.csv")
    assert cp932.rows == utf8_bom.rows

    assert run_import("roster", cp932, user=personas["admin"]).created == 6


def test_a_center_manager_cannot_import_staff_of_another_center(personas):
    rows = [
        CLEAN_ROWS[1],
        [
            "R009",
            "大阪 花子",
            "オオサカ ハナコ",
            "大阪府",
            "コーディネーター",
            "2025-04-01",
            "",
            "",
            "",
        ],
    ]

    result = run_import(
        "roster", read_table(csv_bytes(rows), "r.csv"), user=personas["tokyo_manager"]
    )

    assert [(p.row, p.column) for p in result.problems] == [(3, "拠点")]
    assert not Person.objects.exists()


def test_a_center_manager_cannot_take_over_a_staff_code_of_another_center(personas, osaka):
    make_person(osaka, code="R002")

    result = run_import(
        "roster", read_table(csv_bytes([CLEAN_ROWS[1]]), "r.csv"), user=personas["tokyo_manager"]
    )

    assert [(p.row, p.column) for p in result.problems] == [(2, "職員コード")]
    assert Person.objects.get(staff_code="R002").assignments.get().center == osaka


@pytest.mark.parametrize(
    "column,value,expected",
    [
        ("開始日", "2025-13-01", "not a date"),
        ("開始日", "", "required"),
        ("終了日", "2024-01-01", "before the start"),
        ("役割", "社長", "Unknown role"),
        ("メール", "not-an-email", "email"),
        ("氏名", "", "required"),
    ],
)
def test_each_bad_field_is_reported_in_plain_words(personas, column, value, expected):
    row = list(CLEAN_ROWS[1])
    row[HEADER_ROW.index(column)] = value

    result = run_import("roster", read_table(csv_bytes([row]), "r.csv"), user=personas["admin"])

    assert [(p.row, p.column) for p in result.problems] == [(2, column)]
    assert expected in result.problems[0].message


def test_a_missing_column_or_an_unreadable_file_is_reported(client_for):
    client = client_for("admin")
    broken = io.BytesIO(b"PK\x03\x04 not really a workbook")
    broken.name = "roster.xlsx"
    page = client.post(reverse("imports:kind", args=["roster"]), {"file": broken}).content.decode()
    assert "xlsx" in page and 'role="alert"' in page

    only_names = io.BytesIO("氏名\n山田\n".encode())
    only_names.name = "roster.csv"
    page = client.post(
        reverse("imports:kind", args=["roster"]), {"file": only_names}
    ).content.decode()
    assert "職員コード" in page
    assert not Person.objects.exists()


def test_the_template_downloads_with_the_canonical_headers(client_for):
    response = client_for("tokyo_manager").get(reverse("imports:template", args=["roster"]))
    table = read_table(response.content, "template.xlsx")
    assert table.headers == HEADER_ROW and len(table.rows) == 2


def test_the_staff_list_export_reimports_unchanged(client_for, personas):
    run_import("roster", read_table(csv_bytes(CLEAN_ROWS), "roster.csv"), user=personas["admin"])
    exported = client_for("admin").get(
        reverse("organizations:person_list") + "?status=all&export=xlsx"
    )

    again = run_import("roster", read_table(exported.content, "staff.xlsx"), user=personas["admin"])

    assert again.ok, again.problems
    assert again.created == 0
    assert Role.COORDINATOR in set(Assignment.objects.values_list("role", flat=True))
