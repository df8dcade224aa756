"""Priority-field drill-down: each priority figure on the demo's dashboards opens the list of
the records it counts, and that list counts the same number (the same indicator)."""

import datetime
import html
import random
import re

import pytest
from django.urls import reverse

from accounts import demo as accounts_demo
from accounts.models import User
from consultations import demo as records_demo
from consultations.indicators import by_code, compute
from core.fiscal import Period
from organizations import demo as staff_demo
from organizations import demo_institutions
from organizations.models import Center
from planning import demo as plans_demo

FIGURE = re.compile(r'<a href="([^"]*)" data-testid="figure-(priority:[^"]+)">([\d,]+)</a>')
COUNT = re.compile(r'data-testid="result-count">([^<]*)<')


def quiet(message):
    pass


@pytest.fixture
def demo(db):
    rng = random.Random(7)
    staff_demo.build(rng, quiet)
    demo_institutions.build(rng, quiet)
    records_demo.build(rng, quiet, scale=0.002)
    accounts_demo.build(rng, quiet)
    plans_demo.build(rng, quiet)


def figures(client, url):
    page = client.get(url)
    assert page.status_code == 200, url
    found = FIGURE.findall(page.content.decode())
    return [(html.unescape(link), code, int(value.replace(",", ""))) for link, code, value in found]


def listed(client, link) -> int:
    page = client.get(link)
    assert page.status_code == 200, link
    text = page.content.decode()
    assert 'data-testid="counted-note"' in text
    [count] = COUNT.findall(text)
    return int(re.sub(r"\D", "", count))


@pytest.mark.parametrize(
    "username,page",
    [
        ("tokyo-cc", lambda: reverse("planning:center_dashboard", args=[center("13").pk])),
        ("osaka-co", lambda: reverse("planning:center_dashboard", args=[center("27").pk])),
        (
            "kanto",
            lambda: reverse("planning:bureau_dashboard", args=[center("13").prefecture.bureau_id]),
        ),
        ("admin", lambda: reverse("planning:national_dashboard")),
    ],
    ids=["center", "another center", "bureau", "nation"],
)
def test_each_priority_figure_opens_a_list_of_the_same_number(client, demo, username, page):
    client.force_login(User.objects.get(username=username))
    shown = figures(client, page())
    assert len(shown) >= 2, "the demo plans name two priority fields per center"
    metrics = {code.rsplit(":", 1)[1] for _link, code, _value in shown}
    if username == "admin":  # the nation's table has every metric the plans use
        assert metrics == {"sessions", "clients", "solved_cases"}
    if username in ("admin", "kanto"):  # many centers: rows to count (one center may have none)
        assert any(value for _link, _code, value in shown)
    for link, code, value in shown:
        assert listed(client, link) == value, (code, link)


def center(code):
    return Center.objects.get(code=code)


def test_the_drill_down_keeps_to_the_users_scope(client, demo):
    """A center's staff opening a nation-wide link sees their own center's rows only."""
    client.force_login(User.objects.get(username="admin"))
    link, code, national = figures(client, reverse("planning:national_dashboard"))[0]
    client.force_login(User.objects.get(username="tokyo-cc"))
    query = dict(part.split("=", 1) for part in link.split("?", 1)[1].split("&"))
    period = Period.between(
        datetime.date.fromisoformat(query["counted_from"]),
        datetime.date.fromisoformat(query["counted_to"]),
    )
    tokyo = compute([by_code(code)], period=period, centers=Center.objects.filter(code="13"))
    assert listed(client, link) == tokyo[code] < national
