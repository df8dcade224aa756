"""Notifications: told after commit, per preference, only about what one may see."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from conftest import make_plan, make_visit
from notifications import digest
from notifications.models import EmailMode, Notification, Preference
from planning import workflow as planning_workflow
from support import visits


@pytest.fixture
def emails(personas):
    for name, user in personas.items():
        user.email = f"{name}@example.go.jp"
        user.save()
    return personas


def test_a_submitted_plan_tells_its_bureau_in_the_app_and_by_mail_after_commit(
    emails, tokyo, django_capture_on_commit_callbacks
):
    plan = make_plan(tokyo, confirmed=False)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        planning_workflow.submit_plan(plan, user=emails["tokyo_manager"])
        assert mail.outbox == []  # nothing leaves inside the step's transaction
    assert len(callbacks) == 1
    callbacks[0]()
    note = Notification.objects.get()
    assert note.user == emails["kanto_officer"] and note.actor == emails["tokyo_manager"]
    assert note.url == plan.get_absolute_url()
    assert [m.to for m in mail.outbox] == [["kanto_officer@example.go.jp"]]
    assert "東京都よろず支援拠点" in mail.outbox[0].subject
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_a_step_rolled_back_tells_nobody(emails, tokyo, django_capture_on_commit_callbacks):
    plan = make_plan(tokyo, confirmed=False)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        planning_workflow.submit_plan(plan, user=emails["tokyo_manager"])
        raise RuntimeError("a later write of the same request failed")
    plan.refresh_from_db()
    assert plan.status == "draft"
    assert not Notification.objects.exists() and mail.outbox == []


def test_a_mail_server_failure_loses_neither_the_step_nor_the_notification(
    emails, tokyo, django_capture_on_commit_callbacks, monkeypatch
):
    plan = make_plan(tokyo, confirmed=False)

    def broken(*args, **kwargs):
        raise ConnectionRefusedError("smtp down")

    monkeypatch.setattr("notifications.notify.send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        planning_workflow.submit_plan(plan, user=emails["tokyo_manager"])
    plan.refresh_from_db()
    assert plan.status == "submitted"
    note = Notification.objects.get()
    assert note.emailed_at is None
    monkeypatch.undo()
    # The daily run sends what is still unsent.
    call_command("send_notifications", stdout=io.StringIO())
    assert [m.to for m in mail.outbox] == [["kanto_officer@example.go.jp"]]


def test_a_digest_user_gets_one_mail_with_all_items_and_no_mail_at_once(
    emails, tokyo, django_capture_on_commit_callbacks
):
    officer = emails["kanto_officer"]
    Preference.objects.create(user=officer, email=EmailMode.DIGEST)
    plan = make_plan(tokyo, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        planning_workflow.submit_plan(plan, user=emails["tokyo_manager"])
        visit = make_visit(tokyo, experts=[emails["tokyo_expert"]])
        visits.set_escalation(
            visits.escalation_of(tokyo),
            user=emails["tokyo_expert"],
            level=2,
            reason="課題解決が進まない",
            visit=visit,
        )
    assert Notification.objects.filter(user=officer).count() == 2
    assert mail.outbox == []
    # Also an overdue follow-up of Tokyo: a reminder in the same mail.
    make_visit(
        tokyo,
        follow_ups=[("相談記録の整備", datetime.date.today() - datetime.timedelta(1), "open")],
    )

    report = digest.run()

    to_officer = [m for m in mail.outbox if m.to == [officer.email]]
    assert len(to_officer) == 1 and report.mails >= 1
    body = to_officer[0].body
    assert "事業計画" in body and "課題解決が進まない" in body and "相談記録の整備" in body
    assert not Notification.objects.filter(user=officer, emailed_at=None).exists()
    mail.outbox.clear()
    digest.run()  # nothing twice
    assert not [m for m in mail.outbox if m.to == [officer.email] and "事業計画" in m.body]


def test_a_user_who_wants_no_mail_gets_none_but_still_the_notification(
    emails, tokyo, django_capture_on_commit_callbacks
):
    Preference.objects.create(user=emails["kanto_officer"], email=EmailMode.NONE)
    plan = make_plan(tokyo, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        planning_workflow.submit_plan(plan, user=emails["tokyo_manager"])
    digest.run()
    assert mail.outbox == []
    assert Notification.objects.filter(user=emails["kanto_officer"]).count() == 1


def test_the_bell_counts_unread_and_the_list_marks_read_and_unread(
    client_for, emails, tokyo, django_capture_on_commit_callbacks
):
    plan = make_plan(tokyo, confirmed=False)
    with django_capture_on_commit_callbacks(execute=True):
        planning_workflow.submit_plan(plan, user=emails["tokyo_manager"])
    client = client_for("kanto_officer")
    assert 'data-testid="unread-count">1<' in client.get(reverse("home")).content.decode()
    note = Notification.objects.get()
    response = client.get(note.get_absolute_url())
    assert response["Location"] == plan.get_absolute_url()
    assert 'data-testid="unread-count"' not in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications:mark", args=[note.pk]), {"unread": "1"})
    note.refresh_from_db()
    assert note.read_at is None
    client.post(reverse("notifications:mark_all_read"))
    note.refresh_from_db()
    assert note.read_at is not None
    # Nobody else reads or marks it.
    other = client_for("kinki_officer")
    assert other.get(note.get_absolute_url()).status_code == 404
    assert other.post(reverse("notifications:mark", args=[note.pk])).status_code == 404


def test_a_user_chooses_the_daily_digest_on_the_preferences_page(client_for, personas):
    client = client_for("tokyo_coordinator")
    response = client.post(
        reverse("notifications:preferences"), {"email": "digest", "reminders": "on"}
    )
    assert response.status_code == 302
    assert Preference.objects.get(user=personas["tokyo_coordinator"]).email == "digest"
    assert client.post(reverse("notifications:preferences"), {"email": "bogus"}).status_code == 200
    assert Preference.objects.get(user=personas["tokyo_coordinator"]).email == "digest"


def test_the_daily_work_sends_the_digests(emails, tokyo):
    Preference.objects.create(user=emails["tokyo_manager"], email=EmailMode.DIGEST)
    make_visit(tokyo, follow_ups=[("報告書", datetime.date.today(), "open")])
    call_command("run_daily", stdout=io.StringIO())
    assert any(m.to == ["tokyo_manager@example.go.jp"] and "報告書" in m.body for m in mail.outbox)
