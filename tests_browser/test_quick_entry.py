"""A coordinator records a session from the keyboard and finds it in the list."""

import re

import pytest

from accounts.models import User, UserRole
from conftest import make_client, make_person
from consultations.models import Consultation
from organizations.models import Center
from tests_browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_session_recorded_through_quick_entry_is_in_the_list(page, live_server):
    tokyo = Center.objects.get(code="13")
    person = make_person(tokyo)
    User.objects.create_user(
        "quick-co",
        password="quick-pass-2026",
        role=UserRole.COORDINATOR,
        center=tokyo,
        person=person,
    )
    make_client(tokyo, "株式会社はやて食品")
    log_in(page, live_server, "quick-co", "quick-pass-2026")

    page.goto(f"{live_server.url}/records/sessions/quick/")
    field = page.locator("#id_client_ref")
    assert field.evaluate("el => el === document.activeElement")  # focus starts on the client
    field.press_sequentially("はやて")
    page.wait_for_timeout(400)  # the htmx search fills the list
    option = page.locator("#client-options option").first.get_attribute("value")
    assert "はやて食品" in option
    field.fill(option)
    page.keyboard.press("Tab")
    page.fill("#id_minutes", "40")
    page.select_option("#id_mode", "phone")
    page.fill("#id_summary", "運転資金の借入について相談")
    page.keyboard.press("Control+Enter")

    page.get_by_test_id("saved").wait_for()
    assert (
        Consultation.objects.filter(client__business_name="株式会社はやて食品", minutes=40).count()
        == 1
    )

    page.goto(f"{live_server.url}/records/sessions/?q=運転資金")
    table = page.get_by_test_id("consultation-table").inner_text()
    assert "株式会社はやて食品" in table and "電話" in table


def test_the_full_session_form_finds_the_client_and_its_case_by_searching(page, live_server):
    from playwright.sync_api import expect

    from conftest import make_case

    tokyo = Center.objects.get(code="13")
    User.objects.create_user(
        "form-co",
        password="form-pass-2026",
        role=UserRole.COORDINATOR,
        center=tokyo,
        person=make_person(tokyo),
    )
    wanted = make_client(tokyo, "株式会社みつけ工業")
    make_client(tokyo, "株式会社ほかの商店")
    case = make_case(wanted, title="設備投資の資金")
    log_in(page, live_server, "form-co", "form-pass-2026")

    page.goto(f"{live_server.url}/records/sessions/new/")
    page.locator("#id_client").locator("xpath=preceding-sibling::input").fill("みつけ")
    expect(page.locator("#id_client option", has_text="みつけ工業")).to_have_count(1)
    page.select_option("#id_client", str(wanted.pk))
    page.locator("#id_case").locator("xpath=preceding-sibling::input").fill("設備")
    expect(page.locator("#id_case option", has_text="設備投資")).to_have_count(1)
    page.select_option("#id_case", str(case.pk))
    page.fill("#id_minutes", "30")
    page.select_option("#id_mode", "phone")
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/records/sessions/\d+/$"))
    assert Consultation.objects.filter(client=wanted, case=case, minutes=30).count() == 1
