"""The API's pages in the browser: a token created and shown once, the Swagger UI docs
drawn from the vendored assets under the strict Content-Security-Policy."""

import pytest
from django.urls import reverse

from conftest import PASSWORD, make_user
from core import roles
from organizations.models import Center
from tests_browser.conftest import log_in
from tests_browser.test_csp import refusals

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_coordinator_creates_a_token_and_reads_the_docs(page, live_server):
    make_user("co", roles.COORDINATOR, center=Center.objects.get(code="13"))
    refused = refusals(page)
    log_in(page, live_server, "co", PASSWORD)

    page.goto(live_server.url + reverse("api_pages:tokens"))
    page.fill("input[name=name]", "案件管理システム")
    page.click("button[type=submit].primary")
    secret = page.locator("[data-testid=token-secret]").inner_text()
    assert secret.startswith("yzk_")
    page.goto(live_server.url + reverse("api_pages:tokens"))
    assert "案件管理システム" in page.content() and secret not in page.content()

    page.goto(live_server.url + reverse("api_pages:docs"))
    page.locator(".swagger-ui .opblock-summary-path >> text=/api/v1/sessions/").first.wait_for()
    assert refused == []
