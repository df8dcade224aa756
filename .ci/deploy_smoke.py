#!/usr/bin/env python3
"""Deploy as the README's "Running in production" says, then use the running app.

    python3 .ci/deploy_smoke.py postgres://user:pass@127.0.0.1:5432/yorozu_deploy_smoke

With the production variables set (YOROZU_PRODUCTION=1, a fresh SECRET_KEY,
ALLOWED_HOSTS, CSRF_TRUSTED_ORIGINS and the given PostgreSQL database, dropped and
created empty first; its name must contain "smoke"), it runs the README's steps:
``dev.py setup``, ``migrate``, ``collectstatic --no-input``, ``check --deploy``
(warnings fail too) and gunicorn on a free loopback port. It then creates an
administrator with ``createsuperuser`` and talks to gunicorn as the reverse proxy
would (Host and ``X-Forwarded-Proto: https``): the login page, a login with its CSRF
token, the home page and hashed static files, each must answer 200. Collected files
and uploads go to a temporary YOROZU_VAR_DIR. Standard library only; the database is
created with the virtualenv's psycopg once ``dev.py setup`` has installed it.
"""

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import secrets
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = Path(os.environ.get("YOROZU_VENV", ROOT / ".venv"))
HOST = "yorozu.example.go.jp"


def say(message: str) -> None:
    print(f"==> deploy smoke: {message}", flush=True)


def fail(message: str) -> None:
    print(f"==> deploy smoke FAILED: {message}", flush=True)
    sys.exit(1)


def run(*args, env) -> None:
    print("    $", " ".join(str(a) for a in args), flush=True)
    result = subprocess.run([str(a) for a in args], cwd=ROOT, env=env)
    if result.returncode != 0:
        fail(f"{' '.join(str(a) for a in args[:4])} exited {result.returncode}")


def production_env(database_url: str, var_dir: Path) -> dict[str, str]:
    # Nothing of the caller's Django configuration leaks in (a DEBUG or DATABASE_URL of a test run).
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "SECURE_", "SESSION_", "CSRF_"))
        and k not in {"DEBUG", "DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "YOROZU_VAR_DIR"}
    }
    return {
        **inherited,
        "YOROZU_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "DATABASE_URL": database_url,
        "CSRF_TRUSTED_ORIGINS": f"https://{HOST}",
        # The README's shared cache (rate limits across the workers); .ci/run starts Redis.
        "REDIS_URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"),
        "YOROZU_VAR_DIR": str(var_dir),
    }


def recreate_database(python: Path, database_url: str) -> None:
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    if "smoke" not in name or not re.fullmatch(r"[A-Za-z0-9_]+", name):
        fail(f"refusing to drop database {name!r}: its name must contain 'smoke'")
    code = (
        "import sys, urllib.parse, psycopg\n"
        "url = urllib.parse.urlsplit(sys.argv[1])\n"
        "admin = url._replace(path='/postgres').geturl()\n"
        "with psycopg.connect(admin, autocommit=True) as c:\n"
        "    c.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n"
        "    c.execute(f'CREATE DATABASE \"{sys.argv[2]}\"')\n"
    )
    say(f"creating the empty database {name}")
    result = subprocess.run([str(python), "-c", code, database_url, name])
    if result.returncode != 0:
        fail(f"could not create the database {name}")


def drop_database(python: Path, database_url: str) -> None:
    name = urllib.parse.urlsplit(database_url).path.lstrip("/")
    code = (
        "import sys, urllib.parse, psycopg\n"
        "admin = urllib.parse.urlsplit(sys.argv[1])._replace(path='/postgres').geturl()\n"
        "with psycopg.connect(admin, autocommit=True) as c:\n"
        "    c.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n"
    )
    subprocess.run([str(python), "-c", code, database_url, name])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Proxy:
    """What nginx sends gunicorn: the public Host, X-Forwarded-Proto: https, the cookies."""

    def __init__(self, port: int):
        self.port = port
        # Secure cookies come back over this plain connection as they would behind TLS,
        # so they are kept by hand (http.cookiejar would not send them over http://).
        self.cookies: dict[str, str] = {}

    def request(self, method, path, *, body=None, headers=None, https=True):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        sent = {"Host": HOST, **(headers or {})}
        if https:
            sent["X-Forwarded-Proto"] = "https"
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        connection.request(method, path, body=body, headers=sent)
        response = connection.getresponse()
        content = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        connection.close()
        return response, content

    def expect(self, method, path, status, **kwargs):
        response, content = self.request(method, path, **kwargs)
        print(f"    {method} {path} -> {response.status}", flush=True)
        if response.status != status:
            fail(f"{method} {path} answered {response.status}, expected {status}")
        return response, content


