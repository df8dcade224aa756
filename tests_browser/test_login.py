"""Each demo user logs in through a real browser and lands on a home page fit for the role."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from accounts.demo import DEMO_PASSWORD, DEMO_USERS
from tests_browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

# What each role's home page must show.
EXPECTED_HOME = {
    "admin": ("全国管理", "アカウント"),
    "hq": ("全国本部", "拠点一覧"),
    "expert": ("担当拠点", "北海道よろず支援拠点"),
    "kanto": ("関東経済産業局", "東京都よろず支援拠点"),
    "kinki": ("近畿経済産業局", "大阪府よろず支援拠点"),
    "tokyo-cc": ("東京都よろず支援拠点", "名簿"),
    "osaka-cc": ("大阪府よろず支援拠点", "名簿"),
    "tokyo-co": ("東京都よろず支援拠点", "職員"),
    "osaka-co": ("大阪府よろず支援拠点", "職員"),
    "committee": ("審査", "ホーム"),
    "board": ("アドバイザリーボード", "ホーム"),
    "supporter": ("サポーター", "よろず支援拠点"),  # its name, and the center of its request
    "tokyo-body": ("東京都中小企業振興公社", "委託契約"),  # its body, and the contracts menu
}


def test_every_demo_user_lands_on_the_home_page_of_their_role(page, live_server):
    call_command("demo", "--scale", "0.005", stdout=io.StringIO())
    assert set(EXPECTED_HOME) == {row[0] for row in DEMO_USERS}
    for username, *_rest in DEMO_USERS:
        log_in(page, live_server, username, DEMO_PASSWORD)
        title = page.get_by_test_id("home-title").inner_text()
        heading, elsewhere = EXPECTED_HOME[username]
        assert heading in title, f"{username}: {title}"
        # text_content: the menus' entries count, open or closed.
        assert elsewhere in page.locator("body").text_content(), username
        if username == "kanto":
            assert "大阪府よろず支援拠点" not in page.locator("main").inner_text()
        if username == "admin":
            shots = Path(__file__).resolve().parents[1] / "test-artifacts"
            shots.mkdir(exist_ok=True)
            page.screenshot(path=str(shots / "home-admin.png"))
        page.click("text=ログアウト")
        page.wait_for_url("**/accounts/login/**")
