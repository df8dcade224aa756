"""Password rules (12+ characters, not common, not the user name) and the idle timeout."""

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts import middleware
from accounts.demo import DEMO_PASSWORD
from accounts.models import SecurityEvent, SecurityEventKind, User
from conftest import PASSWORD


@pytest.mark.parametrize(
    "password",
    [
        "Yorozu2026",  # the probe's: 10 characters
        "short-pass1",  # 11
        "password1234",  # common
        "123456789012345",  # all digits
        "tokyo_coordinator1",  # the user name
    ],
)
def test_weak_passwords_are_refused(password):
    user = User(username="tokyo_coordinator", first_name="花子", last_name="東京")
    with pytest.raises(ValidationError):
        validate_password(password, user)


@pytest.mark.parametrize("username", ["admin", "tokyo-co", "committee", "tokyo_coordinator"])
def test_the_demo_and_test_passwords_pass_the_rules(username):
    user = User(username=username)
    validate_password(DEMO_PASSWORD, user)
    validate_password(PASSWORD, user)


def test_the_password_change_page_applies_the_rules(client_for, personas):
    response = client_for("hq").post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": "Yorozu2026", "new_password2": "Yorozu2026"},
    )
    assert response.status_code == 200 and response.context["form"].errors
    personas["hq"].refresh_from_db()
    assert personas["hq"].check_password(PASSWORD)


class Clock:
    def __init__(self, monkeypatch):
        import time

        self.now = time.time()
        monkeypatch.setattr(middleware, "clock", lambda: self.now)
        monkeypatch.setattr("accounts.mfa.time.time", lambda: self.now)

    def forward(self, seconds):
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


def test_a_session_idle_past_the_timeout_is_logged_out_with_a_message(
    client, personas, settings, clock
):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    client.post(reverse("accounts:login"), {"username": "hq", "password": PASSWORD})
    clock.forward(29 * 60)
    assert client.get(reverse("home")).status_code == 200  # activity restarts the clock
    clock.forward(29 * 60)
    assert client.get(reverse("home")).status_code == 200

    clock.forward(31 * 60)
    response = client.get(reverse("home"), follow=True)

    assert response.redirect_chain[0][0].startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert "30分間操作がなかったため" in response.content.decode()
    event = SecurityEvent.objects.get(kind=SecurityEventKind.IDLE_LOGOUT)
    assert event.account == personas["hq"]


def test_an_active_session_still_ends_after_the_longest_login(client, personas, settings, clock):
    settings.SESSION_IDLE_TIMEOUT = 30 * 60
    settings.SESSION_COOKIE_AGE = 8 * 3600
    client.post(reverse("accounts:login"), {"username": "hq", "password": PASSWORD})
    for _ in range(17):  # every 29 minutes for 8 h 13 min
        clock.forward(29 * 60)
        client.get(reverse("home"))
    assert "_auth_user_id" not in client.session
