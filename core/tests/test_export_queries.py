"""Every list export does the same number of queries at 10 rows as at 1,000.

The exports are found in the URL configuration (every ``FilteredListView``), so an
export added later without a case here fails ``test_every_list_export_has_a_case``.
Each case builds one full record with the conftest factories (its many-to-many
links included) and copies it in bulk, so a value read per row through a relation
that is not fetched with the list (a query per row) shows as a difference.
"""

import copy
import csv
import datetime
import io

import pytest
from django.db import connection
from django.db.models import CharField, TextField
from django.db.models.base import ModelState
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import (
    make_activity,
    make_campaign,
    make_case,
    make_client,
    make_institution,
    make_person,
    make_session,
    make_support_request,
    make_training,
    make_visit,
)
from core.tests.test_authorization import (
    ALL_PATTERNS,
    access_log_entry,
    make_contract,
    selection_objects,
    view_class,
)
from core.views import FilteredListView

EXPORTS = sorted(
    name
    for name, pattern in ALL_PATTERNS
    if (cls := view_class(pattern)) and issubclass(cls, FilteredListView)
)


def _unique_field_names(model):
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", None) or ())
    return names


# Reverse relations copied with a record, where the list's scope reads them.
CHILDREN = {"organizations.Person": ["assignments"]}


def _copy_of(obj, **values):
    twin = copy.copy(obj)
    twin._state = ModelState()
    twin.pk = None
    if hasattr(twin, "id"):
        twin.id = None
    for name, value in values.items():
        setattr(twin, name, value)
    return twin


def clone(obj, count):
    """``count`` copies of ``obj`` with its many-to-many links (and ``CHILDREN``);
    unique text made unique."""
    model = type(obj)
    unique = [
        field
        for field in model._meta.concrete_fields
        if field.name in _unique_field_names(model) and isinstance(field, CharField | TextField)
    ]
    start = model.objects.count()
    # A record unique per fiscal year (a center's contract) is copied into years of its own.
    yearly = [
        field
        for field in model._meta.concrete_fields
        if field.name in _unique_field_names(model)
        and field.is_relation
        and field.related_model._meta.label == "planning.FiscalYear"
    ]
    if yearly and count > 0:
        from planning.models import FiscalYear

        years = FiscalYear.objects.bulk_create(
            FiscalYear(year=3000 + start + number) for number in range(count)
        )
    copies = []
    for number in range(count):
        twin = _copy_of(obj)
        for field in yearly:
            setattr(twin, field.attname, years[number].pk)
        for field in unique:
            value = getattr(obj, field.attname)
            if value:
                setattr(twin, field.attname, f"{value}-{start + number}"[: field.max_length])
        copies.append(twin)
    copies = model.objects.bulk_create(copies)
    for field in model._meta.many_to_many:
        through = getattr(model, field.name).through
        source, target = field.m2m_field_name(), field.m2m_reverse_field_name()
        targets = list(
            through.objects.filter(**{source: obj}).values_list(f"{target}_id", flat=True)
        )
        through.objects.bulk_create(
            through(**{f"{source}_id": twin.pk, f"{target}_id": linked})
            for twin in copies
            for linked in targets
        )
    for relation in CHILDREN.get(model._meta.label, ()):
        field = model._meta.get_field(relation).field
        children = list(getattr(obj, relation).all())
        field.model.objects.bulk_create(
            _copy_of(child, **{field.attname: twin.pk}) for twin in copies for child in children
        )
    if model._meta.label == "consultations.Client":
        # The client's centers (consultations.summaries keeps them on save, not in bulk).
        from consultations.models import ClientCenter

        ClientCenter.objects.bulk_create(
            ClientCenter(client_id=twin.pk, center_id=twin.home_center_id) for twin in copies
        )


# url name -> (who exports, builder of one full record in their scope)
def _session(personas, tokyo):
    client = make_client(tokyo, corporate_number="1234567890123")
    case = make_case(client, topics=["経営"], priority=["創業支援"])
    lead, other = make_person(tokyo), make_person(tokyo)
    session = make_session(
        client,
        datetime.date(2025, 5, 1),
        case=case,
        lead_staff=lead,
        start_time=datetime.time(10, 0),
        minutes=60,
        summary="資金繰り",
    )
    session.other_staff.set([other])
    return session


def _activity(personas, tokyo):
    activity = make_activity(tokyo, datetime.date(2025, 5, 1))
    activity.staff.set([make_person(tokyo)])
    return activity


def _visit(personas, tokyo):
    return make_visit(tokyo, experts=[personas["tokyo_expert"]], follow_ups=["記録の整備"])


