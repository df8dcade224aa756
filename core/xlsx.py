"""Writing .xlsx files: the sheet's XML written directly, row by row, into the zip.

openpyxl's write-only mode builds a cell object per value (about 18 µs a cell:
3,600 rows/s for the national year of sessions, docs/benchmarks.md) and XlsxWriter's
constant-memory mode dispatches each value through ``write()`` (14,000 rows/s before
reading a row from the database); a national export of 700,000 rows needs 15,000
rows/s end to end. The parts an export needs are small and fixed: text as inline
strings (no shared-string table to hold in memory), numbers, booleans, dates and
times as Excel serial numbers with a date format, a bold frozen header row, column
widths, and text that looks like a formula kept as text with Excel's quote prefix.
openpyxl (which reads our imports) and Excel read these files; the tests read them
back with openpyxl.
"""

import datetime
import decimal
import re
import zipfile
from xml.sax.saxutils import escape

from django.utils import timezone

from core.tabular import FORMULA_TRIGGERS

# Characters XML 1.0 cannot hold (a file with one is refused whole by Excel).
ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
ROWS_PER_WRITE = 2_000

# Cell formats (cellXfs in styles.xml, by position).
PLAIN, HEADER, TEXT_KEPT, DATE, DATETIME, TIME = range(6)
STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd"/><numFmt numFmtId="165" formatCode="yyyy-mm-dd hh:mm"/><numFmt numFmtId="166" formatCode="hh:mm"/></numFmts>
<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font><font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1" quotePrefix="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/><xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>
</styleSheet>"""

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


def _text(value: str, style: int = PLAIN) -> str:
    if ILLEGAL.search(value):
        value = ILLEGAL.sub("", value)
    if value.startswith(FORMULA_TRIGGERS):
        style = TEXT_KEPT if style == PLAIN else style
    s = f' s="{style}"' if style else ""
    return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{escape(value)}</t></is></c>'


def _serial(moment: datetime.datetime) -> float:
    delta = moment - EXCEL_EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _cell(value) -> str:
    kind = type(value)
    if kind is str:
        return _text(value)
    if value is None:
        return "<c/>"
    if kind is bool:
        return f'<c t="b"><v>{int(value)}</v></c>'
    if kind is int or kind is float or kind is decimal.Decimal:
        return f"<c><v>{value}</v></c>"
    if kind is datetime.date:
        return f'<c s="{DATE}"><v>{(value - EXCEL_EPOCH.date()).days}</v></c>'
    if kind is datetime.datetime:
        if timezone.is_aware(value):
            value = timezone.make_naive(value)
        return f'<c s="{DATETIME}"><v>{_serial(value)!r}</v></c>'
    if kind is datetime.time:
        seconds = value.hour * 3600 + value.minute * 60 + value.second
        return f'<c s="{TIME}"><v>{seconds / 86400!r}</v></c>'
    return _text(str(value))  # lazy translations and anything else: as text


def _column_name(index: int) -> str:
    name = ""
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _write_sheet(part, headers: list, rows) -> int:
    widths = "".join(
        f'<col min="{i}" max="{i}" width="{max(10, min(40, len(str(h)) * 2 + 2))}" customWidth="1"/>'
        for i, h in enumerate(headers, start=1)
    )
    head = "".join(_text(str(h), HEADER) for h in headers)
    part.write(
        (
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f"{f'<cols>{widths}</cols>' if widths else ''}<sheetData><row>{head}</row>"
        ).encode()
    )
    count = 0
    batch = []
    cell = _cell
    for row in rows:
        batch.append("<row>" + "".join([cell(v) for v in row]) + "</row>")
        if len(batch) == ROWS_PER_WRITE:
            part.write("".join(batch).encode())
            count += len(batch)
            batch = []
    part.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return count + len(batch)


def write_workbook(out, sheets) -> int:
    """An .xlsx of ``sheets`` (each ``(title, headers, rows)``; ``rows`` any iterable,
    consumed once) written to the binary file ``out``; the number of rows written."""
    count = 0
    titles = []
    # compresslevel 1: the sheet XML compresses about 5× either way, and level 6
    # took as long as writing the XML itself.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for number, (title, headers, rows) in enumerate(sheets, start=1):
            titles.append(_sheet_title(title, titles))
            with archive.open(f"xl/worksheets/sheet{number}.xml", "w", force_zip64=True) as part:
                count += _write_sheet(part, headers, rows)
        _write_package(archive, titles)
    return count


def _sheet_title(title, taken) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of ``[]:*?/\\``, unique."""
    name = re.sub(r"[\[\]:*?/\\]", "_", str(title))[:31] or "Sheet"
    base, n = name, 1
    while name in taken:
        n += 1
        name = f"{base[: 31 - len(str(n)) - 1]}_{n}"
    return name


def _write_package(archive, titles) -> None:
    sheets = range(1, len(titles) + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in sheets
    )
    archive.writestr(
        "[Content_Types].xml",
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        f"{overrides}</Types>",
    )
    archive.writestr(
        "_rels/.rels",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    )
    entries = "".join(
        f'<sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="{n}" r:id="rId{n}"/>'
        for n, title in zip(sheets, titles, strict=True)
    )
    archive.writestr(
        "xl/workbook.xml",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<workbook xmlns="{MAIN_NS}" '
        f'xmlns:r="{REL_NS}"><sheets>{entries}</sheets></workbook>',
    )
    relations = "".join(
        f'<Relationship Id="rId{n}" Type="{REL_NS}/worksheet" Target="worksheets/sheet{n}.xml"/>'
        for n in sheets
    )
    styles_id = len(titles) + 1
    archive.writestr(
        "xl/_rels/workbook.xml.rels",
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="{PKG_REL_NS}">'
        f'{relations}<Relationship Id="rId{styles_id}" Type="{REL_NS}/styles" '
        'Target="styles.xml"/></Relationships>',
    )
    archive.writestr("xl/styles.xml", STYLES)
