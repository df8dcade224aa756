"""Every page of the demo, as each of the 8 roles, in Japanese: no English message of
the catalogue is shown untranslated, on a page or in the headings of a download.

The demo is built small (``manage.py demo``'s builders at a low scale), then each
role's demo user follows the links from the home page, breadth first, opening at most
a few URLs of each URL pattern. The visible text of every page (tags, scripts and
styles left out) is matched against the catalogue's English messages: a message of
two words or more, or a single word of the catalogue that is a whole text of the
page, found as it is, is a string a developer forgot to mark or to translate.

Counts and amounts are shown with thousands separators: a number of four digits or more
in a number cell or before a counter (件, 人, 円 …) is reported (core/tests/test_numbers.py
reads the templates for the values the small demo keeps under 1,000).

The .xlsx and CSV downloads linked from the pages walked are opened too, and none of
their headings may hold such a message or any English word (acronyms aside); every
download the URL configuration offers is declared with a role that must reach it.
"""

import csv
import importlib
import inspect
import io
import os
import random
import re
from collections import Counter, deque
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import polib
import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection
from django.urls import Resolver404, resolve

from conftest import analyse_tables
from core import roles
from core.management.commands.demo import BUILDERS
from core.views import FilteredListView

# One demo user per role (accounts/demo.py).
USERS = {
    roles.AGENCY_ADMIN: "admin",
    roles.HQ_STAFF: "hq",
    roles.HQ_EXPERT: "expert",
    roles.SUPPORTER: "supporter",
    roles.BUREAU_OFFICER: "kanto",
    roles.CENTER_MANAGER: "tokyo-cc",
    roles.COORDINATOR: "tokyo-co",
    roles.COMMITTEE_MEMBER: "committee",
    roles.IMPLEMENTING_BODY: "tokyo-body",
}
PER_PATTERN = 2  # URLs opened per URL pattern and role
# Proper nouns, codes and words that read the same in a Japanese office.
ALLOWED = {"PDF", "CSV", "Excel", "ID", "OK", "QR", "URL", "Email", "HQ", "PDCA", "Yorozu"}
# Pages that are not pages: downloads, logouts, language switches, polling fragments.
SKIPPED = re.compile(r"(export=|/logout|/pdf/|/download|/attachments/|/i18n/|/s/|\.(xlsx|csv)$)")


class _Text(HTMLParser):
    """Visible text and links; scripts, styles, codes (``<code>``) and text marked as
    English on purpose (``lang="en"``, a survey question's English version) left out."""

    def __init__(self):
        super().__init__()
        self.texts, self.links, self._skipping = [], [], []
        # Texts of number cells (``class="num"``), where a bare 1234 is a count.
        self.numbers, self._in_number = [], []

    def handle_starttag(self, tag, attrs):
        if (
            self._skipping
            or tag in ("script", "style", "code")
            or (dict(attrs).get("lang") or "").startswith("en")
        ):
            if tag not in ("br", "img", "input", "meta", "link", "hr"):
                self._skipping.append(tag)
            return
        if "num" in (dict(attrs).get("class") or "").split():
            self._in_number.append(tag)
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)
        for name, value in attrs:  # what a user reads without looking at the text
            if name in ("title", "placeholder", "aria-label", "alt") and value:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if self._skipping and self._skipping[-1] == tag:
            self._skipping.pop()
        if self._in_number and self._in_number[-1] == tag:
            self._in_number.pop()

    def handle_data(self, data):
        if not self._skipping and data.strip():
            self.texts.append(" ".join(data.split()))
            if self._in_number:
                self.numbers.append(data.strip())


def _english_messages():
    catalogue = polib.pofile(str(Path(settings.BASE_DIR) / "locale/ja/LC_MESSAGES/django.po"))
    phrases, words = set(), set()
    for entry in catalogue.translated_entries():
        text = entry.msgid
        if "%" in text or "{" in text or text == entry.msgstr or text in ALLOWED:
            continue
        if not re.search(r"[A-Za-z]{2}", text) or not text.isascii():
            continue
        (phrases if " " in text.strip() else words).add(text.strip())
    return phrases, words


# A number of four digits or more without its separators: in a number cell, or before a
# counter. Dates (2025-04-01, 2025年), times, codes (S1234), phone numbers and postal
# codes (03-1234-5678, 100-0001) are joined to what surrounds them and left alone.
_BARE = r"(?<![\d,.\-/:#A-Za-z])\d{4,}(?![\d,./:\-])"
BARE_IN_CELL = re.compile(_BARE + r"(?!\s?年)")
BARE_BEFORE_COUNTER = re.compile(_BARE + r"\s?(件|人|名|社|円|回|時間|分|通|行|拠点|か所)")


