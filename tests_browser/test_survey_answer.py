"""A client answers the satisfaction survey on a phone through a link."""

import datetime
from pathlib import Path

import pytest

from accounts.models import User, UserRole
from conftest import answer_survey, make_campaign, survey_tokens
from organizations.models import Center
from surveys import campaigns, standard
from tests_browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
GOOD = {"overall": 5, "usefulness": 4, "progress": 2, "recommend": 5, "attitude": 4}


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="ja-JP", **PHONE)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def state(page) -> str:
    return page.get_by_test_id("link-state").get_attribute("data-state")


def test_a_client_answers_on_a_phone_and_the_center_sees_it_in_the_results_after_the_close(
    phone, page, live_server
):
    standard.ensure()  # the tables were flushed after the previous browser test
    tokyo = Center.objects.get(code="13")
    campaign = make_campaign(tokyo, recipients=5)
    tokens = survey_tokens(campaign)
    for token in tokens[:4]:
        answer_survey(token, **GOOD)

    phone.goto(f"{live_server.url}/s/{tokens[4]}/")
    assert "総合的な満足度" in phone.get_by_test_id("survey-title").inner_text() + phone.content()
    # Fits the phone: nothing to scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for code, choice in {"overall": 5, "usefulness": 4, "recommend": 5, "attitude": 3}.items():
        phone.locator(f"fieldset[data-code={code}] label.option").nth(choice - 1).tap()
    phone.locator("fieldset[data-code=progress] label.option").nth(1).tap()
    phone.locator("fieldset[data-code=channel] label.option").nth(0).tap()
    phone.locator("fieldset[data-code=comment] textarea").fill("スマホから回答しました")
    shots = Path(__file__).resolve().parents[1] / "test-artifacts"
    shots.mkdir(exist_ok=True)
    phone.screenshot(path=str(shots / "survey-phone.png"), full_page=True)
    phone.locator("button.survey-submit").tap()
    phone.wait_for_url("**/s/thanks/")
    assert state(phone) == "thanks"

    # The link still opens the questionnaire (whoever holds it must not learn that it
    # was answered), and says that only the first answers count.
    phone.goto(f"{live_server.url}/s/{tokens[4]}/")
    assert phone.get_by_test_id("link-state").count() == 0
    assert "総合的な満足度" in phone.content()
    assert "集計されるのは最初にお送りいただいた回答のみです" in phone.content()

    # The fifth answer lifts the center over the threshold, but only from the next day
    # or the close: the same day the center sees no figures yet.
    manager = User.objects.create_user(
        "survey-cc", password="survey-pass-2026", role=UserRole.CENTER_MANAGER, center=tokyo
    )
    log_in(page, live_server, "survey-cc", "survey-pass-2026")
    results = f"{live_server.url}/surveys/results/center/{tokyo.pk}/?fy=2025&kind=client"
    page.goto(results)
    assert page.get_by_test_id("too-few").count() == 1
    campaigns.close(campaign, user=manager)
    page.goto(results)
    assert page.get_by_test_id("answers").inner_text() == "5"
    assert "スマホから回答しました" in page.get_by_test_id("comments").inner_text()


def test_expired_and_unknown_links_say_so_on_a_phone(phone, live_server):
    standard.ensure()
    tokyo = Center.objects.get(code="13")
    campaign = make_campaign(tokyo, recipients=1)
    token = survey_tokens(campaign)[0]
    campaign.closes_on = datetime.date.today() - datetime.timedelta(days=1)
    campaign.save()

    phone.goto(f"{live_server.url}/s/{token}/")
    assert state(phone) == "expired"

    phone.goto(f"{live_server.url}/s/{campaigns.new_token()}/")
    random_text = phone.locator("main").inner_text()
    assert state(phone) == "unknown"
    phone.goto(f"{live_server.url}/s/{token[:20]}/")
    assert state(phone) == "unknown" and phone.locator("main").inner_text() == random_text
