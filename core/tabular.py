"""Reading uploaded tables (.xlsx, CSV in UTF-8 or CP932) and writing .xlsx / CSV downloads.

Japanese offices save CSV from Excel in CP932 (Shift_JIS) more often than in
UTF-8; we accept both, with or without a BOM, and write CSV with a BOM so that
Excel opens it in the right encoding.

Every uploaded table is read here, under the limits of ``settings.IMPORT_*``
(sized for a national year of sessions, see the README): the file's bytes, what
an .xlsx unpacks to and how strongly it is compressed (checked in the zip's
directory before anything is unpacked), rows, columns and cells. An .xlsx is read
row by row in openpyxl's read-only mode without trusting the sheet's declared
dimension, which a hostile file sets to a million rows of 16,384 columns.

Every text cell written to a download that a spreadsheet would take for a
formula (it begins with ``= + - @``, a tab or a carriage return) is escaped here.
"""

import codecs
import csv
import datetime
import io
import re
import struct
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _

from core.collector import collector_paused


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
    # Cells that cannot be read as values (formulas): the importers report these
    # and write nothing.
    problems: list[Problem] = field(default_factory=list)


# --- Limits -------------------------------------------------------------------------------

MB = 1024 * 1024
# A zip's central directory is read whole into memory (about ten times its size in
# objects); an .xlsx has a few dozen parts, a large one with images a few hundred.
MAX_ZIP_ENTRIES = 10_000
# Parts smaller than this are not judged by their compression ratio.
RATIO_CHECKED_FROM = 1 * MB
# Formula cells reported by row and column; a sheet of formulas is refused all the same.
MAX_FORMULA_PROBLEMS = 1000


@dataclass(frozen=True)
class Limits:
    max_bytes: int
    max_unpacked_bytes: int
    max_ratio: int
    max_rows: int
    max_columns: int
    max_cells: int

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            max_bytes=settings.IMPORT_MAX_BYTES,
            max_unpacked_bytes=settings.IMPORT_MAX_UNPACKED_BYTES,
            max_ratio=settings.IMPORT_MAX_RATIO,
            max_rows=settings.IMPORT_MAX_ROWS,
            max_columns=settings.IMPORT_MAX_COLUMNS,
            max_cells=settings.IMPORT_MAX_CELLS,
        )


def _megabytes(size: int) -> str:
    return f"{size / MB:,.0f}" if size >= 10 * MB else f"{size / MB:,.1f}"


def check_size(size: int, limits: Limits | None = None) -> None:
    """Refuse a file larger than ``IMPORT_MAX_BYTES`` (call it before reading the file)."""
    limits = limits or Limits.from_settings()
    if size > limits.max_bytes:
        raise TableError(
            _(
                "The file is too large (%(size)s MB; at most %(limit)s MB are read). "
                "Split it into smaller files."
            )
            % {"size": _megabytes(size), "limit": _megabytes(limits.max_bytes)}
        )


def read_upload(upload) -> Table:
    """An uploaded file (Django's ``UploadedFile``) as a table; its size is checked
    before it is read into memory."""
    limits = Limits.from_settings()
    check_size(upload.size, limits)
    return read_table(upload.read(), upload.name, limits=limits)


@collector_paused()
def read_table(data: bytes, filename: str, *, limits: Limits | None = None) -> Table:
    limits = limits or Limits.from_settings()
    check_size(len(data), limits)
    name = filename.lower()
    if name.endswith(".xlsx"):
        return _read_xlsx(data, limits)
    if name.endswith((".csv", ".txt")):
        return _read_csv(data, limits)
    raise TableError(_("Unsupported file type: upload an .xlsx or .csv file."))


# --- CSV ----------------------------------------------------------------------------------

_BOM = b"\xef\xbb\xbf"
_CHUNK = 1 * MB
# Longest physical line read: a row of 100 cells of Excel's 32,767 characters fits.
_MAX_LINE = 4 * MB


def _encoding_error() -> TableError:
    return TableError(
        _("The file's character encoding could not be read: save it as UTF-8 or Shift_JIS (CP932).")
    )


def _csv_encoding(data: bytes) -> str:
    """UTF-8 (with or without a BOM) or CP932, checked a chunk at a time so that a
    large file is never held twice."""
    candidates = ("utf-8-sig",) if data.startswith(_BOM) else ("utf-8", "cp932")
    for encoding in candidates:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            for start in range(0, len(data), _CHUNK):
                decoder.decode(data[start : start + _CHUNK])
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise _encoding_error()


def _lines(stream) -> Iterator[str]:
    while line := stream.readline(_MAX_LINE + 1):
        if len(line) > _MAX_LINE:
            raise TableError(
                _("A line of the file is longer than %(limit)s characters: it is not a table.")
                % {"limit": f"{_MAX_LINE:,}"}
            )
        yield line


