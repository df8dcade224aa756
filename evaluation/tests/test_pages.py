"""The hearing, budget and guidance pages as their users work them."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_evaluation
from core.workflow import StepRefused
from evaluation.models import (
    ActionStatus,
    EvaluationEvent,
    GuidanceAction,
    Hearing,
)
from organizations.models import Center


@pytest.fixture
def finished(personas, tokyo):
    return make_evaluation(tokyo)


@pytest.fixture
def client(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # messages asserted in English
    return client


def test_the_bureau_scores_a_hearing_and_bad_scores_are_reported(client, personas, finished):
    hearing = finished["hearing"]
    items = list(hearing.template.items.all())
    client.force_login(personas["kanto_officer"])
    url = reverse("evaluation:hearing_scores", args=[hearing.pk])
    data = {f"score_{item.pk}": "2" for item in items}
    data[f"score_{items[0].pk}"] = "7"
    response = client.post(url, data)
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    assert not hearing.scores.exists()  # nothing written
    data[f"score_{items[0].pk}"] = "3"
    data[f"comment_{items[0].pk}"] = "全件を週次で確認"
    assert client.post(url, data).status_code == 302
    assert sum(hearing.scores.values_list("score", flat=True)) == 3 + 2 * (len(items) - 1)
    page = client.get(hearing.get_absolute_url()).content.decode()
    assert f"{3 + 2 * (len(items) - 1)} / {3 * len(items)}" in page and "全件を週次で確認" in page


def test_one_hearing_per_center_and_year(client, personas, finished, tokyo):
    client.force_login(personas["kanto_officer"])
    hearing = finished["hearing"]
    response = client.post(
        reverse("evaluation:hearing_create"),
        {
            "center": tokyo.pk,
            "fiscal_year": hearing.fiscal_year.pk,
            "template": hearing.template.pk,
            "held_on": "2026-02-11",
        },
    )
    assert "already has a hearing" in response.content.decode()
    assert Hearing.objects.count() == 1


def test_guidance_shows_on_the_dashboards_of_center_bureau_and_hq(client, personas, finished):
    link = finished["guidance"].get_absolute_url()
    for name in ("tokyo_manager", "kanto_officer", "hq", "tokyo_expert"):
        client.force_login(personas[name])
        assert link in client.get(reverse("home")).content.decode(), name
    for name in ("osaka_manager", "kinki_officer"):
        client.force_login(personas[name])
        assert link not in client.get(reverse("home")).content.decode(), name


def test_the_center_marks_an_action_done_but_cannot_edit_the_plan(client, personas, finished):
    action, plan = finished["action"], finished["guidance"]
    client.force_login(personas["tokyo_manager"])
    response = client.post(
        reverse("evaluation:action_update", args=[action.pk]),
        {
            "action": action.action,
            "owner": action.owner,
            "due_on": "2026-06-30",
            "status": ActionStatus.DONE,
            "note": "実施済み",
        },
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.history.first().history_user == personas["tokyo_manager"]
    assert client.get(reverse("evaluation:guidance_update", args=[plan.pk])).status_code == 404


def test_hq_adds_an_action_and_errors_are_plain(client, personas, finished):
    plan = finished["guidance"]
    client.force_login(personas["hq"])
    url = reverse("evaluation:action_create", args=[plan.pk])
    response = client.post(url, {"action": "同席指導", "owner": "", "due_on": "x"}, follow=True)
    text = response.content.decode()
    assert "Owner: This field is required." in text and "Due on: Enter a valid date." in text
    assert plan.actions.count() == 1
    client.post(
        url, {"action": "同席指導", "owner": "PM", "due_on": "2026-09-30", "status": "open"}
    )
    assert GuidanceAction.objects.filter(plan=plan, due_on=datetime.date(2026, 9, 30)).exists()


def test_an_adjustment_needs_a_reason_and_keeps_the_total(client, personas, finished):
    line, allocation = finished["line"], finished["allocation"]
    client.force_login(personas["admin"])
    url = reverse("evaluation:line_adjust", args=[line.pk])
    response = client.post(url, {"adjusted_amount": "2000000", "adjustment_reason": ""})
    assert "needs a written reason" in response.content.decode()
    client.post(url, {"adjusted_amount": "2000000", "adjustment_reason": "災害対応"})
    line.refresh_from_db()
    assert line.amount == 2_000_000 and line.is_adjusted
    assert sum(allocation.lines.values_list("amount", flat=True)) == allocation.envelope
    response = client.post(url, {"adjusted_amount": "99000000", "adjustment_reason": "誤"})
    assert "exceed the envelope" in response.content.decode()
    line.refresh_from_db()
    assert line.amount == 2_000_000  # the refused change wrote nothing
    page = client.get(allocation.get_absolute_url())
    assert "災害対応" in page.content.decode()
    export = client.get(allocation.get_absolute_url() + "?export=xlsx")
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")


def test_every_hq_visit_shows_the_open_guidance_actions(client, personas, finished, tokyo, osaka):
    from support.visits import items_for_new_visit

    action = finished["action"]
    _previous, sections = items_for_new_visit(tokyo, datetime.date.today())
    guidance = next(section for section in sections if section.key == "guidance")
    assert [item.title for item in guidance.items] == [action.action]
    action.status = ActionStatus.DONE
    action.save()
    _previous, sections = items_for_new_visit(tokyo, datetime.date.today())
    assert next(s for s in sections if s.key == "guidance").items == []
    _previous, sections = items_for_new_visit(osaka, datetime.date.today())
    assert all(item.title != action.action for s in sections for item in s.items)


def test_odd_input_to_the_run_button_is_reported_not_a_crash(client, personas):
    client.force_login(personas["admin"])
    for value in ("abc", "²", ""):
        response = client.post(reverse("evaluation:run_start"), {"fiscal_year": value}, follow=True)
        assert response.status_code == 200 and "Choose a fiscal year." in response.content.decode()


def test_a_decided_budget_is_seen_by_the_centers_and_no_longer_changes(
    client, personas, finished, tokyo, osaka
):
    allocation, line = finished["allocation"], finished["line"]
    detail = allocation.get_absolute_url()
    # A draft: the Agency's and HQ's working figure, not yet the centers'.
    client.force_login(personas["tokyo_manager"])
    assert client.get(detail).status_code == 404
    client.force_login(personas["kanto_officer"])
    assert client.get(detail).status_code == 404
    client.force_login(personas["hq"])
    assert client.get(detail).status_code == 200
    assert client.post(reverse("evaluation:budget_decide", args=[allocation.pk])).status_code == 404

    client.force_login(personas["admin"])
    page = client.get(detail).content.decode()
    assert "Decide the budget" in page
    allocate = reverse("evaluation:budget_edit", args=[allocation.run_id])
    assert allocate in client.get(allocation.run.get_absolute_url()).content.decode()
    response = client.post(reverse("evaluation:budget_decide", args=[allocation.pk]), follow=True)
    assert "Budget decided" in response.content.decode()
    allocation.refresh_from_db()
    assert allocation.is_decided and allocation.decided_by == personas["admin"]
    page = client.get(detail).content.decode()
    assert "Decide the budget" not in page and "Adjust</a>" not in page
    assert "can no longer change" in page
    assert allocate not in client.get(allocation.run.get_absolute_url()).content.decode()

    # Refused, audited, and nothing written: an adjustment, a new allocation, deciding again.
    amounts = list(allocation.lines.values_list("center_id", "amount"))
    url = reverse("evaluation:line_adjust", args=[line.pk])
    response = client.post(url, {"adjusted_amount": "2000000", "adjustment_reason": "災害対応"})
    assert "was decided on" in response.content.decode()
    edit = reverse("evaluation:budget_edit", args=[allocation.run_id])
    assert client.get(edit).status_code == 302
    data = {"envelope": "50000000"} | {
        f"base_{pk}": "1000000" for pk in Center.objects.values_list("pk", flat=True)
    }
    response = client.post(edit, data)
    assert "was decided on" in response.content.decode()
    response = client.post(reverse("evaluation:budget_decide", args=[allocation.pk]), follow=True)
    assert "already decided" in response.content.decode()
    assert list(allocation.lines.values_list("center_id", "amount")) == amounts
    allocation.refresh_from_db()
    assert allocation.envelope == 47_000_000
    refused = EvaluationEvent.objects.filter(refused=True).values_list("action", flat=True)
    assert sorted(refused) == ["adjust_budget", "allocate_budget"]
    line.amount = 1
    with pytest.raises(StepRefused):
        line.save()

    # Decided: each center and bureau sees its own lines, no other's.
    client.force_login(personas["tokyo_manager"])
    page = client.get(detail).content.decode()
    assert f'data-center="{tokyo.code}"' in page and f'data-center="{osaka.code}"' not in page
    client.force_login(personas["kinki_officer"])
    page = client.get(detail).content.decode()
    assert f'data-center="{osaka.code}"' in page and f'data-center="{tokyo.code}"' not in page
