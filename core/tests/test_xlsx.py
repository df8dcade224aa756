"""The .xlsx writer (core.xlsx): what a user opens in Excel or imports back reads as written."""

import datetime
import decimal
import io
import zipfile

from openpyxl import load_workbook

from core.tabular import write_workbook


def read_back(sheets):
    out = io.BytesIO()
    count = write_workbook(out, sheets)
    return count, load_workbook(io.BytesIO(out.getvalue()))


def test_values_read_back_with_their_types():
    row = [
        "東京都よろず支援拠点 <販路> & “相談”",
        42,
        3.5,
        decimal.Decimal("1234.50"),
        True,
        datetime.date(2025, 4, 1),
        datetime.datetime(2025, 4, 1, 9, 30),
        datetime.time(14, 15),
        None,
    ]
    count, book = read_back([("相談", ["名前", "件数", "率", "金額", "有無", "日", "日時", "時刻", "空"], [row])])
    sheet = book["相談"]
    assert count == 1
    assert [c.value for c in sheet[1]] == ["名前", "件数", "率", "金額", "有無", "日", "日時", "時刻", "空"]
    assert all(c.font.b for c in sheet[1])
    values = [c.value for c in sheet[2]]
    assert values[:5] == ["東京都よろず支援拠点 <販路> & “相談”", 42, 3.5, 1234.5, True]
    assert values[5] == datetime.datetime(2025, 4, 1)  # a date cell, shown as yyyy-mm-dd
    assert sheet.cell(2, 6).number_format == "yyyy-mm-dd"
    assert values[6] == datetime.datetime(2025, 4, 1, 9, 30)
    assert values[7] == datetime.time(14, 15)
    assert values[8] is None
    assert sheet.freeze_panes == "A2"


def test_formula_like_text_stays_text_and_illegal_characters_go():
    _count, book = read_back([("s", ["=header"], [["=HYPERLINK(\"http://x\")"], ["a\x01b"], ["-5"]])])
    cells = [row[0] for row in book["s"].iter_rows(min_row=2)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "ab", "-5"]
    assert all(c.data_type == "s" for c in cells)
    assert cells[0].quotePrefix and cells[2].quotePrefix


def test_several_sheets_with_names_excel_accepts():
    sheets = [("関東/2025:[計]", ["a"], [[1]]), ("関東/2025:[計]", ["a"], iter([[2], [3]]))]
    count, book = read_back(sheets)
    assert count == 3
    assert book.sheetnames == ["関東_2025__計_", "関東_2025__計__2"]
    assert [r[0].value for r in book.worksheets[1].iter_rows(min_row=2)] == [2, 3]


def test_a_large_sheet_streams_into_the_zip():
    rows = ([n, f"相談{n}"] for n in range(50_000))  # a generator: never held as a list
    out = io.BytesIO()
    assert write_workbook(out, [("s", ["番号", "件名"], rows)]) == 50_000
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.testzip() is None
    book = load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    last = list(book["s"].iter_rows(min_row=50_001, values_only=True))
    assert last == [(49_999, "相談49999")]
