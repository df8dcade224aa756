"""The API's promises: token lifecycle, bulk writes as the importer, the indicators as the
command, incremental sync, the audit trail with the token's name."""

import csv
import datetime
import hashlib
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from accounts.models import SecurityEvent, SecurityEventKind, SecurityPolicy
from api import tokens
from api.models import ApiToken
from conftest import make_client, make_person, make_session
from consultations.models import Client, Consultation
from core import roles


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def issue(user, name="会計システム", days=30):
    return tokens.issue(
        user=user, name=name, expires_on=timezone.localdate() + datetime.timedelta(days=days)
    )


# --- Tokens ------------------------------------------------------------------------------


def test_a_token_is_created_on_the_tokens_page_shown_once_and_stored_hashed(client, personas):
    client.force_login(personas["tokyo_coordinator"])
    day = (timezone.localdate() + datetime.timedelta(days=60)).isoformat()
    page = client.post(reverse("api_pages:tokens"), {"name": "案件管理", "expires_on": day})
    secret = page.context["secret"]
    assert secret.startswith("yzk_") and secret in page.content.decode()
    token = ApiToken.objects.get()
    assert token.name == "案件管理" and token.user == personas["tokyo_coordinator"]
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in str(ApiToken.objects.values().get())
    # Shown once: the list afterwards has its name and first characters only.
    again = client.get(reverse("api_pages:tokens")).content.decode()
    assert "案件管理" in again and secret not in again
    client.logout()
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 200
    event = SecurityEvent.objects.get()
    assert (event.kind, event.detail) == (SecurityEventKind.API_TOKEN_CREATED, "案件管理")


def test_a_revoked_token_gets_401(client, personas):
    token, secret = issue(personas["tokyo_coordinator"])
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 200
    client.force_login(personas["tokyo_coordinator"])
    client.post(reverse("api_pages:token_revoke", args=[token.pk]))
    client.logout()
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 401
    assert SecurityEvent.objects.get().kind == SecurityEventKind.API_TOKEN_REVOKED


def test_nobody_revokes_another_users_token(client, personas):
    token, secret = issue(personas["tokyo_coordinator"])
    client.force_login(personas["admin"])
    assert client.post(reverse("api_pages:token_revoke", args=[token.pk])).status_code == 404
    client.logout()
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 200