def _bare_numbers(texts, numbers) -> set[str]:
    found = {text for text in numbers if BARE_IN_CELL.search(text)}
    return found | {text for text in texts if BARE_BEFORE_COUNTER.search(text)}


def _untranslated(texts, phrases, words):
    found = set()
    for text in texts:
        if text in words or text in phrases:
            found.add(text)
            continue
        for phrase in phrases:
            if len(phrase) >= 12 and phrase in text:
                found.add(phrase)
    return found


@pytest.fixture
def demo(db):
    """The demo data, small (rolled back after each test like any other data)."""
    if connection.vendor == "postgresql" and not os.environ.get("YOROZU_WALK_ON_POSTGRESQL"):
        # The text a page shows does not depend on the database: the SQLite run walks
        # it, and CI's PostgreSQL run saves the six minutes (YOROZU_WALK_ON_POSTGRESQL=1
        # walks it there too: it passed on 2026-12-07).
        pytest.skip("the untranslated-text walk runs on SQLite")
    rng = random.Random(2026)
    for name in BUILDERS:
        build = importlib.import_module(name).build
        if "scale" in inspect.signature(build).parameters:
            build(rng, lambda *_a: None, scale=0.002)
        else:
            build(rng, lambda *_a: None)
    analyse_tables()


# Links to the tables a user downloads (.xlsx, CSV); PDFs are read in core/tests/test_pdf.py.
DOWNLOAD = re.compile(r"(export=(xlsx|csv)|[?&]as=csv|/export/|\.(xlsx|csv)$)")
# Every download of the app (``test_every_download_is_reached_by_a_role``) and the role
# whose walk of the demo must reach it and read its headings in Japanese.
DOWNLOADS = {
    "consultations:activity_list": roles.COORDINATOR,
    "consultations:case_list": roles.COORDINATOR,
    "consultations:client_list": roles.COORDINATOR,
    "consultations:consultation_list": roles.COORDINATOR,
    "consultations:indicator_table": roles.BUREAU_OFFICER,
    "contracts:list": roles.BUREAU_OFFICER,
    "core:access_log": roles.CENTER_MANAGER,
    "evaluation:budget_detail": roles.AGENCY_ADMIN,
    "evaluation:run_detail": roles.CENTER_MANAGER,
    "imports:template": roles.COORDINATOR,
    "organizations:institution_list": roles.COORDINATOR,
    "organizations:person_list": roles.HQ_EXPERT,
    "organizations:qualification_stats": roles.BUREAU_OFFICER,
    "planning:bureau_dashboard": roles.BUREAU_OFFICER,
    "planning:national_dashboard": roles.AGENCY_ADMIN,
    "selection:appointment_list": roles.COMMITTEE_MEMBER,
    "selection:round_export": roles.BUREAU_OFFICER,
    "selection:round_list": roles.COMMITTEE_MEMBER,
    "selection:term_list": roles.CENTER_MANAGER,
    "support:followup_list": roles.SUPPORTER,
    "support:request_list": roles.SUPPORTER,
    "support:training_coverage": roles.HQ_EXPERT,
    "support:training_list": roles.HQ_STAFF,
    "support:visit_list": roles.HQ_EXPERT,
    "surveys:campaign_list": roles.CENTER_MANAGER,
    "surveys:campaign_results": roles.HQ_STAFF,
    "surveys:national_results": roles.AGENCY_ADMIN,
}
# Headings that begin with a code of the data, not a word of the interface: the survey
# answers head each question's column with its code ("overall: 総合的な満足度…").
CODED_HEADINGS = {
    "surveys:campaign_results": re.compile(r"^[\w-]+: "),
    "surveys:national_results": re.compile(r"^[\w-]+: "),
}


def _walk(client, start="/", downloads=None):
    """(url, visible texts) of each page reached; the download links met on the way are
    put in ``downloads`` (one URL per URL pattern and format)."""
    seen, per_pattern = set(), Counter()
    queue = deque([start])
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        try:
            match = resolve(urlsplit(url).path)
        except Resolver404:
            continue
        key = match.view_name
        if per_pattern[key] >= PER_PATTERN:
            continue
        per_pattern[key] += 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        if response.status_code in (301, 302):  # "my dashboard" opens the user's own
            location = urljoin(url, response["Location"])
            if location.startswith("/") and not SKIPPED.search(location):
                queue.append(location)
            continue
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        parser = _Text()
        parser.feed(response.content.decode())
        yield url, parser.texts, parser.numbers
        for href in parser.links:
            href = urldefrag(href).url
            if downloads is not None and DOWNLOAD.search(href):
                # Download buttons are often relative (``?fy=2025&export=xlsx``).
                _add_download(downloads, urljoin(url, href))
            elif href.startswith("/") and not href.startswith("//") and not SKIPPED.search(href):
                queue.append(href)


