"""Hostile .xlsx files for the upload tests, built in a few seconds each.

- ``dimension_bomb``: a 5 KB workbook whose sheet declares ``A1:XFD1048576`` and holds
  one cell at XFD1048576; a reader that trusts the declared dimension pads
  1,048,576 rows of 16,384 cells.
- ``expanding_archive``: a valid workbook of about 1 MB whose first sheet unpacks
  to 1 GiB (whitespace inside ``sheetData``), written in chunks so that building
  it never holds more than one chunk.
"""

import io
import re
import zipfile

from openpyxl import Workbook

SHEET = "xl/worksheets/sheet1.xml"


def _workbook(cells: dict[str, str]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for coordinate, value in cells.items():
        sheet[coordinate] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _rewrite(data: bytes, sheet_xml=None, *, stream=None, compresslevel=None) -> bytes:
    """Copy every part of ``data`` and replace the first sheet's XML, given whole
    (``sheet_xml``) or as chunks to stream (``stream``)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as target:
        for info in source.infolist():
            if info.filename != SHEET:
                target.writestr(info.filename, source.read(info.filename))
            elif sheet_xml is not None:
                target.writestr(SHEET, sheet_xml)
            else:
                with target.open(SHEET, "w") as sheet:
                    for chunk in stream(source.read(SHEET)):
                        sheet.write(chunk)
    return out.getvalue()


def dimension_bomb() -> bytes:
    data = _workbook({"XFD1048576": "x"})
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    xml, count = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml)
    assert count == 1
    return _rewrite(data, xml)


def expanding_archive(headers=("A", "B"), unpacked: int = 1 << 30) -> bytes:
    """A workbook whose first sheet is ``unpacked`` bytes of XML, nearly all whitespace."""
    data = _workbook({f"{chr(65 + i)}1": h for i, h in enumerate(headers)})
    chunk = b" " * (1 << 20)

    def stream(xml: bytes):
        head, tail = xml.split(b"</sheetData>")
        yield head
        for _ in range(-(-(unpacked - len(xml)) // len(chunk))):  # at least ``unpacked``
            yield chunk
        yield b"</sheetData>" + tail

    return _rewrite(data, stream=stream, compresslevel=1)
