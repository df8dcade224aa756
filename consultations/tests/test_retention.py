"""Retention of client identity (consultations/retention.py, manage.py pseudonymise_clients)."""

import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts.models import SecurityEvent, SecurityPolicy
from conftest import make_client, make_session
from consultations import retention, summaries
from consultations.indicators import CONSULTATIONS, VISITORS, compute
from consultations.models import Client
from core.fiscal import Period

TODAY = datetime.date(2026, 6, 1)
OLD = datetime.date(2015, 5, 1)  # more than 10 years before TODAY
OLD_YEAR = Period.fiscal_year(2015)


@pytest.fixture
def clients(tokyo):
    old = make_client(
        tokyo,
        "株式会社むかし",
        corporate_number="7000012050002",
        contact_name="昔 太郎",
        phone="03-1111-2222",
        email="old@example.jp",
        municipality="千代田区",
    )
    make_session(old, OLD)
    make_session(old, OLD + datetime.timedelta(days=30))
    recent = make_client(tokyo, "株式会社いま", phone="03-3333-4444")
    make_session(recent, OLD)
    make_session(recent, TODAY - datetime.timedelta(days=400))
    never_seen = make_client(tokyo, "株式会社だれ", email="who@example.jp")
    old.business_name = "株式会社むかし（旧）"  # a history row with the old name too
    old.save()
    long_ago = timezone.make_aware(datetime.datetime(2014, 1, 1))
    Client.objects.filter(pk__in=[old.pk, recent.pk, never_seen.pk]).update(created_at=long_ago)
    return old, recent, never_seen


def snapshot():
    return {
        "clients": list(Client.objects.order_by("pk").values()),
        "history": list(Client.history.order_by("history_id").values()),
    }


def test_a_dry_run_counts_and_changes_nothing(clients, capsys):
    before = snapshot()
    result = retention.pseudonymise(today=TODAY, dry_run=True)
    assert result.clients == 2 and result.history_rows >= 3
    assert snapshot() == before and not SecurityEvent.objects.exists()
    call_command("pseudonymise_clients", "--dry-run")
    assert "would be pseudonymised (dry run)" in capsys.readouterr().out
    assert snapshot() == before


def test_a_client_past_the_limit_is_pseudonymised_and_still_counted(clients):
    old, recent, never_seen = clients
    figures = compute([CONSULTATIONS, VISITORS], period=OLD_YEAR)
    assert figures == {"consultations": 3, "visitors": 2}

    result = retention.pseudonymise(today=TODAY)

    assert result.clients == 2
    old.refresh_from_db()
    assert old.business_name == old.pseudonym and old.pseudonymised_at
    for field in ("corporate_number", "contact_name", "phone", "email", "municipality"):
        assert getattr(old, field) == "", field
    for row in Client.history.filter(id=old.pk):
        assert row.business_name == old.pseudonym and row.phone == "" and row.email == ""
        assert row.corporate_number == "" and row.contact_name == ""
    recent.refresh_from_db()
    assert recent.business_name == "株式会社いま" and recent.phone == "03-3333-4444"
    never_seen.refresh_from_db()
    assert never_seen.business_name == never_seen.pseudonym
    # The sessions are still there and counted, under the pseudonym.
    assert old.consultations.count() == 2
    assert compute([CONSULTATIONS, VISITORS], period=OLD_YEAR) == figures
    assert summaries.differences() == (set(), set())
    event = SecurityEvent.objects.get()
    assert event.kind == "clients_pseudonymised" and "2 clients" in event.detail
    # A second run finds nobody.
    assert retention.pseudonymise(today=TODAY).clients == 0


def test_the_agency_sets_the_period(clients):
    policy = SecurityPolicy.current()
    policy.client_retention_years = 13
    policy.save()
    assert retention.pseudonymise(today=TODAY, dry_run=True).clients == 0


def test_the_daily_work_runs_once_a_day_and_includes_the_retention(clients, capsys):
    from core.models import DailyRun

    call_command("run_daily", "--if-due")
    out = capsys.readouterr().out
    assert "pseudonymise_clients: 2 clients" in out and "expire_access_log:" in out
    assert DailyRun.objects.count() == 1
    call_command("run_daily", "--if-due")
    assert capsys.readouterr().out == ""
