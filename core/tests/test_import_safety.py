"""Uploads that would exhaust the server are refused before they are read (issue 21, part 2).

Every import page (records of each kind, roster, attendance) gets the 4.8 KB
dimension bomb and a 4.7 MB workbook that unpacks to 1 GiB; each must be refused
with a plain message within 2 s while the Python heap grows by less than 100 MB
(tracemalloc's peak, which sees every list and string a reader builds) and the
process's resident peak by less than 100 MB.
"""

import io
import re
import resource
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from consultations.models import Case, Client, Consultation, NetworkActivity
from core.imports import KINDS
from core.tabular import TableError, read_table, read_upload
from core.tests.bombs import SHEET, _rewrite, _workbook, dimension_bomb, expanding_archive
from organizations.models import Person
from support.models import TrainingRegistration

MB = 1024 * 1024

# (who uploads, the page, the form's other fields)
IMPORT_PAGES = [
    *[("admin", "imports:start", {"kind": kind}) for kind in KINDS if kind != "attendance"],
    ("hq", "imports:start", {"kind": "attendance"}),
]


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def bombs():
    return {"dimension": dimension_bomb(), "archive": expanding_archive()}


def written_records() -> int:
    models = (Client, Case, Consultation, NetworkActivity, Person, TrainingRegistration)
    return sum(model.objects.count() for model in models)


@pytest.mark.parametrize("bomb", ["dimension", "archive"])
@pytest.mark.parametrize(
    "who,page,fields", IMPORT_PAGES, ids=[f"{p}-{f.get('kind', '')}" for _w, p, f in IMPORT_PAGES]
)
def test_a_bomb_is_refused_quickly_with_little_memory_on_every_import_page(
    client_for, bombs, bomb, who, page, fields
):
    client = client_for(who)
    url = reverse(page)
    client.get(url)  # warm up: templates, translations, the session
    before = written_records()
    upload = SimpleUploadedFile("bomb.xlsx", bombs[bomb])

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    tracemalloc.start()
    started = time.perf_counter()
    try:
        response = client.post(url, {**fields, "file": upload})
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    rss_growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before) * 1024

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="errors" role="alert"' in html
    assert elapsed < 2, f"{elapsed:.1f} s"
    assert peak < 100 * MB, f"Python heap peak {peak / MB:.0f} MB"
    assert rss_growth < 100 * MB, f"resident peak grew {rss_growth / MB:.0f} MB"
    assert written_records() == before


# --- Each limit, on its own --------------------------------------------------------------


def refused(data: bytes, name: str = "t.xlsx") -> str:
    with pytest.raises(TableError) as error:
        read_table(data, name)
    return str(error.value)


def test_the_dimension_bomb_with_a_header_row_stops_at_the_row_limit(settings):
    data = _workbook({"A1": "h1", "B1": "h2", "XFD1048576": "x"})
    xml = zipfile.ZipFile(io.BytesIO(data)).read(SHEET)
    xml = re.sub(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml)
    started = time.perf_counter()
    assert "more than 1,000,000 rows" in refused(_rewrite(data, xml))
    assert time.perf_counter() - started < 10  # a million missing rows passed over
    settings.IMPORT_MAX_ROWS = 1_048_575
    table = read_table(_rewrite(data, xml), "t.xlsx")
    assert table.headers == ["h1", "h2"] and table.rows == []  # XFD is past the last header


def test_an_archive_is_judged_by_its_directory_before_anything_is_unpacked(settings):
    small = expanding_archive(unpacked=8 * MB)  # compressed about 230 times
    assert "compressed far more strongly" in refused(small)
    settings.IMPORT_MAX_RATIO = 1000
    assert read_table(small, "t.xlsx").headers == ["A", "B"]
    settings.IMPORT_MAX_RATIO = 20
    assert "compressed far more strongly" in refused(small)
    settings.IMPORT_MAX_RATIO, settings.IMPORT_MAX_UNPACKED_BYTES = 100_000, 4 * MB
    assert "unpacks to 8.0 MB, more than the 4.0 MB" in refused(small)


def test_a_file_that_is_not_a_zip_or_has_a_huge_directory_is_not_read():
    assert "not a readable .xlsx" in refused(b"PK\x03\x04 not a workbook")
    assert "not a readable .xlsx" in refused("拠点,氏名\n".encode())
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(10_001):
            archive.writestr(f"part{number}.xml", b"")
    assert "not a readable .xlsx" in refused(many.getvalue())


def test_rows_columns_cells_and_bytes_have_limits(settings):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_COLUMNS = 3, 4
    assert read_table(b"a,b\n1,2\n3,4\n5,6\n", "t.csv").rows[-1] == (4, {"a": "5", "b": "6"})
    assert "more than 3 rows" in refused(b"a,b\n1,2\n3,4\n5,6\n7,8\n", "t.csv")
    assert "more than 4 columns" in refused(b"a,b,c,d,e\n", "t.csv")
    assert read_table(b"a,b,c,d,,,,\n", "t.csv").headers == ["a", "b", "c", "d"]
    settings.IMPORT_MAX_CELLS = 5  # two columns: two rows fit
    assert "more than 5 cells" in refused(b"a,b\n1,2\n3,4\n5,6\n", "t.csv")
    settings.IMPORT_MAX_BYTES = 10
    assert "too large" in refused(b"a,b\n1,2\n3,4\n", "t.csv")


def test_a_broken_csv_is_a_plain_message_not_a_crash():
    assert "no column headers" in refused(b",,\n1,2,3\n", "t.csv")
    assert "quotation mark" in refused(b'a,b\n"' + b"x" * 200_000 + b"\n", "t.csv")
    assert "longer than" in refused(b"a\n" + b"," * 5_000_000, "t.csv")
    assert "character encoding" in refused(b"a,b\n\xff\xfe\xfa\n", "t.csv")


def test_a_file_over_the_byte_limit_is_refused_on_the_page(client_for, settings):
    settings.IMPORT_MAX_BYTES = 1024
    page = client_for("admin").post(
        reverse("imports:kind", args=["roster"]),
        {"file": SimpleUploadedFile("roster.csv", b"x" * 4096)},
    )
    assert "ファイルが大きすぎます" in page.content.decode()  # the page is in Japanese


def test_an_upload_over_the_byte_limit_is_never_read(settings):
    class Upload:
        name, size = "big.csv", 300 * MB

        def read(self):
            raise AssertionError("read before its size was checked")

    with pytest.raises(TableError, match="300 MB; at most 256 MB"):
        read_upload(Upload())


def test_the_command_refuses_a_bomb_the_same_way(personas, tmp_path, bombs):
    bomb = tmp_path / "sessions.xlsx"
    bomb.write_bytes(bombs["archive"])
    with pytest.raises(CommandError, match="compressed far more strongly|unpacks to"):
        call_command("import_records", str(bomb), kind="sessions")
    assert not Consultation.objects.exists()
