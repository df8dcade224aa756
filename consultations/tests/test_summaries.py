"""The indicator summary tables stay equal to the records (consultations.summaries).

The engine reads consultations, visitors, cases solved and their priority-field
variants from the summaries; every test here writes records the way users do
(forms' saves and deletes, tag changes, the import) and checks that the stored
summaries equal a recount from the records, and that the engine's figures equal
those it counts in the records with the summaries switched off. Runs on SQLite
and on PostgreSQL (``DATABASE_URL``).
"""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conftest import make_activity, make_case, make_client, make_institution, make_session
from consultations import summaries
from consultations.indicators import (
    STANDARD,
    PriorityMetric,
    compute,
    priority_indicator,
    summarized,
)
from consultations.models import Case, CaseStatus, IndicatorFirstDay, PriorityField
from consultations.tests.test_imports import CASES, CLIENTS, SESSIONS, copy, run
from core.fiscal import Period
from organizations.models import Center

D = datetime.date


def assert_summaries_equal_the_records():
    stale, missing = summaries.differences()
    assert (stale, missing) == (set(), set())


def figures(settings, indicators, periods, centers):
    """Every figure ``compute`` gives for the periods, scopes and groups asked."""
    result = {}
    for period in periods:
        for scope in centers:
            for group in (None, "center", "month", "center_month", "fiscal_year"):
                result[period, str(scope), group] = compute(
                    indicators, period=period, centers=scope, group=group
                )
    return result


def assert_engine_equals_live_counts(settings, centers):
    fields = PriorityField.objects.all()[:3]
    indicators = STANDARD + [
        priority_indicator(f, metric) for f in fields for metric, _label in PriorityMetric.choices
    ]
    periods = [
        Period.fiscal_year(2025),
        Period(D(2025, 4, 1), D(2025, 6, 30)),  # a fiscal year to a day: distinct from summaries
        Period(D(2024, 4, 1), D(2025, 3, 31)),
        Period.month(2025, 5),
        Period(D(2025, 5, 2), D(2026, 2, 1)),  # any range: distinct counted live
    ]
    settings.INDICATOR_SUMMARIES = True
    assert any(summarized(i, periods[1]) for i in indicators if i.distinct)
    from_summaries = figures(settings, indicators, periods, centers)
    settings.INDICATOR_SUMMARIES = False
    live = figures(settings, indicators, periods, centers)
    assert from_summaries == live


@pytest.fixture
def tagged(db):
    return {f.name: f for f in PriorityField.objects.all()}


@pytest.fixture
def records(db, tokyo, kanagawa, osaka, tagged):
    a, b, shared = make_client(tokyo), make_client(kanagawa), make_client(tokyo)
    case = make_case(a, opened=D(2025, 4, 1), solved=D(2025, 5, 10), priority=["創業支援"])
    other = make_case(b, opened=D(2025, 4, 1), priority=["創業支援", "事業承継"])
    sessions = [
        make_session(a, D(2025, 4, 1), case=case),
        make_session(a, D(2025, 4, 20), case=case),
        make_session(b, D(2025, 5, 2), case=other),
        make_session(shared, D(2025, 6, 1)),
        make_session(shared, D(2025, 7, 1), center=osaka),
        make_session(shared, D(2025, 3, 31)),  # FY2024
    ]
    activities = [make_activity(tokyo, D(2025, 4, 1)), make_activity(osaka, D(2025, 3, 31))]
    return {
        "a": a,
        "b": b,
        "shared": shared,
        "case": case,
        "other": other,
        "sessions": sessions,
        "activities": activities,
    }


def test_records_saved_one_by_one_are_in_the_summaries(settings, records, tokyo, osaka):
    assert IndicatorFirstDay.objects.exists()
    assert_summaries_equal_the_records()
    # The nation, a center, and two centers that share a client (counted once).
    scopes = [
        None,
        Center.objects.filter(pk=tokyo.pk),
        Center.objects.filter(pk__in=[tokyo.pk, osaka.pk]),
    ]
    assert_engine_equals_live_counts(settings, scopes)
    to_date = Period(D(2025, 4, 1), D(2025, 6, 30))
    assert compute(STANDARD, period=to_date) == {
        "consultations": 4,
        "visitors": 3,
        "cases_solved": 1,
        "network_activities": 1,
    }


