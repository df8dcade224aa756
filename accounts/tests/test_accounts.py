"""Accounts: login, password change, and role/scope assignment by the Agency administrator."""

import io

from django.core.management import call_command
from django.urls import reverse

from accounts.models import User, UserRole
from conftest import PASSWORD
from core.scoping import scope_centers


def test_a_user_logs_in_and_lands_on_the_home_page_of_their_role(client, personas):
    response = client.post(
        reverse("accounts:login"), {"username": "kanto_officer", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    # The bureau's home: its inbox, then its centers (a panel the organizations app adds).
    assert {"home/_inbox.html", "organizations/_home_centers.html"} <= {
        t.name for t in response.templates
    }
    assert "東京都よろず支援拠点" in response.content.decode()
    assert "大阪府よろず支援拠点" not in response.content.decode()


def test_a_wrong_password_is_refused_with_a_message(client, personas):
    response = client.post(reverse("accounts:login"), {"username": "hq", "password": "nope"})
    assert response.status_code == 200 and response.context["form"].errors


def test_logout_ends_the_session(client_for):
    client = client_for("hq")
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("home")).status_code == 302


def test_a_user_changes_their_password(client_for, personas):
    client = client_for("tokyo_coordinator")
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Sakura-2026-yorozu",
            "new_password2": "Sakura-2026-yorozu",
        },
    )
    assert response.status_code == 302
    personas["tokyo_coordinator"].refresh_from_db()
    assert personas["tokyo_coordinator"].check_password("Sakura-2026-yorozu")


def test_only_the_agency_administrator_assigns_roles(client_for, personas, osaka):
    target = personas["tokyo_coordinator"]
    url = reverse("accounts:user_update", args=[target.pk])
    data = {
        "username": target.username,
        "role": UserRole.CENTER_MANAGER,
        "center": osaka.pk,
        "is_active": "on",
    }

    assert client_for("hq").post(url, data).status_code == 404
    assert (
        len(client_for("tokyo_manager").get(reverse("accounts:user_list")).context["object_list"])
        == 0
    )

    assert client_for("admin").post(url, data).status_code == 302
    target.refresh_from_db()
    assert (target.role, target.center) == (UserRole.CENTER_MANAGER, osaka)
    assert target.history.first().history_user == personas["admin"]


def test_a_role_without_its_scope_is_refused(client_for, personas):
    target = personas["tokyo_coordinator"]
    url = reverse("accounts:user_update", args=[target.pk])
    response = client_for("admin").post(
        url, {"username": target.username, "role": UserRole.BUREAU_OFFICER}
    )
    assert response.status_code == 200
    assert "bureau" in response.context["form"].errors


def test_each_role_sees_the_centers_of_its_scope(personas, tokyo, osaka):
    def codes(name):
        return set(scope_centers(personas[name]).values_list("code", flat=True))

    assert len(codes("admin")) == len(codes("hq")) == 47
    assert len(codes("kanto_officer")) == 11 and "13" in codes("kanto_officer")
    assert codes("tokyo_manager") == codes("tokyo_coordinator") == codes("tokyo_expert") == {"13"}
    assert codes("committee") == set()


def test_the_demo_builds_about_a_thousand_staff_and_one_user_per_role(db):
    call_command("demo", "--scale", "0.005", stdout=io.StringIO())
    from organizations.models import Person

    assert 900 <= Person.objects.count() <= 1200
    roles = set(User.objects.values_list("role", flat=True))
    assert roles == set(UserRole.values)
    assert (
        User.objects.filter(role=UserRole.CENTER_MANAGER).values("center").distinct().count() >= 2
    )
    assert (
        User.objects.filter(role=UserRole.BUREAU_OFFICER).values("bureau").distinct().count() >= 2
    )

    call_command("demo", stdout=io.StringIO())  # a second run skips what is done
    assert 900 <= Person.objects.count() <= 1200
    from support import demo as support_demo

    # One per role and three more, HQ's other project managers and supporters, and the
    # four other members of the demo review committees.
    hq_accounts = len(support_demo.PROJECT_MANAGERS) + len(support_demo.EXTRA_SUPPORTERS)
    assert User.objects.count() == len(UserRole.values) + 3 + hq_accounts + 4
