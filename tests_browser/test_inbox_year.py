"""One fiscal year's hand-offs, each actor working only from the inbox on their home page."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import User, UserRole
from conftest import make_plan
from core.fiscal import fiscal_year_of
from evaluation import workflow as evaluation_workflow
from evaluation.models import CenterEvaluation, EvaluationRun, GuidancePlan, RunStatus
from organizations.models import Center
from planning.models import BusinessPlan, FiscalYear, PlanStatus
from support.models import FollowUp, FollowUpStatus
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "inbox-pass-2026"
TODAY = datetime.date.today()


def logout(page):
    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/**")


def inbox_count(page) -> int:
    return int(page.get_by_test_id("inbox-count").inner_text())


def open_item(page, kind):
    """Follow the first inbox item of ``kind`` from the home page."""
    page.locator(f"[data-testid=inbox-items] tr[data-kind='{kind}'] td a").first.click()
    page.wait_for_load_state("domcontentloaded")


def home(page, live_server):
    page.goto(f"{live_server.url}/")


def test_a_fiscal_years_hand_offs_run_from_the_inbox(page, live_server):
    tokyo = Center.objects.get(code="13")
    year = FiscalYear.objects.create(year=fiscal_year_of(TODAY), plan_due=TODAY)
    cc = User.objects.create_user(
        "cc", password=PASSWORD, role=UserRole.CENTER_MANAGER, center=tokyo
    )
    kanto = User.objects.create_user(
        "kanto", password=PASSWORD, role=UserRole.BUREAU_OFFICER, bureau=tokyo.prefecture.bureau
    )
    expert = User.objects.create_user("pm", password=PASSWORD, role=UserRole.HQ_EXPERT)
    expert.assigned_centers.set([tokyo])
    admin = User.objects.create_user("agency", password=PASSWORD, role=UserRole.AGENCY_ADMIN)
    make_plan(tokyo, year.year, confirmed=False)  # drafted by cc, not yet submitted
    # Last year's evaluation, computed, reviewed by every bureau and by the advisory board:
    # the Agency signs it off.
    last_year = FiscalYear.objects.create(year=year.year - 1)
    run = evaluation_workflow.run_evaluation(last_year, user=admin)
    CenterEvaluation.objects.filter(run=run).update(reviewed_by=kanto, reviewed_at=timezone.now())
    EvaluationRun.objects.filter(pk=run.pk).update(board_reviewed_at=timezone.now())

    # The center submits its plan from its inbox.
    log_in(page, live_server, "cc", PASSWORD)
    assert inbox_count(page) == 1
    open_item(page, "planning.plan_to_submit")
    page.click("button:has-text('経済産業局に提出')")
    assert page.get_by_test_id("plan-status").inner_text() == "提出済み"
    home(page, live_server)
    assert inbox_count(page) == 0
    logout(page)

    # The bureau sees the interview in its inbox, holds it and confirms the plan.
    log_in(page, live_server, "kanto", PASSWORD)
    before = inbox_count(page)
    open_item(page, "planning.interview_to_schedule")
    page.click("text=期初面談を設定")
    page.fill("#id_scheduled_for", f"{TODAY:%Y-%m-%d}T10:00")
    page.fill("#id_place", "関東経済産業局")
    page.click("button:has-text('保存')")
    home(page, live_server)
    open_item(page, "planning.interview_to_hold")
    page.click("text=期初面談を記録")
    page.fill("#id_held_on", TODAY.isoformat())
    page.fill("#id_minutes", "計画を確認した。")
    page.click("button:has-text('保存')")
    home(page, live_server)
    open_item(page, "planning.plan_to_confirm")
    page.click("button:has-text('計画を確定')")
    assert page.get_by_test_id("plan-status").inner_text() == "確定"
    home(page, live_server)
    assert inbox_count(page) == before - 1
    assert BusinessPlan.objects.get().status == PlanStatus.CONFIRMED
    logout(page)

    # HQ records a visit with a follow-up due in three days.
    log_in(page, live_server, "pm", PASSWORD)
    page.goto(f"{live_server.url}/support/visits/new/")
    page.select_option("#id_center", str(tokyo.pk))
    page.fill("#id_date", TODAY.isoformat())
    page.get_by_test_id("visit-continue").click()
    page.fill("#id_observations", "相談記録の入力が遅れている")
    page.fill("#id_follow_ups-0-description", "相談記録の当日入力を徹底する")
    page.fill("#id_follow_ups-0-due_date", (TODAY + datetime.timedelta(days=3)).isoformat())
    page.get_by_test_id("visit-save").click()
    page.wait_for_selector("[data-testid=follow-ups]")
    home(page, live_server)
    assert page.locator("[data-testid=inbox-items] tr[data-kind='support.follow_up']").count() == 1
    expert_before = inbox_count(page)
    logout(page)

    # The center sees it in its inbox and closes it.
    log_in(page, live_server, "cc", PASSWORD)
    assert inbox_count(page) == 1
    assert "相談記録の当日入力を徹底する" in page.get_by_test_id("inbox-items").inner_text()
    open_item(page, "support.follow_up")
    page.select_option("#id_status", FollowUpStatus.DONE)
    page.fill("#id_done_on", TODAY.isoformat())
    page.click("button:has-text('保存')")
    page.wait_for_load_state("domcontentloaded")
    assert FollowUp.objects.get().status == FollowUpStatus.DONE
    home(page, live_server)
    assert inbox_count(page) == 0
    logout(page)

    log_in(page, live_server, "pm", PASSWORD)
    assert inbox_count(page) == expert_before - 1  # the expert who set it is done with it too
    logout(page)

    # The Agency signs off the evaluation from its inbox.
    log_in(page, live_server, "agency", PASSWORD)
    before = inbox_count(page)
    open_item(page, "evaluation.run_to_sign_off")
    page.click("button:has-text('確定する')")
    page.wait_for_load_state("domcontentloaded")
    run.refresh_from_db()
    assert run.status == RunStatus.FINALISED
    home(page, live_server)
    items = page.get_by_test_id("inbox-items")
    assert items.locator("tr[data-kind='evaluation.run_to_sign_off']").count() == 0
    # The sign-off put the test's centers (all graded low: no records) on focused guidance
    # this year, and with it on the guidance's monthly visits: none held yet, all behind.
    guided = GuidancePlan.objects.filter(fiscal_year=year).count()
    assert guided and inbox_count(page) == before - 1 + guided
    # Everyone involved was told on the way (the bell).
    assert cc.notifications.exists() and kanto.notifications.exists()
