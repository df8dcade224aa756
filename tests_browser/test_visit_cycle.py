"""An HQ visit, its follow-ups worked by the center, the experts' meeting's feedback, and
the next visit that finds both, walked through by three users in a real browser."""

import datetime

import pytest

from accounts.models import User, UserRole
from conftest import make_client, make_person, make_session
from organizations.models import Center
from support.models import FollowUp, FollowUpStatus, Visit
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "visit-pass-2026"
TODAY = datetime.date.today()


def logout(page):
    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/**")


def test_a_follow_up_left_open_and_the_meetings_feedback_reach_the_next_visit(page, live_server):
    tokyo = Center.objects.get(code="13")
    expert = User.objects.create_user("pm", password=PASSWORD, role=UserRole.HQ_EXPERT)
    expert.assigned_centers.set([tokyo])
    User.objects.create_user("cc", password=PASSWORD, role=UserRole.CENTER_MANAGER, center=tokyo)
    User.objects.create_user("hq", password=PASSWORD, role=UserRole.HQ_STAFF)
    owner = make_person(tokyo)
    visit_day = TODAY - datetime.timedelta(days=7)
    session = make_session(make_client(tokyo), visit_day, summary="販路開拓の相談")
    url = live_server.url

    # The HQ expert records the visit, sitting in on a session, with two follow-ups.
    log_in(page, live_server, "pm", PASSWORD)
    page.goto(f"{url}/support/visits/new/")
    page.select_option("#id_center", str(tokyo.pk))
    page.fill("#id_date", visit_day.isoformat())
    page.get_by_test_id("visit-continue").click()
    page.check(f"input[name=sessions][value='{session.pk}']")
    assert page.is_checked(f"input[name=experts][value='{expert.pk}']")
    page.fill("#id_observations", "相談記録の入力が遅れている")
    page.fill("#id_advice", "当日入力を徹底すること")
    page.fill("#id_follow_ups-0-description", "相談記録の当日入力を徹底する")
    page.select_option("#id_follow_ups-0-owner", str(owner.pk))
    page.fill("#id_follow_ups-0-due_date", (visit_day + datetime.timedelta(days=30)).isoformat())
    page.fill("#id_follow_ups-1-description", "支援機関との定例会を設ける")
    page.get_by_test_id("visit-save").click()
    page.wait_for_selector("[data-testid=follow-ups]")
    assert page.get_by_test_id("follow-up-row").count() == 2
    visit = Visit.objects.get()
    assert list(visit.sessions.all()) == [session]
    visit_url = page.url
    logout(page)

    # The center marks the first one done.
    log_in(page, live_server, "cc", PASSWORD)
    page.goto(visit_url)
    row = page.get_by_test_id("follow-up-row").filter(has_text="相談記録の当日入力を徹底する")
    row.get_by_test_id("mark-done").click()
    page.wait_for_selector("[data-testid=follow-ups]")
    done = FollowUp.objects.get(description="相談記録の当日入力を徹底する")
    assert done.status == FollowUpStatus.DONE and done.done_on == TODAY
    logout(page)

    # HQ records the experts' meeting, with feedback for that center.
    log_in(page, live_server, "hq", PASSWORD)
    page.goto(f"{url}/support/meetings/new/")
    page.fill("#id_title", "第1回 全国本部専門家会議")
    page.fill("#id_held_on", (TODAY - datetime.timedelta(days=2)).isoformat())
    page.fill("#id_period_start", (TODAY - datetime.timedelta(days=30)).isoformat())
    page.fill("#id_period_end", (TODAY - datetime.timedelta(days=3)).isoformat())
    page.fill("#id_report_to_agency", "訪問1拠点、未完了のフォローアップ1件")
    page.fill("#id_policies", "フォローアップの期限管理を徹底する")
    page.select_option("#id_feedback-0-center", str(tokyo.pk))
    page.fill("#id_feedback-0-text", "支援機関との連携事例を次回訪問までにまとめること")
    page.get_by_test_id("meeting-save").click()
    summary = page.get_by_test_id("meeting-by-center").inner_text()
    assert "東京都よろず支援拠点" in summary
    assert "支援機関との定例会を設ける" in page.get_by_test_id("meeting-follow-ups").inner_text()
    logout(page)

    # Opening the next visit to Tokyo shows the open follow-up and the feedback.
    log_in(page, live_server, "pm", PASSWORD)
    page.goto(visit_url)
    page.click(f"a[href='/support/visits/new/?center={tokyo.pk}']")
    follow_ups = page.get_by_test_id("open-follow_ups").inner_text()
    assert "支援機関との定例会を設ける" in follow_ups
    assert "相談記録の当日入力を徹底する" not in follow_ups
    feedback = page.get_by_test_id("open-feedback").inner_text()
    assert "支援機関との連携事例を次回訪問までにまとめること" in feedback