CASES = {
    "consultations:activity_list": [("tokyo_coordinator", _activity)],
    "consultations:case_list": [
        (
            "tokyo_coordinator",
            lambda p, t: make_case(make_client(t), topics=["経営"], priority=["創業支援"]),
        )
    ],
    "consultations:client_list": [
        ("tokyo_coordinator", lambda p, t: make_client(t)),
        ("admin", lambda p, t: make_client(t)),
    ],
    "consultations:consultation_list": [
        ("tokyo_coordinator", _session),
        ("admin", _session),
    ],
    "contracts:list": [("kanto_officer", lambda p, t: make_contract(t))],
    "core:access_log": [("admin", lambda p, t: access_log_entry(p["tokyo_coordinator"]))],
    "organizations:institution_list": [("admin", lambda p, t: make_institution(t))],
    "organizations:person_list": [
        ("admin", lambda p, t: make_person(t, qualifications=["中小企業診断士"]))
    ],
    "selection:appointment_list": [
        ("kanto_officer", lambda p, t: selection_objects(p, t)["selection.CoordinatorAppointment"])
    ],
    "selection:round_list": [
        ("kanto_officer", lambda p, t: selection_objects(p, t)["selection.SelectionRound"])
    ],
    "selection:term_list": [
        ("kanto_officer", lambda p, t: selection_objects(p, t)["selection.Term"])
    ],
    "support:followup_list": [("tokyo_manager", lambda p, t: _visit(p, t).follow_ups.first())],
    "support:request_list": [
        ("tokyo_manager", lambda p, t: make_support_request(t, supporter=p["supporter"]))
    ],
    "support:training_list": [("hq", lambda p, t: make_training())],
    "support:visit_list": [("tokyo_manager", _visit)],
    "surveys:campaign_list": [("admin", lambda p, t: make_campaign(t, recipients=1))],
}


def test_every_list_export_has_a_case():
    assert EXPORTS, "no list export found"
    assert sorted(CASES) == EXPORTS


def _export(client, url, kind):
    """(queries, data rows) of one export, the streamed body read to its end."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"export": kind})
        assert response.status_code == 200, response
        body = b"".join(response.streaming_content) if response.streaming else response.content
    if kind == "csv":
        rows = len(list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))) - 1
    else:
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
        rows = sum(1 for _row in sheet.iter_rows(values_only=True)) - 1
    return len(queries), rows


@pytest.mark.parametrize(
    "name,who,build",
    [(name, who, build) for name, cases in CASES.items() for who, build in cases],
    ids=[f"{name}-{who}" for name, cases in CASES.items() for who, _ in cases],
)
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_export_does_as_many_queries_at_1000_rows_as_at_10(
    client, personas, tokyo, name, who, build, kind
):
    obj = build(personas, tokyo)
    model = type(obj)
    clone(obj, 10 - model.objects.count())
    client.force_login(personas[who])
    url = reverse(name)
    _export(client, url, kind)  # first request: caches warmed (content types, session)
    at_10, rows_10 = _export(client, url, kind)
    clone(obj, 1000 - model.objects.count())
    at_1000, rows_1000 = _export(client, url, kind)
    assert rows_10 >= 10 - 2 and rows_1000 >= 1000 - 2, (rows_10, rows_1000)
    assert at_1000 == at_10, f"{name} as {who}: {at_10} queries at 10 rows, {at_1000} at 1,000"


def test_a_streamed_export_reads_every_row_in_order_and_can_stop_anywhere(tokyo):
    """``streamed`` (on PostgreSQL, the next chunk read ahead by a helper thread) gives
    the queryset's rows in its order across chunk boundaries, and a download broken
    off in the middle leaves the connection usable."""
    from consultations.models import Consultation
    from core.views import streamed

    client = make_client(tokyo)
    Consultation.objects.bulk_create(
        Consultation(client=client, center=tokyo, date=datetime.date(2025, 4, 1), minutes=n)
        for n in range(25)
    )
    sessions = Consultation.objects.order_by("-minutes").values_list("minutes", flat=True)
    assert list(streamed(sessions, chunk_size=7)) == list(range(24, -1, -1))
    assert list(streamed(sessions.filter(minutes__gt=99), chunk_size=7)) == []
    broken_off = streamed(sessions, chunk_size=7)
    assert [next(broken_off) for _ in range(10)] == list(range(24, 14, -1))
    broken_off.close()
    assert not connection.needs_rollback
    assert Consultation.objects.filter(minutes__lt=5).count() == 5