def test_editing_a_session_moves_its_figures_with_it(settings, records, osaka):
    session = records["sessions"][0]
    session.date, session.center = D(2025, 9, 9), osaka
    session.save()
    assert_summaries_equal_the_records()
    session.client = records["b"]
    session.case = None
    session.save()
    assert_summaries_equal_the_records()
    assert_engine_equals_live_counts(settings, [None, Center.objects.filter(pk=osaka.pk)])


def test_editing_a_network_activity_moves_it_and_deleting_it_takes_it_out(records, kanagawa):
    activity = records["activities"][0]
    activity.date, activity.center = D(2025, 5, 5), kanagawa
    activity.save()
    assert_summaries_equal_the_records()
    activity.delete()
    assert_summaries_equal_the_records()


def test_deleting_sessions_and_cases_takes_them_out(settings, records):
    for session in records["sessions"][:2]:
        session.delete()
    records["case"].delete()
    assert_summaries_equal_the_records()
    assert_engine_equals_live_counts(settings, [None])


def test_changing_a_cases_tags_and_resolution_recounts_its_sessions(settings, records, tagged):
    case = records["other"]
    case.priority_fields.remove(tagged["事業承継"])
    assert_summaries_equal_the_records()
    case.priority_fields.add(tagged["DX推進"])
    assert_summaries_equal_the_records()
    tagged["DX推進"].cases.add(records["case"])  # from the other side
    assert_summaries_equal_the_records()
    case.status, case.resolved_on, case.resolution_kind = CaseStatus.SOLVED, D(2025, 8, 1), "other"
    case.save()
    assert_summaries_equal_the_records()
    case.resolved_on = D(2026, 4, 2)  # now solved in FY2026
    case.save()
    assert_summaries_equal_the_records()
    case.priority_fields.clear()
    assert_summaries_equal_the_records()
    tagged["創業支援"].cases.clear()
    assert_summaries_equal_the_records()
    assert_engine_equals_live_counts(settings, [None])


def test_an_import_keeps_the_summaries_equal_to_the_records(settings, personas, tokyo, osaka):
    from conftest import make_person

    make_person(tokyo, code="T0001"), make_person(tokyo, code="T0002")
    admin = personas["admin"]
    for kind, rows in [("clients", CLIENTS), ("cases", CASES), ("sessions", SESSIONS)]:
        assert run(kind, rows, admin).ok
    assert_summaries_equal_the_records()
    # New sessions before a client's first day of the year, at another center (which
    # serves the client already: an import hands no center another's client), in
    # another year, and on the days of existing ones, with a changed one in the same file.
    from conftest import make_session
    from consultations.models import Client

    make_session(Client.objects.get(external_id="C001"), datetime.date(2025, 5, 1), center=osaka)
    earlier = [
        dict(SESSIONS[1], 対応ID="S010", 対応日="2025-04-02"),  # C002's first day was 4/3
        dict(SESSIONS[0], 対応ID="S011", 拠点="大阪府"),
        dict(SESSIONS[0], 対応ID="S012", 対応日="2025-03-20"),  # FY2024
        dict(SESSIONS[3], 対応ID="S013"),
    ]
    result = run("sessions", [*copy(SESSIONS, **{"3:対応日": "2025-04-01"}), *earlier], admin)
    assert result.ok and (result.created, result.updated) == (4, 1), result.problems
    assert_summaries_equal_the_records()
    # A session is not moved between centers by a file: its ID is its center's own.
    changed = copy(SESSIONS, **{"0:対応日": "2025-10-01", "1:対応日": "2025-12-01", "2:課題ID": ""})
    changed[3]["相談者ID"] = "C002"
    result = run("sessions", changed, admin)
    assert result.ok and result.updated == 3, result.problems
    assert_summaries_equal_the_records()
    result = run("cases", copy(CASES, **{"0:重点分野": "事業承継", "0:状態": "終了"}), admin)
    assert result.ok, result.problems
    assert_summaries_equal_the_records()
    make_institution(tokyo, "東京商工会議所")
    activity = {
        "活動ID": "N1",
        "拠点": "東京都",
        "実施日": "2025-04-10",
        "連携機関": "東京商工会議所",
        "区分": "共催セミナー",
    }
    assert run("network", [activity], admin).ok
    assert_summaries_equal_the_records()
    assert run("network", [dict(activity, 実施日="2025-06-01", 拠点="大阪府")], admin).ok
    assert_summaries_equal_the_records()
    assert_engine_equals_live_counts(settings, [None, Center.objects.filter(pk=tokyo.pk)])


