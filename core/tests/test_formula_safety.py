"""Formulas never travel through our files (issue 21, part 4).

Every text cell that a spreadsheet would run as a formula is escaped in every
download (``core.tabular.csv_response`` and ``xlsx_response``, which every export
calls); a formula cell in an uploaded .xlsx is reported by row and column and
nothing is written.
"""

import csv
import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook, load_workbook

from conftest import answer_survey, make_campaign, make_client, make_session, survey_tokens
from consultations.models import Consultation
from core.imports import KINDS, run_import
from core.tabular import csv_response, escape_formula, read_table, xlsx_response
from organizations.models import Person
from organizations.roster import HEADERS as ROSTER_HEADERS
from surveys import campaigns

ATTACK = '=HYPERLINK("http://evil.example","x")'
# Each way a cell can start a formula: = + - @, tab, carriage return.
HOSTILE = [ATTACK, "+1+2", "-1+2", "@SUM(A1)", "\t=1+2", "\r=1+2"]


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def streamed(response) -> bytes:
    return b"".join(response.streaming_content)


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"), newline="")))


def xlsx_cells(body: bytes) -> list:
    sheet = load_workbook(io.BytesIO(body), data_only=False).active
    return [cell for row in sheet.iter_rows() for cell in row]


def test_the_sessions_export_escapes_every_summary_that_starts_like_a_formula(client_for, tokyo):
    client = make_client(tokyo, external_id="C-1")
    for number, summary in enumerate(HOSTILE):
        make_session(client, datetime.date(2025, 5, 1 + number), summary=summary)
    page = client_for("tokyo_coordinator")
    url = reverse("consultations:consultation_list")

    rows = csv_rows(streamed(page.get(url + "?export=csv")))
    summaries = {row[rows[0].index("概要")] for row in rows[1:]}
    assert summaries == {"'" + summary for summary in HOSTILE}

    cells = xlsx_cells(page.get(url + "?export=xlsx").content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    # The text as written, kept as text (XML reads a carriage return back as a newline).
    as_read = [summary.replace("\r", "\n") for summary in HOSTILE]
    written = {cell.value: cell for cell in cells if cell.value in as_read}
    assert set(written) == set(as_read)
    assert all(cell.data_type == "s" and cell.quotePrefix for cell in written.values())


def test_the_survey_answers_export_escapes_an_anonymous_comment(client_for, personas, tokyo):
    campaign = make_campaign(tokyo, recipients=1)
    answer_survey(survey_tokens(campaign)[0], overall=5, comment=ATTACK)
    campaigns.close(campaign, user=personas["hq"])  # answers count from the close
    download = client_for("hq").get(
        reverse("surveys:campaign_results", args=[campaign.pk]) + "?export=xlsx"
    )

    cells = xlsx_cells(download.content)
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    (comment,) = [cell for cell in cells if cell.value == ATTACK]
    assert comment.data_type == "s" and comment.quotePrefix
    assert any(cell.value == 5 and cell.data_type == "n" for cell in cells)


def test_only_text_is_escaped_numbers_stay_numbers():
    assert escape_formula("-5") == "'-5"
    assert [escape_formula(v) for v in (-5, -1.5, 0, None)] == [-5, -1.5, 0, None]
    assert escape_formula("a-b") == "a-b" and escape_formula("") == ""
    rows = [["-5", -5, -1.5, "x=1"]]

    body = streamed(csv_response("t.csv", ["h-", "-h"], rows))
    assert csv_rows(body) == [["h-", "'-h"], ["'-5", "-5", "-1.5", "x=1"]]

    cells = xlsx_cells(xlsx_response("t.xlsx", "t", ["h", "=h"], rows).content)
    assert [(c.value, c.data_type) for c in cells if c.value is not None] == [
        ("h", "s"),
        ("=h", "s"),
        ("-5", "s"),
        (-5, "n"),
        (-1.5, "n"),
        ("x=1", "s"),
    ]


def test_an_escaped_xlsx_cell_reads_back_as_its_text_not_as_a_formula():
    download = xlsx_response("t.xlsx", "t", ["概要"], [[ATTACK]])
    table = read_table(download.content, "t.xlsx")
    assert table.rows == [(2, {"概要": ATTACK})] and table.problems == []


# --- Formula cells in an upload -------------------------------------------------------------


def workbook_with_a_formula(headers, row) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    sheet.append(row)  # openpyxl stores a text starting with "=" as a formula
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_a_formula_cell_is_reported_by_row_and_column_and_nothing_is_written(personas):
    headers = KINDS["sessions"].headers
    row = ["S-1", "東京", "C-1", "", "2025-05-01", "10:00", 30, "電話", "", "=A1&B1"]
    table = read_table(workbook_with_a_formula(headers, row), "s.xlsx")

    result = run_import("sessions", table, user=personas["admin"])

    assert [(p.row, p.column) for p in result.problems] == [(2, "概要")]
    assert "formula" in result.problems[0].message
    assert not Consultation.objects.exists()


def test_the_roster_page_shows_the_formula_problem_and_writes_nothing(client_for):
    row = ["R001", "=B3", "ヤマダ タロウ", "東京都", "コーディネーター", "2025-04-01", "", "", ""]
    data = workbook_with_a_formula(list(ROSTER_HEADERS.values()), row)

    page = client_for("admin").post(
        reverse("imports:kind", args=["roster"]),
        {"file": SimpleUploadedFile("roster.xlsx", data)},
    )

    html = page.content.decode()
    assert 'data-testid="import-problems"' in html and "数式" in html  # the page is in Japanese
    assert f"<td>2</td><td>{ROSTER_HEADERS['name']}</td>" in html
    assert not Person.objects.exists()


def test_an_exported_csv_imports_back_without_the_escaping_quote():
    body = streamed(csv_response("t.csv", ["概要", "メモ"], [[ATTACK, "it's fine"], ["-5", "'"]]))

    table = read_table(body, "t.csv")

    assert [values for _number, values in table.rows] == [
        {"概要": ATTACK, "メモ": "it's fine"},
        {"概要": "-5", "メモ": "'"},
    ]


def test_control_characters_in_a_record_do_not_break_the_xlsx_export(client_for, tokyo):
    client = make_client(tokyo, external_id="C-1")
    make_session(client, datetime.date(2025, 5, 1), summary="販路\x08開拓\x0b相談\x1f")

    response = client_for("tokyo_coordinator").get(
        reverse("consultations:consultation_list") + "?export=xlsx"
    )

    assert response.status_code == 200
    assert "販路開拓相談" in [cell.value for cell in xlsx_cells(response.content)]


def test_a_formula_is_escaped_wherever_it_stands_in_a_long_csv():
    # The CSV is written a batch of rows at a time and searched for formulas per batch:
    # one anywhere (first cell, a quoted cell, a later row) is still escaped.
    plain = [["安全な文", 1, "2025-04-01"]] * 1200
    for at, row in (
        (0, ["=1+1", 1, "a"]),
        (500, ["-2+3", 1, "a"]),  # the first cell of the second batch
        (700, ["x", 2, '@SUM(A1), "q"']),
        (1199, ["y", 3, "\tz"]),
    ):
        rows = list(plain)
        rows[at] = row
        read = csv_rows(streamed(csv_response("t.csv", ["a", "b", "c"], rows)))
        assert len(read) == 1201
        assert [cell for cell in read[at + 1] if cell.startswith("'")], (at, read[at + 1])
        assert read[2 if at == 0 else 1] == ["安全な文", "1", "2025-04-01"]