def _add_download(downloads, href):
    if not href.startswith("/") or href.startswith("//"):
        return
    try:
        name = resolve(urlsplit(href).path).view_name
    except Resolver404:
        return
    kind = "csv" if re.search(r"(export=csv|as=csv|\.csv$)", href) else "xlsx"
    downloads.setdefault((name, kind), href)


def _headers(response) -> list[str]:
    """The heading row of a downloaded CSV, or of every sheet of an .xlsx."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"PK":
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return [
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(max_row=1, values_only=True)
            for cell in row
            if cell is not None
        ]
    return next(csv.reader(io.StringIO(body.decode("utf-8-sig"))), [])


def _english_headers(headers, phrases, words, coded=None) -> list[str]:
    """Headings that are, or hold, an English message of the catalogue or an English
    word (acronyms such as ID and URL, and ``ALLOWED``, read the same in Japanese)."""
    found = []
    for header in headers:
        text = coded.sub("", header) if coded else header
        english = [w for w in re.findall(r"[A-Za-z]{2,}", text) if not w.isupper()]
        if _untranslated([text], phrases, words) or set(english) - ALLOWED:
            found.append(header)
    return found


@pytest.mark.parametrize("role", sorted(USERS))
def test_no_page_or_download_shows_an_english_message_untranslated(demo, client, settings, role):
    from accounts.models import User

    settings.LANGUAGE_CODE = "ja"
    phrases, words = _english_messages()
    user = User.objects.get(username=USERS[role])
    assert user.role == role
    client.force_login(user)
    problems, pages, downloads = {}, 0, {}
    for url, texts, numbers in _walk(client, downloads=downloads):
        pages += 1
        found = _untranslated(texts, phrases, words)
        found |= {f"without separators: {text}" for text in _bare_numbers(texts, numbers)}
        if found:
            problems[url] = sorted(found)
    assert pages > 5, f"{role}: only {pages} pages reached"
    assert problems == {}, problems

    # The downloads met on the way, in Japanese: their headings too.
    for (name, kind), url in sorted(downloads.items()):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        assert response.status_code == 200, f"{url}: {response.status_code}"
        assert "html" not in response.get("Content-Type", ""), f"{url} is a page, not a file"
        found = _english_headers(_headers(response), phrases, words, CODED_HEADINGS.get(name))
        if found:
            problems[f"{url} ({kind})"] = found
    assert problems == {}, problems
    reached = {name for name, _kind in downloads}
    expected = {name for name, who in DOWNLOADS.items() if who == role}
    assert expected <= reached, f"{role} did not reach {sorted(expected - reached)}"


def _writes_a_file(pattern) -> bool:
    """Whether a URL's view writes a table: a list with an export, or code of its own
    (the view's class and its project bases, or its function) calling a table writer."""
    cls = getattr(pattern.callback, "view_class", None)
    if cls is not None and issubclass(cls, FilteredListView):
        return True
    if cls is None:
        functions = [inspect.unwrap(pattern.callback)]
    else:
        functions = [
            value
            for base in cls.__mro__
            if base.__module__.split(".")[0] in PROJECT_APPS
            for value in vars(base).values()
            if inspect.isfunction(value)
        ]
    return any(TABLE_WRITERS.search(inspect.getsource(function)) for function in functions)


PROJECT_APPS = {config.name.split(".")[0] for config in apps.get_app_configs()} - {"django"}
TABLE_WRITERS = re.compile(
    r"\b(xlsx_response|csv_response|workbook_response|national_workbook|bureau_workbook"
    r"|export_answers)\("
)


def test_every_download_is_reached_by_a_role():
    from core.tests.test_authorization import ALL_PATTERNS

    found = {name for name, pattern in ALL_PATTERNS if _writes_a_file(pattern)}
    assert len(found) > 20, sorted(found)
    assert found == set(DOWNLOADS), (
        "declare each download in DOWNLOADS with a role that reaches it in the demo"
    )


def test_bare_numbers_are_told_from_dates_codes_and_grouped_numbers():
    assert _bare_numbers(["91188 件", "予算 47000000円"], ["3850"]) == {
        "91188 件",
        "予算 47000000円",
        "3850",
    }
    shown = ["91,188 件", "2025年度", "2025-04-01 09:30", "03-1234-5678", "S1234 人", "100-0001"]
    assert _bare_numbers(shown, ["3,850", "2025年", "—", "12.5"]) == set()
