"""Password guessing: an account locks after 10 failed logins, on either login page,
and stays locked for the right password too until the Agency unlocks it."""

from django.urls import reverse

from conftest import PASSWORD

LOGIN = reverse("accounts:login")


def log_in(client, username, password, url=LOGIN):
    return client.post(url, {"username": username, "password": password})


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_ten_wrong_passwords_lock_the_account_until_the_agency_unlocks_it(client, personas):
    for _ in range(10):
        log_in(client, "tokyo_coordinator", "wrong-guess")

    refused = log_in(client, "tokyo_coordinator", PASSWORD)

    assert refused.status_code == 429 and not logged_in(client)
    assert "ロックされています" in refused.content.decode()

    client.force_login(personas["admin"])
    account = reverse("accounts:user_update", args=[personas["tokyo_coordinator"].pk])
    assert 'data-testid="locked"' in client.get(account).content.decode()
    client.post(reverse("accounts:user_unlock", args=[personas["tokyo_coordinator"].pk]))
    assert 'data-testid="locked"' not in client.get(account).content.decode()
    client.logout()

    assert log_in(client, "tokyo_coordinator", PASSWORD).status_code == 302 and logged_in(client)


def test_the_admin_login_page_counts_towards_the_same_lock(client, personas):
    for _ in range(5):
        log_in(client, "admin", "wrong-guess")
        log_in(client, "admin", "wrong-guess", url=reverse("admin:login"))

    assert log_in(client, "admin", PASSWORD, url=reverse("admin:login")).status_code == 429
    assert log_in(client, "admin", PASSWORD).status_code == 429
    assert not logged_in(client)


def test_a_successful_login_clears_the_count_of_earlier_failures(client, personas):
    for _ in range(9):
        log_in(client, "osaka_manager", "wrong-guess")
    assert log_in(client, "osaka_manager", PASSWORD).status_code == 302
    client.logout()
    for _ in range(9):
        log_in(client, "osaka_manager", "wrong-guess")

    assert log_in(client, "osaka_manager", PASSWORD).status_code == 302


def test_only_the_agency_unlocks_accounts(client_for, personas):
    for name in ("hq", "tokyo_manager", "kanto_officer"):
        response = client_for(name).post(
            reverse("accounts:user_unlock", args=[personas["tokyo_coordinator"].pk])
        )
        assert response.status_code in (403, 404), name


def test_an_address_with_many_failures_waits_whatever_the_account(client, personas, settings):
    settings.LOGIN_ADDRESS_LIMIT = 5
    for number in range(5):  # a script trying one password on many accounts
        log_in(client, f"someone-{number}", "wrong-guess")

    ours = log_in(client, "osaka_manager", PASSWORD)
    admins = log_in(client, "admin", PASSWORD, url=reverse("admin:login"))
    elsewhere = client.post(
        LOGIN, {"username": "osaka_manager", "password": PASSWORD}, REMOTE_ADDR="192.0.2.50"
    )

    assert ours.status_code == 429 and admins.status_code == 429
    assert 'data-testid="address-throttled"' in ours.content.decode()
    assert elsewhere.status_code == 302  # another address, and the account is not locked
