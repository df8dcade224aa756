"""The grouped main menu works with a mouse and with the keyboard."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, make_user
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_agency_opens_a_menu_reaches_a_page_and_closes_menus(page, live_server):
    make_user("agency", "agency_admin")
    log_in(page, live_server, "agency", PASSWORD)
    menu = page.locator("details[data-nav-menu]", has=page.locator("summary", has_text="支援"))
    training = menu.get_by_role("link", name="研修")
    expect(training).to_be_hidden()  # closed until asked for

    menu.locator("summary").click()
    expect(training).to_be_visible()
    # Opening another menu closes this one; so do Escape and a click elsewhere.
    other = page.locator("details[data-nav-menu]", has=page.locator("summary", has_text="体制"))
    other.locator("summary").click()
    expect(training).to_be_hidden()
    expect(other.get_by_role("link", name="アカウント")).to_be_visible()
    page.keyboard.press("Escape")
    expect(other.get_by_role("link", name="アカウント")).to_be_hidden()
    menu.locator("summary").click()
    page.locator("main").click()
    expect(training).to_be_hidden()

    # From the keyboard: focus the menu, open it with Enter, follow a link.
    menu.locator("summary").focus()
    page.keyboard.press("Enter")
    training.focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/support/training/**")
    current = page.locator("details[data-nav-menu].active summary")
    assert current.inner_text().strip().startswith("支援")
