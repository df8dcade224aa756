"""Two-step login: who needs it (the Agency's policy), enrolment, the code at login,
recovery codes, the administrator's reset, and the gate in front of every page."""

import time
from binascii import unhexlify

import pytest
from axes.models import AccessFailureLog
from django.urls import reverse
from django_otp.oath import TOTP

from accounts import mfa
from accounts.models import SecurityEvent, SecurityEventKind, SecurityPolicy, UserRole
from conftest import PASSWORD
from core.tests.test_authorization import ALL_PATTERNS, is_public, takes_object, url_for

pytestmark = pytest.mark.mfa

LOGIN = reverse("accounts:login")
ENROL = reverse("accounts:mfa_enrol")
VERIFY = reverse("accounts:mfa_verify")


def code_for(secret_hex: str, *, steps_ahead: int = 0) -> str:
    totp = TOTP(unhexlify(secret_hex))
    totp.time = time.time() + 30 * steps_ahead
    return f"{totp.token():06d}"


def log_in(client, username):
    return client.post(LOGIN, {"username": username, "password": PASSWORD})


def enrol(client):
    """Enrol the logged-in user through the pages; returns (secret, recovery codes)."""
    client.get(ENROL)
    secret = client.session[mfa.PENDING_SECRET_SESSION_KEY]
    response = client.post(ENROL, {"code": code_for(secret)})
    return secret, response.context["codes"]


def test_by_default_every_role_needs_two_step_login(personas):
    assert SecurityPolicy.current().mfa_roles == list(UserRole.values)
    for user in personas.values():
        assert mfa.requires_mfa(user), user.username


def test_the_agencys_policy_decides_which_roles_need_it(personas):
    SecurityPolicy.objects.create(pk=1, mfa_roles=["agency_admin", "coordinator"])

    assert mfa.requires_mfa(personas["admin"])
    assert mfa.requires_mfa(personas["tokyo_coordinator"])
    assert not mfa.requires_mfa(personas["committee"])
    assert not mfa.requires_mfa(personas["kanto_officer"])


def test_the_agency_changes_the_policy_on_its_page_and_no_one_else_can(client, personas):
    client.force_login(personas["admin"])
    url = reverse("accounts:security_policy")
    enrol(client)

    response = client.post(
        url, {"mfa_roles": ["agency_admin", "hq_staff"], "client_retention_years": "12"}
    )

    assert response.status_code == 302
    assert SecurityPolicy.current().mfa_roles == ["agency_admin", "hq_staff"]
    assert SecurityPolicy.current().client_retention_years == 12
    assert SecurityPolicy.current().history.first().history_user == personas["admin"]
    for name in ("hq", "tokyo_manager"):
        other = type(client)()
        other.force_login(personas[name])
        SecurityPolicy.objects.update(mfa_roles=[])  # no second step in the way
        assert other.get(url).status_code == 404
        assert other.post(url, {"mfa_roles": []}).status_code == 404


def test_a_role_the_policy_leaves_out_logs_in_with_the_password_alone(client, personas):
    SecurityPolicy.objects.create(pk=1, mfa_roles=["agency_admin"])
    log_in(client, "tokyo_coordinator")
    assert client.get(reverse("home")).status_code == 200


def test_a_user_without_an_authenticator_reaches_only_the_enrolment_page(client, personas):
    log_in(client, "admin")

    response = client.get(reverse("accounts:user_list"))

    assert response.status_code == 302 and response["Location"] == ENROL
    page = client.get(ENROL).content.decode()
    assert "<svg" in page and 'data-testid="mfa-secret"' in page


