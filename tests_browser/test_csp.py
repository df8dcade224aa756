"""The pages work under the strict Content-Security-Policy: charts are drawn (also the
one htmx loads), selects submit their form, and the browser refuses nothing."""

import datetime

import pytest
from django.urls import reverse

from conftest import PASSWORD, make_client, make_plan, make_session, make_user
from organizations.models import Center
from tests_browser.conftest import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def refusals(page) -> list[str]:
    """Console errors of the Content-Security-Policy, collected as the pages load."""
    found = []
    page.on(
        "console",
        lambda message: (
            found.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    return found


def has_chart(page, selector) -> bool:
    page.wait_for_function("Boolean(window.Chart)")
    return page.evaluate("s => Boolean(window.Chart.getChart(document.querySelector(s)))", selector)


def test_charts_are_drawn_and_nothing_is_refused(page, live_server):
    tokyo = Center.objects.get(code="13")
    plan = make_plan(tokyo)
    year = plan.fiscal_year.year
    make_session(make_client(tokyo), datetime.date(year, 5, 1))
    make_user("agency", "agency_admin")
    refused = refusals(page)
    log_in(page, live_server, "agency", PASSWORD)

    page.goto(live_server.url + reverse("planning:center_dashboard", args=[tokyo.pk]))
    assert page.evaluate("() => document.contentType") == "text/html"
    assert has_chart(page, "#monthly-chart")

    # The national trend arrives by htmx after the page: its chart is drawn too.
    page.goto(live_server.url + reverse("planning:national_dashboard") + f"?fy={year}")
    page.locator("#trend-chart").wait_for()
    page.wait_for_function("Boolean(window.Chart.getChart(document.querySelector('#trend-chart')))")

    # A select that submits its form on change (no onchange= attribute any more).
    page.select_option("#lang-select", "en")
    page.wait_for_function("document.documentElement.lang === 'en'")
    assert refused == []