def _read_csv(data: bytes, limits: Limits) -> Table:
    stream = io.TextIOWrapper(io.BytesIO(data), encoding=_csv_encoding(data), newline="")
    reader = csv.reader(_lines(stream))
    try:
        header_row = next(reader, None)
        if header_row is None:
            raise TableError(_("The file is empty."))
        table = Table(headers=_headers(header_row, limits))
        _fill(table, enumerate(_unescaped(reader), start=2), limits)
    except csv.Error as exc:
        raise TableError(
            _(
                "The file could not be read as CSV near line %(line)s: "
                "a cell is too long or a quotation mark is not closed."
            )
            % {"line": reader.line_num}
        ) from exc
    return table


def _unescaped(rows):
    """Rows with the ``'`` our CSV exports put before formula-like text taken off again,
    so that an exported file imports back unchanged."""
    for row in rows:
        if "'" in "".join(row):  # rare: the whole row is checked in C first
            row = [
                cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_TRIGGER_CHARS else cell
                for cell in row
            ]
        yield row


# --- .xlsx --------------------------------------------------------------------------------


def _unreadable_workbook() -> TableError:
    return TableError(_("The file is not a readable .xlsx workbook."))


def _zip_directory(data: bytes) -> tuple[int, int] | None:
    """(entries, bytes) of a zip's central directory as ``zipfile`` will read them,
    from its end records (the zip64 one when present, as ``zipfile`` does); None
    when ``data`` is not a zip."""
    tail_start = max(0, len(data) - 22 - 65535)
    at = data.rfind(b"PK\x05\x06", tail_start)
    if at < 0 or len(data) - at < 22:
        return None
    entries, size = struct.unpack_from("<HL", data, at + 10)
    if at >= 20 and data[at - 20 : at - 16] == b"PK\x06\x07":  # zip64 end locator
        record = at - 20 - 56
        if record < 0 or data[record : record + 4] != b"PK\x06\x06":
            return None
        entries, size = struct.unpack_from("<QQ", data, record + 32)
    return entries, size


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse, from the zip's directory alone, a file that is not a zip or would
    unpack to more than the limits: a few KB can unpack to gigabytes. Python's
    ``zipfile`` never unpacks more than a part's declared size (it checks the
    CRC at that point), so the declared sizes bound what openpyxl reads."""
    directory = _zip_directory(data)
    if directory is None or directory[0] > MAX_ZIP_ENTRIES or directory[1] > MAX_ZIP_ENTRIES * 1024:
        raise _unreadable_workbook()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, struct.error) as exc:
        raise _unreadable_workbook() from exc
    unpacked = sum(part.file_size for part in parts)
    if unpacked > limits.max_unpacked_bytes:
        raise TableError(
            _(
                "The workbook unpacks to %(size)s MB, more than the %(limit)s MB read. "
                "Split it into smaller files."
            )
            % {"size": _megabytes(unpacked), "limit": _megabytes(limits.max_unpacked_bytes)}
        )
    for part in parts:
        if part.file_size >= RATIO_CHECKED_FROM and part.file_size > limits.max_ratio * max(
            part.compress_size, 1
        ):
            raise TableError(
                _(
                    "The workbook is compressed far more strongly than a spreadsheet is "
                    "(%(ratio)s times); it is not read. Save it again from Excel."
                )
                % {"ratio": f"{part.file_size // max(part.compress_size, 1):,}"}
            )


def _formula_problem(row: int, column: str) -> Problem:
    return Problem(
        row,
        column,
        _(
            "The cell holds a formula. Paste the values only (Paste Special → Values) "
            "and import the file again."
        ),
    )


def _read_xlsx(data: bytes, limits: Limits) -> Table:
    _check_archive(data, limits)
    from openpyxl import load_workbook

    try:
        # data_only=False: a formula cell is seen as one (data_type "f") and reported,
        # instead of being read as its cached value or as empty.
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except MemoryError:
        raise
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable_workbook() from exc
    try:
        return _read_sheet(workbook, limits)
    except (TableError, MemoryError):
        raise
    except Exception as exc:  # a damaged part shows only when it is read
        raise _unreadable_workbook() from exc
    finally:
        workbook.close()


def _read_sheet(workbook, limits: Limits) -> Table:
    from openpyxl.utils import get_column_letter

    if not workbook.worksheets:
        raise TableError(_("The file is empty."))
    sheet = workbook.worksheets[0]
    # The declared dimension (<dimension ref="A1:XFD1048576"/>) is the sheet's own
    # claim; openpyxl would pad every row and column up to it.
    sheet.reset_dimensions()
    header_rows = sheet.iter_rows(min_row=1, max_row=1, max_col=limits.max_columns + 1)
    first = next(header_rows, ())
    header_rows.close()
    problems = [
        _formula_problem(1, get_column_letter(index))
        for index, cell in enumerate(first, start=1)
        if cell.data_type == "f"
    ]
    table = Table(
        headers=_headers([None if c.data_type == "f" else c.value for c in first], limits),
        problems=problems,
    )
    _fill(table, _sheet_rows(sheet, table, limits), limits)
    return table


def _sheet_rows(sheet, table: Table, limits: Limits) -> Iterator[tuple[int, list]]:
    """(row number, values) of the rows from row 2 that hold a cell, read lazily up to
    the last header's column; formula cells are reported in ``table.problems`` and
    read as empty."""
    from openpyxl.cell.read_only import EMPTY_CELL

    headers = table.headers
    width, last_row = len(headers), limits.max_rows + 1
    rows = sheet.iter_rows(min_row=2, max_col=width)
    # openpyxl fills every row missing from the file (a hostile file skips to row
    # 1,048,576) with one and the same tuple of empty cells: passed over at once.
    empty = None
    try:
        for number, row in enumerate(rows, start=2):
            if number > last_row:
                raise _too_many_rows(limits)
            if row is empty:
                continue
            if all(cell is EMPTY_CELL for cell in row):
                empty = row
                continue
            values = [cell.value for cell in row]
            if "f" in [cell.data_type for cell in row]:
                for index, cell in enumerate(row):
                    if cell.data_type == "f":
                        values[index] = None
                        if headers[index] and len(table.problems) < MAX_FORMULA_PROBLEMS:
                            table.problems.append(_formula_problem(number, headers[index]))
            yield number, values
    finally:
        rows.close()


def _too_many_rows(limits: Limits) -> TableError:
    return TableError(
        _("The file has more than %(limit)s rows. Split it into smaller files.")
        % {"limit": f"{limits.max_rows:,}"}
    )


# --- Both ---------------------------------------------------------------------------------


def _headers(raw: list, limits: Limits) -> list[str]:
    end = len(raw)
    while end and (raw[end - 1] is None or str(raw[end - 1]).strip() == ""):
        end -= 1
    if end > limits.max_columns:
        raise TableError(
            _("The header row has more than %(limit)s columns.")
            % {"limit": f"{limits.max_columns:,}"}
        )
    headers = [normalize_header(h) for h in raw[:end]]
    while headers and not headers[-1]:
        headers.pop()
    if not headers:
        raise TableError(_("The first row of the file holds no column headers."))
    return headers


def _fill(table: Table, numbered_rows: Iterable[tuple[int, list]], limits: Limits) -> None:
    """Add the non-blank rows to ``table``, within the row and cell limits."""
    headers = table.headers
    width, named = len(headers), all(headers)
    last_row = limits.max_rows + 1  # the header is row 1
    # Each kept row holds a value for every named column, empty or not.
    kept_rows = limits.max_cells // max(1, sum(1 for h in headers if h))
    for number, raw in numbered_rows:
        if number > last_row:
            raise _too_many_rows(limits)
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
        if len(table.rows) >= kept_rows:
            raise TableError(
                _(
                    "The file holds more than %(limit)s cells (rows × columns with a header). "
                    "Remove the columns the import does not use, or split the file."
                )
                % {"limit": f"{limits.max_cells:,}"}
            )
        table.rows.append((number, values))


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


# 和暦: each era's first day; an era's dates end the day before the next one's first day.
ERAS = (
    ("明治", "M", datetime.date(1868, 10, 23)),
    ("大正", "T", datetime.date(1912, 7, 30)),
    ("昭和", "S", datetime.date(1926, 12, 25)),
    ("平成", "H", datetime.date(1989, 1, 8)),
    ("令和", "R", datetime.date(2019, 5, 1)),
)
_ERA_START = {word: start for name, letter, start in ERAS for word in (name, letter)}
_ERA_END = {
    word: after
    for (name, letter, _start), (_n, _l, after) in zip(ERAS, ERAS[1:], strict=False)
    for word in (name, letter)
}
_ERA_DATE = re.compile(
    r"(明治|大正|昭和|平成|令和|[MTSHR])\s*(元|\d{1,2})\s*[年./-]\s*(\d{1,2})\s*[月./-]\s*(\d{1,2})日?"
)
_KANJI_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def parse_date(value) -> datetime.date:
    """Accept 2025-04-01, 2025/4/1, 2025年4月1日, 和暦 (令和7年4月1日, R7.4.1, 令和元年5月1日),
    full-width digits, and Excel date cells. A 和暦 date outside its era (平成31年5月1日:
    平成 ended on 30 April 2019) is not a date."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value)
    if era := _ERA_DATE.fullmatch(raw.upper()):
        name, year, month, day = era.groups()
        start = _ERA_START[name]
        found = datetime.date(
            start.year - 1 + (1 if year == "元" else int(year)), int(month), int(day)
        )
        end = _ERA_END.get(name)
        if found < start or (end is not None and found >= end):
            raise ValueError(raw)
        return found
    if kanji := _KANJI_DATE.fullmatch(raw):
        return datetime.date(*(int(g) for g in kanji.groups()))
    parts = raw.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(p.isdecimal() for p in parts):
        raise ValueError(raw)
    year, month, day = (int(p) for p in parts)
    return datetime.date(year, month, day)


