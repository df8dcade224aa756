"""The access and export log: who saw a client's identity, who exported or downloaded
what (filter, row count), append-only, scoped by center, and expired after retention."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from conftest import make_client, make_session
from core.models import AccessKind, AccessLogEntry


def streamed(response) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def log_entry(user, *, days_ago=0, **fields):
    return AccessLogEntry.objects.create(
        at=timezone.now() - datetime.timedelta(days=days_ago),
        user=user,
        username=user.username,
        role=user.role,
        center=user.center,
        kind=fields.pop("kind", AccessKind.EXPORT),
        path="/records/clients/",
        **fields,
    )


def test_viewing_a_clients_page_adds_exactly_one_entry(client_for, personas, tokyo):
    # Given a Tokyo client and its coordinator
    person = make_client(tokyo, "株式会社見られる")
    client = client_for("tokyo_coordinator")

    # When the coordinator opens the client's page
    response = client.get(person.get_absolute_url())

    # Then one entry says who saw which client, from which center
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.user == personas["tokyo_coordinator"]
    assert entry.kind == AccessKind.IDENTITY and entry.identity
    assert (entry.object_type, entry.object_id) == ("consultations.Client", str(person.pk))
    assert entry.center == tokyo
    # The log does not spread the identity: the Agency reads it, and may not see names.
    assert entry.what == person.pseudonym and "見られる" not in entry.what


def test_a_page_without_identity_adds_no_identity_entry(client_for, tokyo):
    person = make_client(tokyo)
    make_session(person, datetime.date(2025, 5, 1))
    client = client_for("admin")  # the Agency sees pseudonyms only

    assert client.get(person.get_absolute_url()).status_code == 200
    assert client.get(reverse("consultations:client_list")).status_code == 200

    assert not AccessLogEntry.objects.exists()


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_exporting_a_list_adds_exactly_one_entry_with_filter_and_row_count(
    client_for, personas, tokyo, kind
):
    # Given three Tokyo clients, two of which match the filter
    for name in ("株式会社山田", "山田商店", "佐藤工業"):
        make_client(tokyo, name)
    client = client_for("tokyo_coordinator")

    # When the coordinator exports the filtered list (and the download completes)
    response = client.get(reverse("consultations:client_list"), {"q": "山田", "export": kind})
    if kind == "csv":
        assert "株式会社山田" in streamed(response)
    assert response.status_code == 200

    # Then one entry records who, what, the filter and the rows sent
    entry = AccessLogEntry.objects.get()
    assert entry.user == personas["tokyo_coordinator"] and entry.center == tokyo
    assert entry.kind == AccessKind.EXPORT and entry.identity
    assert entry.view_name == "consultations:client_list"
    assert entry.what.startswith("clients-") and entry.what.endswith(f".{kind}")
    assert entry.filters == "q=%E5%B1%B1%E7%94%B0"  # q=山田, without export=
    assert entry.rows == 2


def test_a_streamed_export_is_recorded_when_the_stream_ends(client_for, tokyo):
    make_client(tokyo)
    response = client_for("tokyo_coordinator").get(
        reverse("consultations:client_list"), {"export": "csv"}
    )
    assert not AccessLogEntry.objects.exists()  # nothing sent yet
    streamed(response)
    assert AccessLogEntry.objects.get().rows == 1


def test_a_national_export_is_logged_without_identity(client_for, personas, tokyo):
    make_session(make_client(tokyo), datetime.date(2025, 5, 1))
    response = client_for("admin").get(
        reverse("consultations:consultation_list"), {"export": "xlsx"}
    )
    assert response.status_code == 200
    entry = AccessLogEntry.objects.get()
    assert entry.user == personas["admin"] and entry.center is None
    assert not entry.identity and entry.rows == 1


def test_a_list_showing_identity_records_the_rows_shown(client_for, tokyo):
    for _ in range(3):
        make_client(tokyo)
    client = client_for("tokyo_manager")

    assert client.get(reverse("consultations:client_list")).status_code == 200

    entry = AccessLogEntry.objects.get()
    assert entry.kind == AccessKind.IDENTITY and entry.rows == 3
    assert entry.view_name == "consultations:client_list"


def test_a_center_manager_reads_only_their_centers_log(client_for, personas, tokyo, osaka):
    mine = log_entry(personas["tokyo_coordinator"], what="tokyo-file.csv")
    theirs = log_entry(personas["osaka_coordinator"], what="osaka-file.csv")
    client = client_for("tokyo_manager")

    html = client.get(reverse("core:access_log")).content.decode()

    assert mine.get_absolute_url() in html and "tokyo-file.csv" in html
    assert theirs.get_absolute_url() not in html and "osaka-file.csv" not in html
    assert client.get(theirs.get_absolute_url()).status_code == 404
    assert client.get(mine.get_absolute_url()).status_code == 200


def test_the_agency_searches_and_exports_the_whole_log(client_for, personas):
    log_entry(personas["tokyo_coordinator"], what="tokyo-file.csv")
    log_entry(personas["osaka_coordinator"], what="osaka-file.csv")
    client = client_for("admin")

    html = client.get(reverse("core:access_log"), {"q": "osaka"}).content.decode()
    assert "osaka-file.csv" in html and "tokyo-file.csv" not in html

    exported = streamed(client.get(reverse("core:access_log"), {"export": "csv"}))
    assert "tokyo-file.csv" in exported and "osaka-file.csv" in exported
    assert AccessLogEntry.objects.filter(user=personas["admin"], rows=2).count() == 1


@pytest.mark.parametrize("name", ["tokyo_coordinator", "kanto_officer", "tokyo_expert"])
def test_other_roles_do_not_read_the_log(client_for, name):
    assert client_for(name).get(reverse("core:access_log")).status_code == 403


def test_entries_are_neither_changed_nor_deleted(personas):
    entry = log_entry(personas["tokyo_coordinator"], what="a.csv")
    entry.what = "b.csv"
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()
    with pytest.raises(ValidationError):
        AccessLogEntry.objects.update(what="c.csv")
    with pytest.raises(ValidationError):
        AccessLogEntry.objects.all().delete()
    assert AccessLogEntry.objects.get().what == "a.csv"


def test_the_admin_may_only_view_entries(rf, personas):
    from django.contrib import admin

    model_admin = admin.site._registry[AccessLogEntry]
    request = rf.get("/")
    request.user = personas["admin"]
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)


def test_retention_deletes_only_entries_older_than_the_setting(settings, personas):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    user = personas["tokyo_coordinator"]
    old = log_entry(user, days_ago=31, what="old.csv")
    recent = log_entry(user, days_ago=29, what="recent.csv")

    out = io.StringIO()
    call_command("expire_access_log", "--dry-run", stdout=out)
    assert AccessLogEntry.objects.count() == 2
    assert "1 entries" in out.getvalue()

    call_command("expire_access_log", stdout=out)
    assert list(AccessLogEntry.objects.all()) == [recent]
    assert not AccessLogEntry.objects.filter(pk=old.pk).exists()


def test_retention_defaults_to_five_years():
    from django.conf import settings

    assert settings.ACCESS_LOG_RETENTION_DAYS == 1826
