"""Production mode refuses to start half-configured, and passes Django's deploy checks."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "YOROZU_PRODUCTION": "1",
    "SECRET_KEY": "x7#q9!vT2@pL0zR8$wK3^mN6&bJ1*cF5(hD4)gS-yU_eA+iO=tP",
    "ALLOWED_HOSTS": "yorozu.example.go.jp",
    "DATABASE_URL": "postgres://yorozu:secret@db.internal:5432/yorozu",
    "REDIS_URL": "redis://cache.internal:6379/0",
}


# The browser tests allow sync ORM calls inside Playwright's loop; a deployment must not.
NOT_INHERITED = {*PRODUCTION_ENV, "DJANGO_ALLOW_ASYNC_UNSAFE"}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_each_required_setting():
    for missing in ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL"):
        env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
        result = manage("check", env=env)
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and missing in result.stderr


def test_production_mode_refuses_sqlite():
    result = manage("check", env={**PRODUCTION_ENV, "DATABASE_URL": "sqlite:///tmp/x.sqlite3"})
    assert result.returncode != 0 and "PostgreSQL" in result.stderr


def test_with_nothing_set_it_runs_on_sqlite_bound_to_localhost():
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','yorozu.settings');"
        "django.setup(); from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS, s.LANGUAGE_CODE)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in PRODUCTION_ENV and k != "DATABASE_URL"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    ).stdout
    assert "sqlite3" in out and "'127.0.0.1'" in out and out.strip().endswith("ja")


def settings_of(env, *names):
    """The named settings as loaded in a fresh process with only ``env`` on top of a clean one."""
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE','yorozu.settings');"
        "django.setup(); from django.conf import settings as s;"
        f"print(*(repr(getattr(s, n)) for n in {names!r}))"
    )
    drop = {*NOT_INHERITED, "DATABASE_URL", "DEBUG"}
    clean = {k: v for k, v in os.environ.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_host_others_reach_is_refused_with_the_published_development_key():
    for hosts in ("yorozu.example.go.jp", "127.0.0.1,192.168.10.5", "*"):
        result = settings_of({"ALLOWED_HOSTS": hosts}, "DEBUG")
        assert result.returncode != 0, hosts
        assert "ImproperlyConfigured" in result.stderr and "development key" in result.stderr


def test_production_mode_refuses_the_published_development_key():
    from yorozu.settings import DEVELOPMENT_SECRET_KEY

    result = manage("check", env={**PRODUCTION_ENV, "SECRET_KEY": DEVELOPMENT_SECRET_KEY})
    assert result.returncode != 0 and "SECRET_KEY of its own" in result.stderr


def test_debug_is_off_for_a_host_others_reach_unless_asked_for():
    env = {"ALLOWED_HOSTS": "yorozu-staging.internal", "SECRET_KEY": "a-key-of-our-own-" * 4}
    assert settings_of(env, "DEBUG").stdout.strip() == "False"
    assert settings_of({**env, "DEBUG": "1"}, "DEBUG").stdout.strip() == "True"


def test_local_hosts_keep_the_development_defaults():
    result = settings_of({"ALLOWED_HOSTS": "localhost,127.0.0.1,[::1],testserver"}, "DEBUG")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
