"""Who may see a client is kept in one table (ClientCenter), equal to the records.

A client belongs to its registering center and to every center that served it. The
lists read that from ``ClientCenter`` (kept by ``consultations.summaries``), so every
write that changes it must keep it: a session at a second center, its deletion, a
move to another registering center, the importer, the deletion of a client.
"""

import datetime

import pytest
from django.urls import reverse

from conftest import make_client, make_session
from consultations import summaries
from consultations.models import Client, ClientCenter, Consultation
from core.imports import run_import
from core.tabular import read_table

DAY = datetime.date(2025, 6, 2)


def visible(user, client) -> bool:
    return Client.objects.for_user(user).filter(pk=client.pk).exists()


def test_a_client_becomes_visible_to_a_center_that_serves_it_and_stops_when_the_session_goes(
    personas, tokyo, osaka
):
    client = make_client(tokyo)
    assert visible(personas["tokyo_coordinator"], client)
    assert not visible(personas["osaka_coordinator"], client)

    session = make_session(client, DAY, center=osaka)
    assert visible(personas["osaka_coordinator"], client)
    assert not visible(personas["kanto_officer"], make_client(osaka))

    session.delete()
    assert not visible(personas["osaka_coordinator"], client)
    assert visible(personas["tokyo_coordinator"], client)
    assert summaries.differences() == (set(), set())


def test_moving_a_session_to_another_center_moves_who_sees_its_client(personas, tokyo, osaka):
    client = make_client(tokyo)
    session = make_session(client, DAY, center=osaka)
    session.center = tokyo
    session.save()
    assert not visible(personas["osaka_coordinator"], client)


def test_a_client_moved_to_another_registering_center_leaves_the_old_one_unless_served_there(
    personas, tokyo, osaka
):
    stays, leaves = make_client(tokyo), make_client(tokyo)
    make_session(stays, DAY)
    for client in (stays, leaves):
        client.home_center = osaka
        client.save()
    assert visible(personas["tokyo_coordinator"], stays)  # Tokyo served it
    assert not visible(personas["tokyo_coordinator"], leaves)
    assert visible(personas["osaka_coordinator"], leaves)
    assert summaries.differences() == (set(), set())


def test_a_deleted_client_leaves_no_row_behind(tokyo, osaka):
    client = make_client(tokyo)
    make_session(client, DAY, center=osaka).delete()
    pk = client.pk
    client.delete()
    assert not ClientCenter.objects.filter(client_id=pk).exists()


def test_imported_clients_and_sessions_are_in_their_centers_scope(personas, tokyo, osaka):
    clients = (
        "相談者ID,拠点,事業者名,法人番号,形態,業種,従業員数,資本金,都道府県,市区町村,電話,メール,調査同意\n"
        "IMP-1,13,株式会社取込,,法人,E,,,東京都,,,,無\n"
    )
    assert run_import("clients", read_table(clients.encode(), "c.csv"), user=personas["admin"]).ok
    imported = Client.objects.get(external_id="IMP-1")
    assert visible(personas["tokyo_coordinator"], imported)
    sessions = (
        "対応ID,拠点,相談者ID,課題ID,対応日,開始時刻,時間(分),対応方法,担当者,概要\n"
        "S-1,27,IMP-1,,2025-06-02,10:00,30,電話,,大阪での相談\n"
    )
    # Osaka does not serve Tokyo's IMP-1 yet: the import does not hand it to Osaka.
    refused = run_import("sessions", read_table(sessions.encode(), "s.csv"), user=personas["admin"])
    assert [(p.row, p.column) for p in refused.problems] == [(2, "相談者ID")]
    assert not visible(personas["osaka_coordinator"], imported)
    # Once Osaka serves it (a session recorded with the client chosen), imports find it.
    make_session(imported, datetime.date(2025, 6, 1), center=osaka)
    result = run_import("sessions", read_table(sessions.encode(), "s.csv"), user=personas["admin"])
    assert result.ok, result.problems
    assert visible(personas["osaka_coordinator"], imported)
    assert summaries.differences() == (set(), set())


def test_the_check_finds_a_client_center_row_that_went_missing(tokyo):
    client = make_client(tokyo)
    ClientCenter.objects.filter(client_id=client.pk).delete()
    _stored_only, recounted_only = summaries.differences()
    assert ("center", client.pk, tokyo.pk) in recounted_only


@pytest.mark.django_db
def test_a_long_list_counts_to_the_cap_and_says_there_are_more(settings, client_for, tokyo):
    settings.LIST_COUNT_CAP = 3
    person = make_client(tokyo)
    for day in range(5):
        make_session(person, DAY + datetime.timedelta(days=day))
    response = client_for("tokyo_manager").get(reverse("consultations:consultation_list"))
    assert response.context["paginator"].capped
    assert response.context["paginator"].count == 3
    assert "3件以上あります" in response.content.decode()
    narrowed = client_for("tokyo_manager").get(
        reverse("consultations:consultation_list") + f"?date_from={DAY}&date_to={DAY}"
    )
    assert not narrowed.context["paginator"].capped
    assert narrowed.context["paginator"].count == 1


def test_the_clients_list_shows_sessions_counted_at_the_viewers_centers_only(
    client_for, tokyo, osaka
):
    person = make_client(tokyo)
    make_session(person, DAY)
    make_session(person, DAY + datetime.timedelta(days=1), center=osaka)
    response = client_for("osaka_coordinator").get(reverse("consultations:client_list"))
    (row,) = [c for c in response.context["object_list"] if c.pk == person.pk]
    assert (row.session_count, row.last_seen) == (1, DAY + datetime.timedelta(days=1))


def test_a_page_read_by_key_holds_the_rows_of_the_lists_order_and_scope(
    settings, client_for, tokyo, osaka
):
    """Pages are read as keys first, then the rows by key (core.pagination): each page
    holds exactly the rows, in the list's order, that slicing the list would give."""
    from core.pagination import CappedPaginator

    settings.LIST_COUNT_CAP = 1000
    clients = [make_client(tokyo) for _ in range(7)]
    for number, person in enumerate(clients):
        make_session(person, DAY + datetime.timedelta(days=number % 3))
        make_session(make_client(osaka), DAY)  # out of the Tokyo coordinator's scope
    response = client_for("tokyo_coordinator").get(reverse("consultations:consultation_list"))
    shown = list(response.context["object_list"])
    expected = list(
        Consultation.objects.filter(center=tokyo).order_by("-date", "-start_time", "-id")
    )
    paginated = CappedPaginator(
        Consultation.objects.filter(center=tokyo)
        .select_related("client")
        .order_by("-date", "-start_time", "-id"),
        3,
    )
    by_page = [row for number in (1, 2, 3) for row in paginated.page(number).object_list]
    assert by_page == expected and len(by_page) == 7
    assert all("client" in row._state.fields_cache for row in by_page)  # select_related kept
    assert shown == expected