def test_the_command_finds_stale_summaries_and_rebuilds_them(records, capsys):
    call_command("indicator_summaries", "--check")
    # A write that bypasses the models (SQL, a bulk update) leaves the summaries behind.
    Case.objects.filter(pk=records["case"].pk).update(resolved_on=D(2025, 6, 1))
    with pytest.raises(CommandError, match="differ"):
        call_command("indicator_summaries", "--check")
    call_command("indicator_summaries", "--rebuild")
    call_command("indicator_summaries", "--check")
    assert "equal the records" in capsys.readouterr().out


# --- Concurrent saves (PostgreSQL) ------------------------------------------------------


def save_and_hold(client, day, saved, release, failures):
    """In a thread with its own connection: save a session and keep the transaction
    open until ``release``."""
    from django.db import connection, transaction

    try:
        with transaction.atomic():
            make_session(client, day)
            saved.set()
            release.wait(30)
    except Exception as error:  # reported by the test
        failures.append(error)
        saved.set()
    finally:
        connection.close()


def save_without_waiting(client, day):
    """Save a session, failing instead of waiting more than a second for a lock."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL lock_timeout = '1s'")
        make_session(client, day)


def while_another_save_is_open(client, day, then):
    import threading

    saved, release, failures = threading.Event(), threading.Event(), []
    holder = threading.Thread(target=save_and_hold, args=(client, day, saved, release, failures))
    holder.start()
    try:
        assert saved.wait(30) and not failures, failures
        return then()
    finally:
        release.set()
        holder.join(30)


@pytest.fixture
def on_postgresql(transactional_db):
    """Committed transactions on PostgreSQL; the tables are flushed after each test,
    so the master data is loaded again (as for the browser tests)."""
    from django.apps import apps
    from django.db import connection

    from consultations import master_data as taxonomies
    from organizations import master_data

    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions: PostgreSQL only (SQLite has one writer at a time)")
    master_data.load(apps)
    taxonomies.load(apps)


@pytest.mark.django_db(transaction=True)
def test_saves_in_different_centers_do_not_wait_for_each_other(on_postgresql, tokyo, osaka):
    # Both new clients on the same day: both change the nation's first days of that day.
    ours, theirs = make_client(tokyo), make_client(osaka)
    while_another_save_is_open(
        ours, D(2025, 6, 2), lambda: save_without_waiting(theirs, D(2025, 6, 2))
    )
    assert_summaries_equal_the_records()


@pytest.mark.django_db(transaction=True)
def test_a_save_waits_for_an_open_save_of_the_same_center_and_day(on_postgresql, tokyo):
    from django.db import OperationalError

    first, second = make_client(tokyo), make_client(tokyo)

    def second_save():
        with pytest.raises(OperationalError, match="lock timeout"):
            save_without_waiting(second, D(2025, 6, 2))

    while_another_save_is_open(first, D(2025, 6, 2), second_save)
    save_without_waiting(second, D(2025, 6, 2))  # once the first has committed
    assert_summaries_equal_the_records()
