"""The business-plan workflow walked through by three users in a real browser."""

import pytest

from accounts.models import User, UserRole
from organizations.models import Center
from planning.models import BusinessPlan, FiscalYear, PlanStatus
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "plan-pass-2026"


def logout(page):
    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/**")


def test_center_drafts_bureau_interviews_center_revises_bureau_confirms(page, live_server):
    tokyo = Center.objects.get(code="13")
    FiscalYear.objects.create(year=2026)
    User.objects.create_user("cc", password=PASSWORD, role=UserRole.CENTER_MANAGER, center=tokyo)
    User.objects.create_user(
        "kanto", password=PASSWORD, role=UserRole.BUREAU_OFFICER, bureau=tokyo.prefecture.bureau
    )
    url = live_server.url

    # The center manager drafts and submits.
    log_in(page, live_server, "cc", PASSWORD)
    page.goto(f"{url}/plans/?fy=2026")
    page.click("text=今年度の計画を作成")
    page.fill("#id_strategy", "販路開拓の伴走支援")
    for code, value in {
        "consultations": "900",
        "visitors": "300",
        "cases_solved": "80",
        "network_activities": "40",
    }.items():
        page.fill(f"#id_target_{code}", value)
    page.select_option("#id_priority_0_field", label="事業承継")
    page.select_option("#id_priority_0_metric", "solved_cases")
    page.fill("#id_priority_0_target", "12")
    page.click("button:has-text('保存')")
    page.click("button:has-text('経済産業局に提出')")
    assert page.get_by_test_id("plan-status").inner_text() == "提出済み"
    plan_url = page.url
    logout(page)

    # The bureau schedules, holds the interview and asks for a change.
    log_in(page, live_server, "kanto", PASSWORD)
    page.goto(plan_url)
    page.click("text=期初面談を設定")
    page.fill("#id_scheduled_for", "2026-04-20T10:00")
    page.fill("#id_place", "関東経済産業局")
    page.click("button:has-text('保存')")
    page.click("text=期初面談を記録")
    page.fill("#id_held_on", "2026-04-20")
    page.fill("#id_minutes", "計画を確認した。")
    page.fill("#id_changes_requested", "来訪相談者数の目標を引き上げること。")
    page.click("button:has-text('保存')")
    assert page.get_by_test_id("plan-status").inner_text() == "期初面談実施済み"
    logout(page)

    # The center revises.
    log_in(page, live_server, "cc", PASSWORD)
    page.goto(plan_url)
    page.click("text=計画を編集")
    page.fill("#id_target_visitors", "360")
    page.click("button:has-text('保存')")
    page.click("button:has-text('修正済みにする')")
    logout(page)

    # The bureau confirms.
    log_in(page, live_server, "kanto", PASSWORD)
    page.goto(plan_url)
    page.click("button:has-text('計画を確定')")
    assert page.get_by_test_id("plan-status").inner_text() == "確定"
    logout(page)

    # The confirmed plan can no longer be edited; a change request keeps both versions.
    log_in(page, live_server, "cc", PASSWORD)
    page.goto(plan_url)
    assert page.locator("text=計画を編集").count() == 0
    plan = BusinessPlan.objects.get()
    page.goto(f"{url}/plans/{plan.pk}/edit/")
    page.fill("#id_target_visitors", "1")
    page.click("button:has-text('保存')")
    assert page.locator("[role=alert]").count() > 0
    page.goto(plan_url)
    page.click("text=変更を申請")
    page.fill("#id_target_cases_solved", "95")
    page.fill("#id_reason", "専門家の増員による")
    page.click("button:has-text('変更申請を送信')")
    logout(page)

    log_in(page, live_server, "kanto", PASSWORD)
    page.goto(plan_url)
    page.click("text=専門家の増員による")  # the change request's row
    page.select_option("#id_decision", "approve")
    page.click("button:has-text('決定を記録')")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.CONFIRMED and plan.target_for("cases_solved") == 95
    versions = list(plan.versions.order_by("number"))
    assert versions[-2].snapshot["targets"]["cases_solved"] == 80
    page.click(f"text=v{versions[-1].number}")
    comparison = page.get_by_test_id("comparison").inner_text()
    assert "80" in comparison and "95" in comparison