def test_enrolment_needs_a_right_code_then_shows_ten_recovery_codes_once(client, personas):
    log_in(client, "admin")
    client.get(ENROL)
    secret = client.session[mfa.PENDING_SECRET_SESSION_KEY]

    wrong = client.post(ENROL, {"code": "000000" if code_for(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and wrong.context["form"].errors
    assert not mfa.is_enrolled(personas["admin"])

    response = client.post(ENROL, {"code": code_for(secret)})
    codes = response.context["codes"]
    assert len(codes) == 10 == len(set(codes))
    assert mfa.is_enrolled(personas["admin"])
    assert client.get(reverse("accounts:user_list")).status_code == 200
    again = client.get(ENROL)
    assert again.status_code == 302  # already set up: the codes are not shown again
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.MFA_ENROLLED).count() == 1


def test_after_enrolling_a_login_needs_the_code(client, personas):
    log_in(client, "admin")
    secret, _codes = enrol(client)
    client.post(reverse("accounts:logout"))

    log_in(client, "admin")
    home = reverse("accounts:user_list")
    response = client.get(home)
    assert response.status_code == 302 and response["Location"].startswith(VERIFY)

    refused = client.post(VERIFY, {"code": "12345x", "next": home})
    assert refused.status_code == 200 and client.get(home).status_code == 302
    assert AccessFailureLog.objects.filter(username="admin", path_info=VERIFY).count() == 1

    passed = client.post(VERIFY, {"code": code_for(secret, steps_ahead=1), "next": home})
    assert passed.status_code == 302 and passed["Location"] == home
    assert client.get(home).status_code == 200


def test_a_recovery_code_logs_in_once(client, personas):
    log_in(client, "admin")
    _secret, codes = enrol(client)
    client.post(reverse("accounts:logout"))

    log_in(client, "admin")
    assert client.post(VERIFY, {"code": codes[0].upper()}).status_code == 302
    assert client.get(reverse("home")).status_code == 200
    assert mfa.recovery_codes_left(personas["admin"]) == 9
    client.post(reverse("accounts:logout"))

    log_in(client, "admin")
    again = client.post(VERIFY, {"code": codes[0]})
    assert again.status_code == 200 and again.context["form"].errors
    assert client.get(reverse("home")).status_code == 302
    assert SecurityEvent.objects.filter(kind=SecurityEventKind.RECOVERY_CODE_USED).count() == 1


def test_wrong_codes_count_towards_the_lock(client, personas, settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # no back-off between the tries of this test
    log_in(client, "admin")
    secret, _codes = enrol(client)
    client.post(reverse("accounts:logout"))
    log_in(client, "admin")
    for _ in range(9):
        client.post(VERIFY, {"code": "000001"})

    locked = client.post(VERIFY, {"code": "000002"})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert log_in(client, "admin").status_code == 429  # the right password is refused too
    assert AccessFailureLog.objects.filter(username="admin", locked_out=True).exists()


def test_an_administrator_resets_two_step_login_and_it_is_recorded(client, personas):
    user = personas["tokyo_manager"]
    log_in(client, "tokyo_manager")
    enrol(client)
    admin = type(client)()
    admin.force_login(personas["admin"])
    enrol(admin)
    account = reverse("accounts:user_update", args=[user.pk])
    assert 'data-testid="mfa-status"' in admin.get(account).content.decode()

    admin.post(reverse("accounts:user_mfa_reset", args=[user.pk]))

    assert not mfa.is_enrolled(user)
    event = SecurityEvent.objects.get(kind=SecurityEventKind.MFA_RESET)
    assert (event.account, event.actor, event.username) == (user, personas["admin"], user.username)
    assert event.at is not None
    assert "tokyo_manager" in admin.get(reverse("accounts:login_events")).content.decode()
    # The user's own session is no longer verified: back to enrolment.
    assert client.get(reverse("home"), follow=True).redirect_chain[-1][0] == ENROL


def test_security_events_are_never_changed(personas):
    event = SecurityEvent.record(SecurityEventKind.MFA_RESET, account=personas["hq"])
    with pytest.raises(ValueError):
        event.save()


def test_the_gate_holds_every_page_before_enrolment(client, personas, tokyo):
    """Generated from the URL configuration like the authorization matrix: a signed-in
    user without the second step gets to no page but the step and the way out."""
    from core.tests.test_authorization import tokyo_objects, view_class

    objects = tokyo_objects(personas, tokyo)
    log_in(client, "admin")
    allowed = {"accounts:mfa_enrol", "accounts:mfa_verify", "accounts:logout", "set_language"}
    for name, pattern in ALL_PATTERNS:
        if is_public(pattern) or name in allowed:
            continue
        obj = None
        if takes_object(pattern):
            obj = objects[view_class(pattern).model._meta.label]
        url = url_for(name, pattern, obj)
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, f"{method.__name__} {url}"
            assert response["Location"] == ENROL, f"{method.__name__} {url}"


def test_the_admin_site_is_behind_the_gate_too(client, personas):
    personas["admin"].is_staff = personas["admin"].is_superuser = True
    personas["admin"].save()
    log_in(client, "admin")
    assert client.get(reverse("admin:index"))["Location"] == ENROL


def test_htmx_requests_are_told_to_load_the_page(client, personas):
    log_in(client, "admin")
    response = client.get(reverse("home"), headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == ENROL


def test_mfa_required_off_lifts_the_requirement_but_not_an_enrolled_users_code(
    client, personas, settings
):
    settings.MFA_REQUIRED = False
    log_in(client, "hq")
    assert client.get(reverse("home")).status_code == 200
    enrol(client)
    client.post(reverse("accounts:logout"))
    log_in(client, "hq")
    assert client.get(reverse("home"))["Location"].startswith(VERIFY)
