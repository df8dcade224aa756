"""The main menu: grouped, and every entry a role sees opens for that role."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from core.context_processors import NAVIGATION

ROLES = [
    "admin",
    "hq",
    "kanto_officer",
    "tokyo_manager",
    "tokyo_coordinator",
    "tokyo_expert",
    "committee",
    "supporter",
]


def menu_links(html: str) -> list[str]:
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    return re.findall(r'<a href="([^"]+)"', nav)


@pytest.mark.parametrize("name", ROLES)
def test_every_menu_entry_a_role_sees_opens_for_it(client_for, name):
    client = client_for(name)
    links = menu_links(client.get(reverse("home")).content.decode())
    assert links[0] == reverse("home")
    assert len(links) == len(set(links))
    for link in links:
        assert client.get(link, follow=True).status_code == 200, link


def test_the_agency_sees_every_entry_in_groups_and_a_coordinator_fewer(client_for):
    every = [reverse(name) for _label, entries in NAVIGATION for name, _l, _r in entries]
    admin_page = client_for("admin").get(reverse("home")).content.decode()
    assert menu_links(admin_page) == every
    # Five menus (Home is a plain link), not one row of 25 links.
    assert admin_page.count("<details data-nav-menu") == 5

    coordinator = client_for("tokyo_coordinator")
    links = menu_links(coordinator.get(reverse("home")).content.decode())
    assert reverse("accounts:user_list") not in links
    assert reverse("selection:round_list") not in links
    assert reverse("imports:start") in links


def test_a_group_with_one_entry_for_the_role_is_a_plain_link(client_for):
    html = client_for("supporter").get(reverse("home")).content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    # The supporter sees Home and two support pages: one menu, no other groups.
    assert nav.count("<details data-nav-menu") == 1
    assert menu_links(html) == [
        reverse("home"),
        reverse("support:request_list"),
        reverse("support:calendar"),
    ]


def test_the_current_page_and_its_group_are_marked(client_for):
    client = client_for("tokyo_manager")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("consultations:client_list")).content.decode()
    nav = re.search(r'<nav class="main-nav".*?</nav>', html, re.S).group(0)
    assert re.search(r'<details data-nav-menu class="active">\s*<summary>Records</summary>', nav)
    current = re.findall(r'<a href="([^"]+)" aria-current="page"', nav)
    assert current == [reverse("consultations:client_list")]
