"""Escalation: the center's level is its own record; only HQ moves it, always with a
reason, each change kept (who, when, from, to, why); raising or lowering it tells the bureau."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from conftest import make_visit
from core.workflow import StepRefused
from notifications.models import Notification
from support import visits
from support.models import EscalationLevel, EscalationNotice

TODAY = datetime.date.today()


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


@pytest.fixture
def visit(tokyo):
    return make_visit(tokyo, TODAY - datetime.timedelta(days=5))


@pytest.fixture
def escalation(tokyo):
    return visits.escalation_of(tokyo)


@pytest.mark.parametrize(
    "name", ["tokyo_manager", "tokyo_coordinator", "kanto_officer", "admin", "committee"]
)
def test_only_hq_can_raise_the_escalation(personas, escalation, name):
    with pytest.raises(StepRefused, match="Only HQ"):
        visits.set_escalation(
            escalation, user=personas[name], level=EscalationLevel.ENHANCED, reason="相談件数が低迷"
        )
    escalation.refresh_from_db()
    assert escalation.level == EscalationLevel.NORMAL
    assert not EscalationNotice.objects.exists()


def test_the_center_cannot_raise_it_through_the_page_either(client_for, visit, tokyo):
    response = client_for("tokyo_manager").post(
        reverse("support:visit_escalate", args=[visit.pk]), {"level": 2, "reason": "自己申告"}
    )
    assert response.status_code == 302
    assert visits.current_level(tokyo) == EscalationLevel.NORMAL


def test_an_expert_of_another_center_cannot_raise_it(personas, escalation):
    with pytest.raises(StepRefused, match="outside your scope"):
        visits.set_escalation(
            escalation, user=personas["osaka_expert"], level=EscalationLevel.ENHANCED, reason="理由"
        )


def test_a_reason_is_required(personas, escalation):
    with pytest.raises(StepRefused, match="reason"):
        visits.set_escalation(
            escalation, user=personas["tokyo_expert"], level=EscalationLevel.ENHANCED, reason="  "
        )


def test_a_visit_of_another_center_cannot_carry_the_change(personas, escalation, osaka):
    with pytest.raises(StepRefused, match="not one of this center"):
        visits.set_escalation(
            escalation,
            user=personas["hq"],
            level=EscalationLevel.ENHANCED,
            reason="理由",
            visit=make_visit(osaka),
        )


def test_raising_at_a_visit_is_kept_with_who_when_from_to_and_why_and_the_bureau_is_told(
    client_for, personas, visit, tokyo, django_capture_on_commit_callbacks
):
    kanto = personas["kanto_officer"]
    kanto.email = "kanto@example.go.jp"
    kanto.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("tokyo_expert").post(
            reverse("support:visit_escalate", args=[visit.pk]),
            {"level": EscalationLevel.INTENSIVE, "reason": "課題解決件数が目標の3割"},
        )
    assert response.status_code == 302
    escalation = visits.escalation_of(tokyo)
    assert escalation.level == EscalationLevel.INTENSIVE
    assert escalation.changed_by == personas["tokyo_expert"] and escalation.visit == visit
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.INTENSIVE  # the level at this visit

    # The record's history: who, when, from, to and why.
    [change] = visits.escalation_changes(escalation)
    assert change.user == personas["tokyo_expert"] and change.at is not None
    assert (change.from_label, change.to_label) == ("Normal", "Focused intervention")
    assert change.reason == "課題解決件数が目標の3割"
    page = client_for("tokyo_manager").get(escalation.get_absolute_url()).content.decode()
    assert "課題解決件数が目標の3割" in page and 'data-testid="escalation-change"' in page

    # The bureau of that center, and only that bureau, sees it on its dashboard and home page.
    dashboard = reverse("planning:bureau_dashboard", args=[kanto.bureau_id])
    for url in (dashboard, reverse("home")):
        html = client_for("kanto_officer").get(url).content.decode()
        panel = html.split('data-testid="bureau-escalations"')[1].split("</section>")[0]
        assert "東京都よろず支援拠点" in panel and "重点介入" in panel
        assert "課題解決件数が目標の3割" in panel
    html = client_for("kinki_officer").get(reverse("home")).content.decode()
    assert "課題解決件数が目標の3割" not in html and "東京都よろず支援拠点" not in html

    # And by e-mail, to that bureau's officers.
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["kanto@example.go.jp"]
    assert "東京都よろず支援拠点" in mail.outbox[0].subject
    assert "課題解決件数が目標の3割" in mail.outbox[0].body


def test_lowering_is_kept_too_and_notifies_the_bureau(
    personas, escalation, django_capture_on_commit_callbacks
):
    visits.set_escalation(
        escalation, user=personas["hq"], level=EscalationLevel.ENHANCED, reason="相談件数の低迷"
    )
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        visits.set_escalation(
            escalation, user=personas["hq"], level=EscalationLevel.NORMAL, reason="改善を確認"
        )
    escalation.refresh_from_db()
    assert escalation.level == EscalationLevel.NORMAL and escalation.changed_by == personas["hq"]
    lowered = EscalationNotice.objects.get(to_level=EscalationLevel.NORMAL)
    assert lowered.from_level == EscalationLevel.ENHANCED and lowered.reason == "改善を確認"
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert personas["kanto_officer"].username in told
    assert personas["kinki_officer"].username not in told
    assert [c.to_label for c in visits.escalation_changes(escalation)] == ["Normal", "Enhanced"]


def test_the_level_is_the_record_not_the_latest_visit(personas, tokyo, kanagawa):
    visits.set_escalation(
        visits.escalation_of(kanagawa),
        user=personas["hq"],
        level=EscalationLevel.ENHANCED,
        reason="計画の遅れ",
    )
    # A later visit of Kanagawa recorded without a change leaves its level where it is.
    make_visit(kanagawa, TODAY, level=EscalationLevel.NORMAL)
    make_visit(tokyo, TODAY - datetime.timedelta(days=90), level=EscalationLevel.ENHANCED)
    escalated = visits.escalated_centers(
        kanagawa.__class__.objects.filter(prefecture__bureau=tokyo.prefecture.bureau)
    )
    assert list(escalated) == [kanagawa]
    assert escalated[0].escalation_level == EscalationLevel.ENHANCED
