"""Escalation: only HQ moves the level, always with a reason, audited; raising it tells the bureau."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from conftest import make_visit
from core.workflow import StepRefused
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


@pytest.mark.parametrize(
    "name", ["tokyo_manager", "tokyo_coordinator", "kanto_officer", "admin", "committee"]
)
def test_only_hq_can_raise_the_escalation(personas, visit, name):
    with pytest.raises(StepRefused, match="Only HQ"):
        visits.set_escalation(
            visit, user=personas[name], level=EscalationLevel.ENHANCED, reason="相談件数が低迷"
        )
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.NORMAL
    assert not EscalationNotice.objects.exists()


def test_the_center_cannot_raise_it_through_the_page_either(client_for, visit):
    response = client_for("tokyo_manager").post(
        reverse("support:visit_escalate", args=[visit.pk]), {"level": 2, "reason": "自己申告"}
    )
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.NORMAL


def test_an_expert_of_another_center_cannot_raise_it(personas, visit):
    with pytest.raises(StepRefused, match="outside your scope"):
        visits.set_escalation(
            visit, user=personas["osaka_expert"], level=EscalationLevel.ENHANCED, reason="理由"
        )


def test_a_reason_is_required(personas, visit):
    with pytest.raises(StepRefused, match="reason"):
        visits.set_escalation(
            visit, user=personas["tokyo_expert"], level=EscalationLevel.ENHANCED, reason="  "
        )


def test_raising_is_audited_and_the_bureau_sees_it_on_its_dashboard_and_by_email(
    client_for, personas, visit, django_capture_on_commit_callbacks
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
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.INTENSIVE

    # Audited: who, when, before and after, and why.
    change = visit.history.first()
    assert change.history_user == personas["tokyo_expert"]
    assert change.history_change_reason == "課題解決件数が目標の3割"
    assert change.prev_record.escalation_level == EscalationLevel.NORMAL
    page = client_for("tokyo_manager").get(visit.get_absolute_url()).content.decode()
    assert "課題解決件数が目標の3割" in page

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


def test_lowering_needs_a_reason_and_tells_nobody(personas, tokyo):
    visit = make_visit(tokyo, level=EscalationLevel.ENHANCED)
    visits.set_escalation(
        visit, user=personas["hq"], level=EscalationLevel.NORMAL, reason="改善を確認"
    )
    visit.refresh_from_db()
    assert visit.escalation_level == EscalationLevel.NORMAL and visit.escalated_by == personas["hq"]
    assert not EscalationNotice.objects.exists()


def test_the_bureau_panel_lists_the_centers_held_above_normal(client_for, tokyo, kanagawa):
    make_visit(tokyo, TODAY - datetime.timedelta(days=90), level=EscalationLevel.ENHANCED)
    make_visit(tokyo, TODAY - datetime.timedelta(days=5), level=EscalationLevel.NORMAL)
    make_visit(kanagawa, TODAY - datetime.timedelta(days=5), level=EscalationLevel.ENHANCED)
    escalated = visits.escalated_centers(
        kanagawa.__class__.objects.filter(prefecture__bureau=tokyo.prefecture.bureau)
    )
    assert list(escalated) == [kanagawa]  # Tokyo's latest visit is back to normal
