"""A case study from a solved case: the center drafts it and records the consent, HQ
approves it, and it appears on the public page and as a similar case on another center's
case page, walked through in a real browser."""

import datetime

import pytest

from accounts.models import User, UserRole
from conftest import make_case, make_client
from organizations.models import Center
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "case-study-pass-2026"


def logout(page):
    page.click("text=ログアウト")
    page.wait_for_url("**/accounts/login/**")


def test_a_case_study_is_drafted_approved_published_and_shown_as_a_similar_case(
    page, live_server, tmp_path
):
    tokyo, osaka = Center.objects.get(code="13"), Center.objects.get(code="27")
    User.objects.create_user("tokyo_co", password=PASSWORD, role=UserRole.COORDINATOR, center=tokyo)
    User.objects.create_user("hq", password=PASSWORD, role=UserRole.HQ_STAFF)
    User.objects.create_user("osaka_co", password=PASSWORD, role=UserRole.COORDINATOR, center=osaka)
    solved = make_case(
        make_client(tokyo, "株式会社秘密の受発注", industry="I"),
        solved=datetime.date(2025, 9, 1),
        title="受発注のIT導入",
        topics=["IT・DX"],
    )
    elsewhere = make_case(
        make_client(osaka, "大阪の卸売商店", industry="I"),
        title="受発注の効率化",
        topics=["IT・DX"],
    )
    url = live_server.url
    consent = tmp_path / "同意書.pdf"
    consent.write_bytes(b"%PDF-1.4 consent")

    # The Tokyo coordinator drafts it from the solved case and records the consent.
    log_in(page, live_server, "tokyo_co", PASSWORD)
    page.goto(f"{url}{solved.get_absolute_url()}")
    page.get_by_test_id("draft-case-study").click()
    page.fill("#id_title", "IT導入で受発注を効率化した卸売業")
    page.fill("#id_summary", "電話とFAXの受発注をクラウド化し、残業を半減した。")
    page.check("input[name=support_kinds][value=it]")
    page.click("button[type=submit].primary")
    page.get_by_test_id("step-record_consent").click()
    page.set_input_files("#id_document", str(consent))
    page.click("button[type=submit].primary")
    assert page.get_by_test_id("casestudy-status").inner_text() == "同意取得済み"
    study_url = page.url
    logout(page)

    # HQ approves and publishes it.
    log_in(page, live_server, "hq", PASSWORD)
    page.goto(study_url)
    page.get_by_test_id("step-publish").click()
    page.get_by_test_id("step-form").locator("button[type=submit]").click()
    assert page.get_by_test_id("casestudy-status").inner_text() == "公表済み"
    logout(page)

    # Anyone finds it on the public page, without the client's name.
    page.goto(f"{url}/casestudies/public/?q=ＩＴ導入")
    page.get_by_test_id("public-results").get_by_text("IT導入で受発注を効率化した卸売業").click()
    assert "秘密の受発注" not in page.content()
    assert "東京都" in page.get_by_test_id("public-business").inner_text()

    # Osaka's coordinator sees it as a similar case on their own case's page.
    log_in(page, live_server, "osaka_co", PASSWORD)
    page.goto(f"{url}{elsewhere.get_absolute_url()}")
    similar = page.get_by_test_id("similar-cases").inner_text()
    assert "IT導入で受発注を効率化した卸売業" in similar
