"""Every kind of page with a change history or a list of workflow steps reads in
Japanese: field names, values (有/無 for booleans, choices by their label), step names
and notes, and times in Asia/Tokyo to the minute (issue 16).

Each page is built with the real workflow functions, so its history and steps hold
what a user's own work leaves there: choices, booleans, related records, dates and
times, a reason, a refusal.
"""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import User
from conftest import (
    make_case,
    make_case_study,
    make_client,
    make_evaluation,
    make_person,
    make_plan,
    make_visit,
)
from core.tests.test_authorization import selection_objects

# A moment stored in UTC with microseconds, and how a Japanese office reads it.
STORED = datetime.datetime(2025, 4, 1, 0, 30, 15, 123456, tzinfo=datetime.UTC)
SHOWN = "2025-04-01 09:30"
# Words that read the same in Japanese (codes and acronyms are upper case anyway).
ALLOWED = {"PDF", "CSV", "Excel", "Email", "API"}


class _Tables(HTMLParser):
    """Rows (lists of cell texts) of the change history and of the workflow steps."""

    def __init__(self):
        super().__init__()
        self.rows = {"history": [], "events": []}
        self._section, self._table, self._row, self._cell = None, None, None, None
        self._depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section" and "history" in (attrs.get("class") or "").split():
            self._section = "history"
        if tag == "table" and (attrs.get("data-testid") == "events" or self._section):
            self._table = "events" if attrs.get("data-testid") == "events" else "history"
        if self._table and tag == "tr":
            self._row = []
        if self._row is not None and tag == "td":
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "td" and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._row:
                self.rows[self._table].append(self._row)
            self._row = None
        elif tag == "table":
            self._table = None
        elif tag == "section":
            self._section = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def _rows(html):
    parser = _Tables()
    parser.feed(html)
    return parser.rows


def _english(text):
    words = [w for w in re.findall(r"[A-Za-z]{2,}", text) if not w.isupper()]
    return set(words) - ALLOWED


def _plan(personas, tokyo):
    return make_plan(tokyo), "tokyo_manager", "events"


def _evaluation(personas, tokyo):
    return make_evaluation(tokyo)["run"], "admin", "events"


def _round(personas, tokyo):
    return selection_objects(personas, tokyo)["selection.SelectionRound"], "kanto_officer", "events"


def _appointment(personas, tokyo):
    from selection import appointments

    appointment = selection_objects(personas, tokyo)["selection.CoordinatorAppointment"]
    appointments.agree(
        appointment,
        user=personas["tokyo_manager"],
        signatory="実施機関 理事長",
        agreed_on=datetime.date(2027, 2, 1),
        note="理事会で承認",
        document=SimpleUploadedFile("同意書", b"%PDF-1.4\n", content_type="application/pdf"),
    )
    return appointment, "tokyo_manager", "events"


def _visit(personas, tokyo):
    from support.visits import escalation_of, set_escalation

    visit = make_visit(tokyo, experts=[personas["tokyo_expert"]], follow_ups=["相談記録の整備"])
    set_escalation(
        escalation_of(tokyo),
        user=personas["tokyo_expert"],
        level=1,
        reason="記録の遅れが続く",
        visit=visit,
    )
    return visit, "tokyo_manager", "history"


def _case(personas, tokyo):
    case = make_case(make_client(tokyo), topics=["経営"])
    case.status, case.resolved_on = "solved", datetime.date(2025, 9, 1)
    case.resolution_kind, case.evidence = "sales_up", "売上が前年比120%"
    case.lead_staff = make_person(tokyo)
    case.save()
    return case, "tokyo_coordinator", "history"


def _client(personas, tokyo):
    client = make_client(tokyo, survey_consent=False)
    client.survey_consent = True
    client.save()
    return client, "tokyo_coordinator", "history"


def _case_study(personas, tokyo):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from casestudies.workflow import record_consent

    study = make_case_study(tokyo)
    document = SimpleUploadedFile("同意書.pdf", b"%PDF-1.4", content_type="application/pdf")
    record_consent(study, user=personas["tokyo_manager"], document=document)
    return study, "tokyo_manager", "events"


PAGES = {
    "plan": _plan,
    "evaluation run": _evaluation,
    "selection round": _round,
    "coordinator appointment": _appointment,
    "visit": _visit,
    "case": _case,
    "client": _client,
    "case study": _case_study,
}


@pytest.mark.parametrize("kind", PAGES)
def test_history_and_steps_read_in_japanese_with_tokyo_times(client, personas, tokyo, kind):
    obj, viewer, timed = PAGES[kind](personas, tokyo)
    # One step or one history row stored at a known moment, with microseconds.
    if timed == "events":
        obj.events.filter(pk=obj.events.order_by("id").first().pk).update(at=STORED)
    else:
        record = obj.history.order_by("history_id").first()
        type(record).objects.filter(pk=record.pk).update(history_date=STORED)
    client.force_login(personas[viewer])

    page = client.get(obj.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja")

    assert page.status_code == 200
    # Accounts are named by their user names (a related record's value may be one).
    names = sorted(User.objects.values_list("username", flat=True), key=len, reverse=True)
    rows = _rows(page.content.decode())
    assert rows[timed], f"{kind}: no {timed} shown"
    assert SHOWN in [row[0] for row in rows[timed]], rows[timed]
    for table, table_rows in rows.items():
        for row in table_rows:
            if len(row) == 1:  # "nothing yet"
                continue
            when, _who, *rest = row
            assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", when), (table, row)
            text = " ".join(rest)
            for name in names:
                text = text.replace(name, "")
            assert not _english(text), (kind, table, row)
            assert not re.search(r"\b(True|False|None)\b", text), (kind, table, row)
            assert not re.search(r"\d:\d\d\.\d|\+00:00|UTC", text), (kind, table, row)


def test_a_refused_step_is_named_and_marked_in_japanese(client, personas, tokyo):
    from core.workflow import StepRefused
    from evaluation import workflow

    run = make_evaluation(tokyo)["run"]
    with pytest.raises(StepRefused):  # a finalised evaluation's results are not reviewed again
        workflow.review_result(run.results.get(center=tokyo), user=personas["admin"], agree=True)
    client.force_login(personas["admin"])

    rows = _rows(client.get(run.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="ja").content.decode())

    refused = [row for row in rows["events"] if "拒否" in row[2]]
    assert refused and not _english(" ".join(refused[-1][2:])), rows["events"]


def test_the_shown_time_is_the_stored_moment_in_tokyo():
    assert timezone.localtime(STORED).strftime("%Y-%m-%d %H:%M") == SHOWN


def _tracked_fields():
    """(model, field) of every field a change history shows."""
    from django.apps import apps

    for model in apps.get_models():
        manager = getattr(model, "history", None)
        if manager is None or not hasattr(manager, "model"):
            continue
        kept = {f.name for f in manager.model._meta.fields}
        m2m = {f.name for f in getattr(manager.model, "_history_m2m_fields", [])}
        for field in model._meta.concrete_fields + model._meta.many_to_many:
            if not field.primary_key and (field.name in kept or field.name in m2m):
                yield model, field


def test_every_field_a_history_shows_has_a_japanese_name():
    from django.utils import translation

    from core.history import _field_name

    fields = list(_tracked_fields())
    assert len(fields) > 200
    with translation.override("ja"):
        english = [
            f"{model._meta.label}.{field.name}: {_field_name(field)}"
            for model, field in fields
            if _english(_field_name(field))
        ]
    assert english == [], "give these fields a verbose_name (or core.history.DEFAULT_FIELD_NAMES)"
