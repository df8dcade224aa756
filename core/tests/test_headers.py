"""Response headers: nothing a logged-in user sees is cached, and the browser is told
to refuse framing, sniffing, cross-site referrers and unused device features."""

import datetime

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.views.decorators.cache import never_cache

from conftest import make_client, make_session
from core.middleware import NoStoreForUsersMiddleware


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part}


def test_a_logged_in_page_is_neither_stored_nor_shared(client_for):
    response = client_for("tokyo_coordinator").get(reverse("consultations:client_list"))
    assert response.status_code == 200
    assert {"no-store", "private"} <= cache_control(response)


def test_exports_are_neither_stored_nor_shared(client_for, tokyo):
    make_session(make_client(tokyo), datetime.date(2025, 5, 1), summary="相談")
    client = client_for("tokyo_coordinator")
    for export in ("csv", "xlsx"):
        response = client.get(reverse("consultations:consultation_list") + f"?export={export}")
        assert response.status_code == 200, export
        assert {"no-store", "private"} <= cache_control(response), export


def test_a_views_own_cache_control_is_kept(personas):
    request = RequestFactory().get("/")
    request.user = personas["tokyo_coordinator"]
    response = NoStoreForUsersMiddleware(never_cache(lambda r: HttpResponse("x")))(request)
    assert "no-cache" in cache_control(response) and "must-revalidate" in cache_control(response)


def test_a_response_to_an_anonymous_request_is_left_as_the_view_made_it():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    response = NoStoreForUsersMiddleware(lambda r: HttpResponse("x"))(request)
    assert not response.has_header("Cache-Control")


def test_every_page_refuses_framing_sniffing_foreign_referrers_and_device_features(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment"):
        assert f"{feature}=()" in policy