def test_an_expired_token_gets_401(client, personas):
    token, secret = issue(personas["tokyo_coordinator"])
    ApiToken.objects.filter(pk=token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 401


def test_a_token_of_a_deactivated_user_gets_401(client, personas):
    user = personas["tokyo_coordinator"]
    _token, secret = issue(user)
    user.is_active = False
    user.save()
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 401


def test_a_token_of_a_role_the_agency_has_not_allowed_is_refused(client, personas):
    _token, secret = issue(personas["tokyo_coordinator"])
    policy = SecurityPolicy.current()
    policy.api_roles = [roles.AGENCY_ADMIN]
    policy.save()
    assert client.get(reverse("api:center-list"), **bearer(secret)).status_code == 403
    client.force_login(personas["tokyo_coordinator"])
    page = client.get(reverse("api_pages:tokens"))
    assert page.context["allowed"] is False
    day = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    assert (
        client.post(reverse("api_pages:tokens"), {"name": "x", "expires_on": day}).status_code
        == 404
    )


def test_a_token_longer_than_a_year_is_refused_on_the_page(client, personas):
    client.force_login(personas["tokyo_coordinator"])
    day = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    page = client.post(reverse("api_pages:tokens"), {"name": "x", "expires_on": day})
    assert page.context["form"].errors and not ApiToken.objects.exists()


# --- Bulk write of sessions ----------------------------------------------------------------


@pytest.fixture
def tokyo_sources(tokyo):
    """A Tokyo client with a source ID and a staff member: what sessions refer to."""
    person = make_person(tokyo, code="TK-API")
    client = make_client(tokyo, external_id="C-1")
    return client, person


def sessions_payload(count):
    start = datetime.date(2025, 4, 1)
    return [
        {
            "external_id": f"S-{n}",
            "center": "13",
            "client": "C-1",
            "date": (start + datetime.timedelta(days=n % 300)).isoformat(),
            "start_time": "10:00",
            "minutes": 60,
            "mode": "visit",
            "staff": ["TK-API"],
            "summary": f"相談 {n}",
        }
        for n in range(count)
    ]


def post(client, url, payload, secret):
    return client.post(url, payload, content_type="application/json", **bearer(secret))


def test_a_bulk_write_is_all_or_nothing_reported_by_index_and_field_and_idempotent(
    client, personas, tokyo, tokyo_sources
):
    _token, secret = issue(personas["tokyo_coordinator"], name="拠点の相談記録")
    url = reverse("api:session-list")
    items = sessions_payload(1000)
    broken = [dict(item) for item in items]
    broken[10]["date"] = "2025-13-45"
    broken[500]["client"] = "NO-SUCH-CLIENT"
    broken[999]["mode"] = "telepathy"

    response = post(client, url, broken, secret)
    assert response.status_code == 400
    found = {(e["index"], e["field"]) for e in response.json()["errors"]}
    assert found == {(10, "date"), (500, "client"), (999, "mode")}
    assert Consultation.objects.count() == 0

    response = post(client, url, items, secret)
    assert response.status_code == 200, response.json()
    assert response.json()["created"] == 1000
    assert Consultation.objects.filter(center=tokyo).count() == 1000
    history = Consultation.history.filter(external_id="S-1").get()
    assert history.history_change_reason == "API: 拠点の相談記録"
    assert history.history_user == personas["tokyo_coordinator"]

    response = post(client, url, items, secret)
    assert response.json() == {"created": 0, "updated": 0, "unchanged": 1000, "warnings": []}
    assert Consultation.objects.count() == 1000
    assert Consultation.history.count() == 1000


def test_written_sessions_count_in_the_indicators_as_imported_ones(
    client, personas, tokyo, tokyo_sources
):
    _token, secret = issue(personas["tokyo_coordinator"])
    post(client, reverse("api:session-list"), sessions_payload(5), secret)
    call_command("indicator_summaries", "--check")  # raises when the summaries differ
    table = client.get(reverse("api:indicators"), {"fy": 2025}, **bearer(secret)).json()
    assert table["rows"][0]["values"]["consultations"] == 5


def test_one_client_written_alone_is_checked_for_duplicates_like_the_import(
    client, personas, tokyo
):
    existing = make_client(tokyo, name="株式会社山田商店", phone="03-1111-2222")
    _token, secret = issue(personas["tokyo_coordinator"])
    item = {
        "external_id": "C-9",
        "center": "13",
        "business_name": "山田商店",
        "form": "corporation",
        "phone": "0311112222",
    }
    response = post(client, reverse("api:client-list"), item, secret)
    assert response.status_code == 200
    assert response.json()["created"] == 1
    (warning,) = response.json()["warnings"]
    assert warning["index"] == 0
    assert Client.objects.filter(external_id="C-9").exists() and existing.pk


def test_an_outsider_cannot_write_into_another_center(client, personas, tokyo, tokyo_sources):
    _token, secret = issue(personas["osaka_coordinator"])
    response = post(client, reverse("api:session-list"), sessions_payload(1), secret)
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} & {"center", "client"}
    assert not Consultation.objects.exists()


# --- Indicators ------------------------------------------------------------------------------


@pytest.mark.parametrize("bureau", [None, "kanto"])
def test_the_indicators_endpoint_equals_the_command(
    client, personas, tokyo, kanagawa, osaka, bureau
):
    for center, days in ((tokyo, 3), (kanagawa, 2), (osaka, 4)):
        someone = make_client(center)
        for n in range(days):
            make_session(someone, datetime.date(2025, 5, 1 + n))
    out = io.StringIO()
    call_command("indicators", fy=2025, stdout=out, **({"bureau": bureau} if bureau else {}))
    command = list(csv.DictReader(io.StringIO(out.getvalue())))
    _token, secret = issue(personas["admin"])
    query = {"fy": 2025, **({"bureau": bureau} if bureau else {})}
    table = client.get(reverse("api:indicators"), query, **bearer(secret)).json()
    assert len(table["rows"]) == len(command)
    for line, row in zip(command, table["rows"], strict=True):
        name = line.pop("center")
        assert name == (row["center_name"] if row["center"] else "total")
        assert {k: int(v) for k, v in line.items()} == row["values"]


