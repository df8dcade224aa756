"""Two-step login in a real browser: an Agency user enrols at the first login and reaches
nothing before; later logins need the code; ten wrong passwords lock the account, and
the right one is refused until another administrator unlocks it on the account's page."""

import base64
import time

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UserRole
from conftest import PASSWORD, make_user
from tests_browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.mfa,  # two-step login enforced, as in production
    pytest.mark.django_db(transaction=True),
]


def code_at(key: bytes, step: int) -> str:
    totp = TOTP(key)
    totp.time = step * 30
    return f"{totp.token():06d}"


def fresh_code(user) -> str:
    """A code the server accepts now: newer than the last one used (each is single-use),
    within one step of the clock (waiting for the next step when needed)."""
    device = TOTPDevice.objects.get(user=user, confirmed=True)
    while True:
        now = int(time.time()) // 30
        step = max(now, device.last_t + 1)
        if step <= now + 1:  # the server accepts one step ahead of its clock
            return code_at(device.bin_key, step)
        time.sleep(30 - time.time() % 30 + 0.5)


def give_code(page, code):
    page.fill("input[name=code]", code)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("domcontentloaded")


def log_out(page):
    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/**")


def test_an_agency_user_enrols_then_needs_the_code_and_is_locked_by_ten_wrong_passwords(
    page, browser, live_server
):
    agency = make_user("agency", UserRole.AGENCY_ADMIN)
    base = live_server.url

    # First login: the enrolment page, and no other page before enrolling.
    log_in(page, live_server, "agency", PASSWORD)
    assert "/accounts/mfa/setup/" in page.url
    for path in ("/", "/accounts/users/", "/records/clients/", "/admin/"):
        page.goto(base + path)
        assert "/accounts/mfa/setup/" in page.url, path
    assert page.get_by_test_id("mfa-qr").locator("svg").count() == 1

    secret = page.get_by_test_id("mfa-secret").inner_text().strip()
    key = base64.b32decode(secret)
    give_code(page, code_at(key, int(time.time()) // 30))
    codes = page.get_by_test_id("recovery-codes").locator("li")
    assert codes.count() == 10
    page.click("text=コードを保管しました")
    assert page.get_by_test_id("home-title").is_visible()
    log_out(page)

    # Later logins: the password, then the code.
    log_in(page, live_server, "agency", PASSWORD)
    assert "/accounts/mfa/verify/" in page.url
    page.goto(base + "/accounts/users/")
    assert "/accounts/mfa/verify/" in page.url
    give_code(page, "000000" if fresh_code(agency) != "000000" else "111111")
    assert "/accounts/mfa/verify/" in page.url and "正しくありません" in page.content()
    time.sleep(1.5)  # django-otp's back-off after a wrong code
    give_code(page, fresh_code(agency))
    assert page.url.endswith("/accounts/users/")
    log_out(page)

    # Ten wrong passwords lock the account; the right password is then refused.
    for _ in range(10):
        log_in(page, live_server, "agency", "wrong-password-1")
    log_in(page, live_server, "agency", PASSWORD)
    assert "ロックされています" in page.content()
    assert "/accounts/mfa/" not in page.url

    # Another administrator (with an authenticator of their own) unlocks it.
    other = make_user("agency2", UserRole.AGENCY_ADMIN)
    TOTPDevice.objects.create(user=other, name="app", confirmed=True)
    context = browser.new_context(locale="ja-JP")
    admin_page = context.new_page()
    log_in(admin_page, live_server, "agency2", PASSWORD)
    give_code(admin_page, fresh_code(other))
    admin_page.goto(f"{base}/accounts/users/{agency.pk}/")
    assert admin_page.get_by_test_id("locked").is_visible()
    admin_page.get_by_test_id("locked").locator("button").click()
    admin_page.wait_for_load_state("domcontentloaded")
    assert admin_page.get_by_test_id("locked").count() == 0
    context.close()

    log_in(page, live_server, "agency", PASSWORD)
    assert "/accounts/mfa/verify/" in page.url
    give_code(page, fresh_code(agency))
    device = TOTPDevice.objects.get(user=agency)
    assert page.get_by_test_id("home-title").is_visible(), (
        page.locator("main").inner_text(),
        (device.drift, device.last_t, int(time.time()) // 30),
    )
