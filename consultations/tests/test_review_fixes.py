"""Regressions found in review: identity leaks, scope leaks and crashes on odd input."""

import datetime

import pytest
from django.urls import reverse

from conftest import make_case, make_client, make_person, make_session
from consultations.models import Client, Mode
from organizations.models import Assignment, Role

D = datetime.date


def test_the_history_of_a_case_or_session_shows_the_client_pseudonym_to_other_roles(
    client_for, tokyo
):
    c = make_client(tokyo, "株式会社ひみつ商事")
    case = make_case(c)
    session = make_session(c, D(2025, 5, 1), case=case)
    for name in ("tokyo_expert", "kanto_officer", "hq", "admin"):
        client = client_for(name)
        for url in (case.get_absolute_url(), session.get_absolute_url()):
            page = client.get(url).content.decode()
            assert "ひみつ商事" not in page and c.pseudonym in page, (name, url)
    assert (
        "ひみつ商事"
        in client_for("tokyo_coordinator").get(case.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "consultations:client_create",
        "consultations:case_create",
        "consultations:consultation_create",
        "consultations:quick_entry",
    ],
)
def test_the_agency_administrator_does_not_use_forms_that_show_clients(client_for, url_name):
    assert client_for("admin").get(reverse(url_name)).status_code == 403


@pytest.mark.parametrize("same", ["corporate_number", "name_and_phone"])
def test_a_duplicate_at_another_center_is_not_revealed(client_for, tokyo, osaka, same):
    number = "7000012050002" if same == "corporate_number" else ""
    make_client(tokyo, "株式会社ひみつ商事", phone="0311112222", corporate_number=number)
    data = {
        "home_center": osaka.pk,
        "business_name": "株式会社ひみつ商事" if same != "corporate_number" else "別名",
        "form": "corporation",
        "phone": "03-1111-2222" if same != "corporate_number" else "",
        "corporate_number": number,
    }
    response = client_for("osaka_coordinator").post(reverse("consultations:client_create"), data)

    # Saved as for any new business: nothing tells Osaka that Tokyo knows it.
    assert response.status_code == 302
    assert Client.objects.filter(home_center=osaka).count() == 1


def test_a_duplicate_in_the_users_own_scope_is_shown(client_for, osaka):
    make_client(osaka, "株式会社ひみつ商事", phone="0311112222")
    data = {
        "home_center": osaka.pk,
        "business_name": "株式会社ひみつ商事",
        "form": "corporation",
        "phone": "03-1111-2222",
    }
    response = client_for("osaka_coordinator").post(reverse("consultations:client_create"), data)
    assert response.status_code == 200 and len(response.context["form"].duplicates) == 1
    assert Client.objects.count() == 1


def test_a_serving_center_edits_a_client_without_taking_it_over(client_for, tokyo, osaka):
    c = make_client(tokyo, "共有食品")
    make_session(c, D(2025, 5, 1), center=osaka)
    data = {"home_center": osaka.pk, "business_name": "共有食品株式会社", "form": "corporation"}
    response = client_for("osaka_coordinator").post(
        reverse("consultations:client_update", args=[c.pk]), data
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.home_center == tokyo and c.business_name == "共有食品株式会社"


def test_an_old_session_stays_editable_after_its_coordinator_left(client_for, tokyo):
    former = make_person(tokyo, start=D(2020, 4, 1), end=D(2024, 3, 31))
    c = make_client(tokyo)
    session = make_session(c, D(2023, 5, 1), lead_staff=former)
    data = {
        "center": tokyo.pk,
        "date": "2023-05-01",
        "minutes": 90,
        "mode": Mode.VISIT,
        "client": c.pk,
        "lead_staff": former.pk,
    }
    response = client_for("tokyo_coordinator").post(
        reverse("consultations:consultation_update", args=[session.pk]), data
    )
    assert response.status_code == 302
    session.refresh_from_db()
    assert session.minutes == 90 and session.lead_staff == former


def test_a_center_manager_cannot_change_someone_who_moved_to_another_center(
    client_for, tokyo, osaka
):
    person = make_person(tokyo, start=D(2020, 4, 1), end=D(2023, 3, 31))
    Assignment.objects.create(
        person=person, center=osaka, role=Role.COORDINATOR, start_date=D(2023, 4, 1)
    )
    client = client_for("tokyo_manager")
    assert client.get(person.get_absolute_url()).status_code == 200  # history stays visible
    assert client.get(reverse("organizations:person_update", args=[person.pk])).status_code == 404
    assert person.assignments.filter(center=osaka).exists()


def test_the_edit_form_only_carries_the_assignments_of_the_users_centers(
    client_for, personas, tokyo, osaka
):
    person = make_person(tokyo)
    Assignment.objects.create(
        person=person, center=osaka, role=Role.EXPERT, start_date=D(2025, 4, 1)
    )
    formset = (
        client_for("tokyo_manager")
        .get(reverse("organizations:person_update", args=[person.pk]))
        .context["formset"]
    )
    assert {f.instance.center for f in formset.forms if f.instance.pk} == {tokyo}


def test_the_administrator_creates_an_account(client_for):
    from accounts.models import User

    data = {
        "username": "new-co",
        "password1": "Kumo-2026-yorozu!",
        "password2": "Kumo-2026-yorozu!",
        "role": "hq_staff",
        "is_active": "on",
    }
    response = client_for("admin").post(reverse("accounts:user_create"), data)
    assert response.status_code == 302 and User.objects.get(username="new-co").role == "hq_staff"


@pytest.mark.parametrize(
    "url",
    [
        "/records/indicators/?fy=99999&bureau=abc",
        "/records/indicators/?fy=0",
        "/records/sessions/?fy=10000",
        "/records/cases/?solved_fy=0&fy=-3",
        "/records/clients/?visited_fy=99999",
        "/plans/?fy=999999999999999999999",
        "/plans/dashboard/national/?fy=abc&as_of=2025-13-45",
        "/org/staff/qualifications/?as_of=zzz&center=abc",
    ],
)
def test_odd_query_parameters_never_crash_a_page(client_for, url):
    assert client_for("admin").get(url).status_code == 200


def test_odd_posts_to_plan_actions_are_refused_cleanly(client_for):
    assert (
        client_for("tokyo_manager")
        .post(reverse("planning:plan_create"), {"fiscal_year": "abc"})
        .status_code
        == 404
    )
    assert (
        client_for("hq")
        .post(
            reverse("planning:policy_create") + "?fy=abc", {"text": "x", "indicators": ["visitors"]}
        )
        .status_code
        == 404
    )


def test_the_agency_lists_the_clients_registered_at_several_centers(client_for, tokyo, osaka):
    tokyo_twin = make_client(tokyo, "株式会社ふたご", corporate_number="7000012050002")
    osaka_twin = make_client(osaka, "ふたご（株）", corporate_number="7000012050002")
    make_client(tokyo, "株式会社ひとり", corporate_number="1234567890123")

    response = client_for("admin").get(reverse("consultations:cross_center_duplicates"))

    assert response.status_code == 200
    assert list(response.context["object_list"]) == [tokyo_twin, osaka_twin]
    assert "7000012050002" not in response.content.decode()  # pseudonyms, no identity


@pytest.mark.parametrize("name", ["tokyo_manager", "tokyo_coordinator", "kanto_officer"])
def test_only_national_roles_see_the_clients_at_several_centers(client_for, name):
    response = client_for(name).get(reverse("consultations:cross_center_duplicates"))
    assert response.status_code == 403
