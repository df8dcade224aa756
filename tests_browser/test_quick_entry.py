"""A coordinator records a session from the keyboard and finds it in the list."""

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
