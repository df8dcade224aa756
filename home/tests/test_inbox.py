"""The inbox (やること) on every home page: what waits for whom, in scope, overdue first."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import (
    make_client,
    make_person,
    make_plan,
    make_session,
    make_support_request,
    make_visit,
)
from core import home
from core.workflow import StepRefused
from evaluation import workflow as evaluation_workflow
from planning import workflow as planning_workflow
from planning.models import FiscalYearState
from support.models import FollowUp

TODAY = datetime.date.today()


def kinds(user, today=None):
    return {g.kind.name: g.count for g in home.inbox(user, today=today)}


def test_the_center_sees_its_plan_to_submit_and_the_bureau_the_interview_once_submitted(
    personas, tokyo
):
    plan = make_plan(tokyo, confirmed=False)
    assert kinds(personas["tokyo_manager"]) == {"planning.plan_to_submit": 1}
    assert "planning.interview_to_schedule" not in kinds(personas["kanto_officer"])

    planning_workflow.submit_plan(plan, user=personas["tokyo_manager"])

    assert "planning.plan_to_submit" not in kinds(personas["tokyo_manager"])
    assert kinds(personas["kanto_officer"])["planning.interview_to_schedule"] == 1
    # Another bureau, another center: nothing of Tokyo's.
    assert "planning.interview_to_schedule" not in kinds(personas["kinki_officer"])
    assert kinds(personas["osaka_manager"]) == {}


def test_a_follow_up_past_its_due_date_comes_first_as_overdue_for_the_center_and_its_expert(
    personas, tokyo, osaka
):
    due = datetime.date(2026, 5, 1)
    make_visit(
        tokyo,
        experts=[personas["tokyo_expert"]],
        follow_ups=[("相談記録の整備", due + datetime.timedelta(days=20), "open")],
    )
    make_visit(
        tokyo,
        experts=[personas["tokyo_expert"]],
        follow_ups=[("支援機関との連携会議", due, "in_progress")],
    )
    make_visit(osaka, experts=[personas["osaka_expert"]], follow_ups=[("大阪の宿題", due, "open")])
    past_due = due + datetime.timedelta(days=1)  # the clock set past the due date

    for persona in ("tokyo_manager", "tokyo_coordinator", "tokyo_expert"):
        groups = home.inbox(personas[persona], today=past_due)
        items = home.items(groups)
        assert [i.title for i in items] == [
            "東京都よろず支援拠点: 支援機関との連携会議",
            "東京都よろず支援拠点: 相談記録の整備",
        ], persona
        assert [i.overdue for i in items] == [True, False]
        assert groups[0].overdue == 1

    # The bureau is shown the overdue one; the Osaka expert only Osaka's; HQ staff the overdue.
    assert [i.title for i in home.items(home.inbox(personas["kanto_officer"], today=past_due))] == [
        "東京都よろず支援拠点: 支援機関との連携会議"
    ]
    osaka_items = home.items(home.inbox(personas["osaka_expert"], today=past_due))
    assert [i.title for i in osaka_items] == ["大阪府よろず支援拠点: 大阪の宿題"]
    # Before the due date nothing is overdue.
    assert not any(i.overdue for i in home.items(home.inbox(personas["tokyo_expert"], today=due)))


def test_the_home_page_lists_the_overdue_item_first_with_its_link(client_for, personas, tokyo):
    yesterday = TODAY - datetime.timedelta(days=1)
    visit = make_visit(
        tokyo,
        experts=[personas["tokyo_expert"]],
        follow_ups=[
            ("後で", TODAY + datetime.timedelta(days=9), "open"),
            ("遅れ", yesterday, "open"),
        ],
    )
    late = visit.follow_ups.get(description="遅れ")
    html = client_for("tokyo_manager").get(reverse("home")).content.decode()
    inbox = html.split('data-testid="inbox-items"')[1].split("</table>")[0]
    assert inbox.index("遅れ") < inbox.index("後で")
    assert 'data-testid="overdue"' in inbox and late.get_absolute_url() in inbox
    assert '<span class="badge" data-testid="inbox-count">2</span>' in html


def test_support_requests_wait_for_hq_to_assign_and_for_their_supporter_to_answer(personas, tokyo):
    make_support_request(tokyo)
    make_support_request(tokyo, supporter=personas["supporter"])
    assert kinds(personas["hq"])["support.request_to_assign"] == 1
    assert kinds(personas["tokyo_expert"])["support.request_to_assign"] == 1
    assert kinds(personas["supporter"]) == {"support.request_to_answer": 1}
    assert "support.request_to_assign" not in kinds(personas["osaka_expert"])


def test_the_inbox_costs_a_fixed_number_of_queries_whatever_the_number_of_items(
    personas, tokyo, django_assert_max_num_queries
):
    due = TODAY + datetime.timedelta(days=2)
    make_visit(tokyo, experts=[personas["tokyo_expert"]], follow_ups=[("一", due, "open")])
    home.inbox(personas["tokyo_manager"])  # warm the content-type and role caches
    with django_assert_max_num_queries(40) as few:
        home.items(home.inbox(personas["tokyo_manager"]))
    make_visit(
        tokyo,
        experts=[personas["tokyo_expert"]],
        follow_ups=[(f"宿題{n}", due, "open") for n in range(30)],
    )
    with django_assert_max_num_queries(len(few.captured_queries)):
        groups = home.inbox(personas["tokyo_manager"])
        titles = [item.title for item in home.items(groups)]  # reads each item's center
    assert len(titles) == 10 and groups[0].count == 31


def test_the_coordinator_home_starts_with_quick_entry_and_their_latest_entries(
    client_for, personas, tokyo
):
    person = make_person(tokyo)
    personas["tokyo_coordinator"].person = person
    personas["tokyo_coordinator"].save()
    client = make_client(tokyo, "株式会社サクラ")
    older = make_session(client, TODAY - datetime.timedelta(days=3), lead_staff=person)
    newer = make_session(client, TODAY - datetime.timedelta(days=1), lead_staff=person)
    html = client_for("tokyo_coordinator").get(reverse("home")).content.decode()
    main = html.split("<main")[1]
    quick = main.index(reverse("consultations:quick_entry"))
    assert "相談を入力" in main[quick : quick + 200]
    latest = main.split('data-testid="latest-entries"')[1]
    assert quick < main.index('data-testid="latest-entries"') < main.index('data-testid="inbox"')
    assert latest.index(newer.get_absolute_url()) < latest.index(older.get_absolute_url())


def test_no_plan_is_submitted_for_a_closed_year(personas, tokyo):
    plan = make_plan(tokyo, confirmed=False)
    plan.fiscal_year.state = FiscalYearState.CLOSED
    plan.fiscal_year.save()
    with pytest.raises(StepRefused, match="締め|closed"):
        planning_workflow.submit_plan(plan, user=personas["tokyo_manager"])
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_the_evaluation_waits_for_its_window_unless_the_agency_gives_a_reason(personas, tokyo):
    plan = make_plan(tokyo, change_request=False)
    year = plan.fiscal_year
    year.evaluation_from = TODAY + datetime.timedelta(days=30)
    year.save()
    with pytest.raises(StepRefused):
        evaluation_workflow.run_evaluation(year, user=personas["admin"])
    assert not year.evaluation_runs.exists()
    run = evaluation_workflow.run_evaluation(
        year, user=personas["admin"], override="国会答弁のため前倒し"
    )
    assert run.events.get(action="start").note == "国会答弁のため前倒し"
    with pytest.raises(StepRefused):  # running it again early needs the reason again
        evaluation_workflow.run_evaluation(year, user=personas["admin"])
    year.evaluation_from = TODAY
    year.save()
    evaluation_workflow.run_evaluation(year, user=personas["admin"])


def test_the_inbox_page_is_every_users_own(client_for, personas, tokyo):
    make_visit(tokyo, follow_ups=[("東京だけの宿題", TODAY, "open")])
    assert (
        "東京だけの宿題"
        in client_for("tokyo_coordinator").get(reverse("home:inbox")).content.decode()
    )
    assert (
        "東京だけの宿題"
        not in client_for("osaka_coordinator").get(reverse("home:inbox")).content.decode()
    )
    assert FollowUp.objects.count() == 1


def test_a_committee_member_has_the_round_to_score_until_they_submit(tokyo):
    from selection.models import RoundStatus
    from selection.tests.factories import make_round

    # Scoring, with every member but the last submitted (the factory's "scoring").
    selection = make_round(tokyo, members=2, until=RoundStatus.SCORING)
    done = selection.members.get(submitted_at__isnull=False)
    waiting = selection.members.get(submitted_at__isnull=True)
    assert kinds(done.user) == {}
    assert kinds(waiting.user) == {"selection.round_to_score": 1}
    waiting.submitted_at = timezone.now()  # what submitting the scores records
    waiting.save()
    assert kinds(waiting.user) == {}


def test_a_guidance_action_waits_for_the_center_and_reaches_the_bureau_once_overdue(
    personas, tokyo
):
    from conftest import make_evaluation

    action = make_evaluation(tokyo)["action"]
    before = action.due_on - datetime.timedelta(days=1)
    after = action.due_on + datetime.timedelta(days=1)
    assert kinds(personas["tokyo_manager"], before)["evaluation.guidance_action"] == 1
    assert "evaluation.guidance_action" not in kinds(personas["kanto_officer"], before)
    assert kinds(personas["kanto_officer"], after)["evaluation.guidance_action"] == 1
    assert "evaluation.guidance_action" not in kinds(personas["kinki_officer"], after)
