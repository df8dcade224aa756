"""Playwright driving Debian's chromium against the live test server.

Browser tests are skipped when no chromium is installed, unless
YOROZU_REQUIRE_BROWSER=1 (as in CI), where a missing browser is a failure.
"""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls the
# tests make between page actions are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def master_data(transactional_db):
    """Browser tests run outside a rolled-back transaction, so the tables are
    flushed after each one: load the master data again (it is idempotent)."""
    from django.apps import apps

    from consultations import master_data as taxonomies
    from evaluation import master_data as checklists
    from liaison import master_data as national_institutions
    from organizations import master_data
    from support import master_data as findings

    master_data.load(apps)
    taxonomies.load(apps)
    checklists.load(apps)
    findings.load(apps)
    national_institutions.load(apps)


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("YOROZU_REQUIRE_BROWSER") == "1":
            pytest.fail(f"chromium not found at {CHROMIUM}")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def log_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit].primary")
    page.wait_for_load_state("domcontentloaded")