# --- Incremental sync ----------------------------------------------------------------------


def test_updated_since_and_if_modified_since_return_the_records_written_since(
    client, personas, tokyo
):
    old = make_client(tokyo)
    Client.objects.filter(pk=old.pk).update(updated_at=timezone.now() - datetime.timedelta(days=3))
    new = make_client(tokyo)
    _token, secret = issue(personas["tokyo_coordinator"])
    since = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    url = reverse("api:client-list")
    ids = {
        r["id"]
        for r in client.get(url, {"updated_since": since}, **bearer(secret)).json()["results"]
    }
    assert ids == {new.pk}
    header = (timezone.now() - datetime.timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    response = client.get(url, HTTP_IF_MODIFIED_SINCE=header, **bearer(secret))
    assert {r["id"] for r in response.json()["results"]} == {new.pk}
    assert client.get(url, {"updated_since": "yesterday"}, **bearer(secret)).status_code == 400


def test_lists_are_paged_by_cursor(client, personas, tokyo):
    made = [make_client(tokyo).pk for _ in range(5)]
    _token, secret = issue(personas["tokyo_coordinator"])
    seen, url, query = [], reverse("api:client-list"), {"page_size": 2}
    while url:
        page = client.get(url, query, **bearer(secret)).json()
        seen += [r["id"] for r in page["results"]]
        url, query = page["next"], {}
    assert seen == sorted(made)


# --- Throttling, access log, docs ------------------------------------------------------------


def test_each_token_is_throttled_on_its_own(client, personas, settings):
    from rest_framework.throttling import SimpleRateThrottle

    rates = {**SimpleRateThrottle.THROTTLE_RATES, "token": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    original = SimpleRateThrottle.THROTTLE_RATES
    SimpleRateThrottle.THROTTLE_RATES = rates  # read once, when DRF's settings load
    try:
        _first, secret = issue(personas["tokyo_coordinator"], name="一")
        _second, other = issue(personas["tokyo_coordinator"], name="二")
        url = reverse("api:center-list")
        answers = [client.get(url, **bearer(secret)).status_code for _ in range(3)]
        assert answers == [200, 200, 429]
        assert client.get(url, **bearer(other)).status_code == 200
    finally:
        SimpleRateThrottle.THROTTLE_RATES = original


def test_client_identity_read_through_the_api_is_in_the_access_log(client, personas, tokyo):
    from core.models import AccessLogEntry

    someone = make_client(tokyo)
    _token, secret = issue(personas["tokyo_coordinator"])
    client.get(reverse("api:client-detail", args=[someone.pk]), **bearer(secret))
    entry = AccessLogEntry.objects.get()
    assert entry.identity and entry.user == personas["tokyo_coordinator"]
    assert entry.object_id == str(someone.pk) and entry.what == someone.pseudonym
    # Masked for the bureau: nothing of who the client is was shown, nothing recorded.
    _token, officer = issue(personas["kanto_officer"])
    client.get(reverse("api:client-detail", args=[someone.pk]), **bearer(officer))
    assert AccessLogEntry.objects.count() == 1


def test_the_docs_page_loads_the_vendored_swagger_ui_and_the_schema(client, personas):
    client.force_login(personas["tokyo_coordinator"])
    page = client.get(reverse("api_pages:docs")).content.decode()
    assert "vendor/swagger-ui/swagger-ui-bundle.js" in page and "//cdn" not in page
    schema = client.get(reverse("api:schema"), {"format": "json"})
    assert schema.status_code == 200 and "/api/v1/sessions/" in schema.json()["paths"]


@pytest.mark.parametrize("name", ["api:session-list", "api:case-list", "api:client-list"])
def test_a_list_costs_the_same_queries_for_3_records_as_for_30(client, personas, tokyo, name):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from conftest import make_case

    _token, secret = issue(personas["tokyo_coordinator"])
    person = make_person(tokyo)

    def add(count):
        for _ in range(count):
            someone = make_client(tokyo)
            case = make_case(someone, topics=["創業"])
            make_session(someone, datetime.date(2025, 5, 1), case=case, lead_staff=person)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse(name), **bearer(secret)).status_code == 200
        return len(captured)

    add(3)
    queries()  # the token's first use is written once (its last use), not counted here
    few = queries()
    add(27)
    assert queries() == few