def totp(secret: str) -> str:
    """The authenticator app's current code (RFC 6238: HMAC-SHA1, 30 s, 6 digits)."""
    key = base64.b32decode(
        secret.replace(" ", "").upper() + "=" * (-len(secret.replace(" ", "")) % 8)
    )
    counter = struct.pack(">Q", int(time.time()) // 30)
    digest = hmac.new(key, counter, hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def wait_until_listening(port: int, process: subprocess.Popen, log: Path) -> None:
    for _ in range(120):
        if process.poll() is not None:
            print(log.read_text(errors="replace"))
            fail(f"gunicorn exited {process.returncode}")
        with socket.socket() as s:
            s.settimeout(1)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    fail("gunicorn did not listen within 60 s")


def use_the_app(port: int, username: str, password: str, var_dir: Path) -> None:
    proxy = Proxy(port)

    say("a request without X-Forwarded-Proto: https is redirected to HTTPS")
    response, _ = proxy.expect("GET", "/accounts/login/", 301, https=False)
    if not response.headers["Location"].startswith(f"https://{HOST}/"):
        fail(f"redirected to {response.headers['Location']}")

    say("the login page")
    response, content = proxy.expect("GET", "/accounts/login/", 200)
    html = content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not token or "csrftoken" not in proxy.cookies:
        fail("the login page carries no CSRF token")
    static = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    if not static or not all(re.search(r"\.[0-9a-f]{12}\.", url) for url in static):
        fail(f"static files are not hashed: {static}")
    if "max-age=31536000" not in (response.headers["Strict-Transport-Security"] or ""):
        fail("no HSTS header")

    say(f"logging in as {username}")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "username": username, "password": password}
    )
    response, _ = proxy.expect(
        "POST",
        "/accounts/login/",
        302,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/accounts/login/",
        },
    )
    if "sessionid" not in proxy.cookies:
        fail("the login set no session cookie")

    # Production asks the Agency for the second step: set up the authenticator at the
    # first login, as an administrator would, then open the page the login led to.
    say("two-step login: the first login sets up the authenticator")
    response, content = proxy.expect("GET", response.headers["Location"], 302)
    if "/accounts/mfa/setup/" not in response.headers["Location"]:
        fail(f"the first login led to {response.headers['Location']}, not the set-up")
    response, content = proxy.expect("GET", response.headers["Location"], 200)
    html = content.decode()
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7 ]+)<', html)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not secret or not token:
        fail("the set-up page shows no key or no CSRF token")
    form = urllib.parse.urlencode(
        {"csrfmiddlewaretoken": token.group(1), "code": totp(secret.group(1))}
    )
    response, _ = proxy.expect(
        "POST",
        "/accounts/mfa/setup/",
        200,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/accounts/mfa/setup/",
        },
    )

    say("a page after login")
    response, content = proxy.expect("GET", "/", 200)
    if "no-store" not in (response.headers["Cache-Control"] or ""):
        fail("a logged-in page may be cached")
    if 'data-testid="user-badge"' not in content.decode():
        fail("the page after login does not show who is logged in")

    say("static files, hashed and compressed, from the collected manifest")
    manifest = json.loads((var_dir / "static" / "staticfiles.json").read_text())["paths"]
    for name in ("favicon.svg", "css/app.css", "vendor/htmx.min.js", "vendor/chart.umd.min.js"):
        response, _ = proxy.expect(
            "GET", f"/static/{manifest[name]}", 200, headers={"Accept-Encoding": "gzip"}
        )
        if "immutable" not in (response.headers["Cache-Control"] or ""):
            fail(f"{name} is not served as immutable")


def main() -> None:
    if len(sys.argv) != 2 or not sys.argv[1].startswith(("postgres://", "postgresql://")):
        sys.exit(__doc__)
    database_url = sys.argv[1]
    python = VENV / "bin" / "python"
    gunicorn = VENV / "bin" / "gunicorn"

    with tempfile.TemporaryDirectory(prefix="yorozu-deploy-smoke-") as tmp:
        var_dir = Path(tmp) / "var"
        env = production_env(database_url, var_dir)
        say(f"production settings: ALLOWED_HOSTS={HOST}, YOROZU_VAR_DIR={var_dir}")

        run(sys.executable, "dev.py", "setup", env=env)
        recreate_database(python, database_url)
        try:
            run(python, "manage.py", "migrate", "--no-input", "-v", "0", env=env)
            run(python, "manage.py", "collectstatic", "--no-input", "-v", "1", env=env)
            run(python, "manage.py", "check", "--deploy", "--fail-level", "WARNING", env=env)

            username, password = "smoke-admin", secrets.token_urlsafe(16)
            run(
                python,
                "manage.py",
                "createsuperuser",
                "--no-input",
                "--username",
                username,
                "--email",
                f"{username}@{HOST}",
                env={**env, "DJANGO_SUPERUSER_PASSWORD": password},
            )

            port = free_port()
            log = Path(tmp) / "gunicorn.log"
            command = [gunicorn, "yorozu.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3"]
            print("    $", " ".join(str(a) for a in command), flush=True)
            with log.open("w") as out:
                process = subprocess.Popen(
                    [str(a) for a in command], cwd=ROOT, env=env, stdout=out, stderr=out
                )
            say(f"gunicorn started, pid {process.pid}")
            try:
                wait_until_listening(port, process, log)
                use_the_app(port, username, password, var_dir)
            except SystemExit:
                print(log.read_text(errors="replace")[-4000:])
                raise
            finally:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
                say(f"gunicorn stopped (exit {process.returncode})")
        finally:
            drop_database(python, database_url)
    say("passed")


if __name__ == "__main__":
    main()