def _content_disposition(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


# A spreadsheet runs a text cell beginning with one of these as a formula
# (=HYPERLINK(…) sends the reader's data away); tab and CR start one in some readers.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
FORMULA_TRIGGER_CHARS = frozenset("".join(FORMULA_TRIGGERS))


def escape_formula(value):
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'``
    (OWASP's CSV injection advice); every other value, numbers included, unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_xlsx(out, sheet_title: str, headers: list, rows) -> int:
    """Write an .xlsx of ``headers`` and ``rows`` to the binary file ``out``, streamed
    (``core.xlsx``); the number of rows written. Text cells beginning like a formula
    are written as text."""
    return write_workbook(out, [(sheet_title, headers, rows)])


def write_workbook(out, sheets) -> int:
    """An .xlsx of several sheets, each ``(title, headers, rows)``; the number of rows written."""
    from core import xlsx

    return xlsx.write_workbook(out, sheets)


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, sheet_title: str, headers: list, rows) -> HttpResponse:
    """An .xlsx download (``write_xlsx``)."""
    return workbook_response(filename, [(sheet_title, headers, rows)])


def workbook_response(filename: str, sheets) -> HttpResponse:
    """An .xlsx download of several sheets (``write_workbook``)."""
    buffer = io.BytesIO()
    count = write_workbook(buffer, sheets)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = _content_disposition(filename)
    response.rows_sent = lambda: count  # for the access log (core.access_log)
    return response


class _Echo:
    def write(self, value):
        return value


CSV_ROWS_PER_WRITE = 500


def csv_lines(headers: list, rows, sent: list):
    """The lines of a CSV that Excel opens correctly (UTF-8 with BOM), as bytes; ``sent[0]``
    counts the rows. Text cells beginning like a formula are prefixed with ``'``
    (``escape_formula``)."""
    writer = csv.writer(_Echo())
    yield ("\ufeff" + writer.writerow([escape_formula(str(h)) for h in headers])).encode("utf-8")
    # Sent a few hundred rows at a time: a write to the client per row cost more
    # than making the row.
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CSV_ROWS_PER_WRITE:
            yield _csv_text(writer, batch).encode("utf-8")
            sent[0] += len(batch)
            batch = []
    if batch:
        yield _csv_text(writer, batch).encode("utf-8")
        sent[0] += len(batch)


# Where a cell of written CSV may begin with a formula trigger (after a line's end or a
# comma, quoted or not; the text's own start is checked after a "\n" put before it);
# a false alarm only costs the cell-by-cell pass. Without an alternation at its start
# the pattern is searched for 2.5 times faster.
_MAYBE_FORMULA = re.compile(r'[,\n]"?[=+\-@\t\r]')


def _csv_text(writer, rows) -> str:
    """The CSV lines of ``rows``; text cells beginning like a formula prefixed with
    ``'``, looked for cell by cell only where the written text may hold one (a tenth
    of an export's time when done for every cell)."""
    text = "".join(map(writer.writerow, rows))
    if not _MAYBE_FORMULA.search("\n" + text):
        return text
    triggers = FORMULA_TRIGGERS
    return "".join(
        writer.writerow(
            ["'" + v if isinstance(v, str) and v.startswith(triggers) else v for v in row]
        )
        for row in rows
    )


def write_csv(out, headers: list, rows) -> int:
    """The CSV of ``csv_response`` written to the binary file ``out``; the rows written."""
    sent = [0]
    for line in csv_lines(headers, rows, sent):
        out.write(line)
    return sent[0]


def csv_response(filename: str, headers: list, rows) -> StreamingHttpResponse:
    """A CSV download (``csv_lines``), streamed row by row."""
    sent = [0]
    response = StreamingHttpResponse(
        csv_lines(headers, rows, sent), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = _content_disposition(filename)
    # Rows streamed so far: the access log records the count when the stream ends.
    response.rows_sent = lambda: sent[0]
    return response
