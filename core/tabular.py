"""Reading uploaded tables (.xlsx, CSV in UTF-8 or CP932) and writing .xlsx / CSV downloads.

Japanese offices save CSV from Excel in CP932 (Shift_JIS) more often than in
UTF-8; we accept both, with or without a BOM, and write CSV with a BOM so that
Excel opens it in the right encoding.
"""

import csv
import datetime
import io
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import quote

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _


class TableError(Exception):
    """The file as a whole cannot be read; the message is for the user."""


@dataclass
class Problem:
    """One problem in an import: spreadsheet row number, column header, plain reason."""

    row: int
    column: str
    message: str


@dataclass
class Table:
    headers: list[str]
    # (row number as the spreadsheet shows it, {header: value})
    rows: list[tuple[int, dict[str, object]]] = field(default_factory=list)


def read_table(data: bytes, filename: str) -> Table:
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data)
    raise TableError(_("Unsupported file type: upload an .xlsx or .csv file."))


def decode_text(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932")
    except UnicodeDecodeError as exc:
        raise TableError(
            _(
                "The file's character encoding could not be read: save it as UTF-8 or Shift_JIS (CP932)."
            )
        ) from exc


def _read_csv(data: bytes) -> Table:
    reader = csv.reader(io.StringIO(decode_text(data), newline=""))
    return _build(list(reader))


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(_("The file is not a readable .xlsx workbook.")) from exc
    sheet = workbook.worksheets[0]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _build(rows)


def _build(raw_rows: list[list]) -> Table:
    if not raw_rows:
        raise TableError(_("The file is empty."))
    headers = [normalize_header(h) for h in raw_rows[0]]
    while headers and not headers[-1]:
        headers.pop()
    table = Table(headers=headers)
    width, named = len(headers), all(headers)
    for number, raw in enumerate(raw_rows[1:], start=2):
        if named:  # the common case, in C: every column has a header
            if len(raw) < width:
                raw = [*raw, *[None] * (width - len(raw))]
            values = dict(zip(headers, raw, strict=False))
        else:
            values = {h: (raw[i] if i < len(raw) else None) for i, h in enumerate(headers) if h}
        try:
            blank = not "".join(values.values()).strip()
        except TypeError:  # numbers, dates or empty cells of an .xlsx sheet
            blank = all(v is None or str(v).strip() == "" for v in values.values())
        if blank:
            continue
        table.rows.append((number, values))
    return table


def normalize_header(value) -> str:
    return unicodedata.normalize("NFKC", str(value or "")).strip()


def text(value) -> str:
    """A cell as NFKC-normalised, trimmed text ('' for empty)."""
    if value is None:
        return ""
    if isinstance(value, str):
        # ASCII is unchanged by NFKC: skip the normalisation (most cells of a file).
        return value.strip() if value.isascii() else unicodedata.normalize("NFKC", value).strip()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


def texts(values) -> list[str]:
    """``text`` of each cell of a column, each distinct text cell normalised once:
    a column repeats the same centers, dates and words on thousands of rows."""
    seen: dict[str, str] = {}
    result = []
    for value in values:
        if type(value) is str:
            found = seen.get(value)
            if found is None:
                found = seen[value] = text(value)
            result.append(found)
        else:
            result.append(text(value))
    return result


def split_list(value) -> list[str]:
    """A cell holding several values joined by ';' (full-width '；' too, after NFKC)."""
    return [part.strip() for part in text(value).split(";") if part.strip()]


def parse_date(value) -> datetime.date:
    """Accept 2025-04-01, 2025/4/1, full-width digits, and Excel date cells."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value).replace("/", "-").replace(".", "-")
    parts = raw.split("-")
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        raise ValueError(raw)
    year, month, day = (int(p) for p in parts)
    return datetime.date(year, month, day)


def _content_disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


def xlsx_response(filename: str, sheet_title: str, headers: list, rows) -> HttpResponse:
    """An .xlsx download, written in openpyxl's write-only mode so large lists stay cheap."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    for index, header in enumerate(headers, start=1):
        width = max(10, min(40, len(str(header)) * 2 + 2))
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=str(header))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    count = 0
    for row in rows:
        sheet.append(list(row))
        count += 1
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = _content_disposition(filename)
    response.rows_sent = lambda: count  # for the access log (core.access_log)
    return response


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, headers: list, rows) -> StreamingHttpResponse:
    """A CSV download that Excel opens correctly (UTF-8 with BOM), streamed row by row."""
    writer = csv.writer(_Echo())
    sent = [0]

    def lines():
        yield "\ufeff" + writer.writerow([str(h) for h in headers])
        for row in rows:
            yield writer.writerow(row)
            sent[0] += 1

    response = StreamingHttpResponse(
        (line.encode("utf-8") for line in lines()), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _content_disposition(filename)
    # Rows streamed so far: the access log records the count when the stream ends.
    response.rows_sent = lambda: sent[0]
    return response
