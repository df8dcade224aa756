"""Run by test_sqlite_concurrency.py in a process of its own, on a copy of the test
database in a file (WAL and the busy timeout apply to files, not to the in-memory
test database): a coordinator streams the sessions export, and while its read is
still open half-way through, another user logs in. Prints the outcome as JSON.
"""

import json
import os
import sys
import threading
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yorozu.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from accounts.models import User  # noqa: E402

PASSWORD = "concurrent-login-7781"
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
settings.MFA_REQUIRED = False
settings.ALLOWED_HOSTS = ["*"]
hq = User.objects.get(username="hq")
hq.set_password(PASSWORD)
hq.save()
coordinator = User.objects.get(username="tokyo_coordinator")
outcome = {"journal_mode": connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]}
connections.close_all()
reading, logged_in = threading.Event(), threading.Event()


def export():
    try:
        client = Client()
        client.force_login(coordinator)
        response = client.get(reverse("consultations:consultation_list"), {"export": "csv"})
        chunks = iter(response.streaming_content)  # a few hundred lines each
        sent = 0
        for chunk in chunks:  # past the first chunks of rows: the read is open
            sent += chunk.count(b"\n")
            if sent >= 2500:
                break
        reading.set()
        logged_in.wait(60)
        sent += sum(chunk.count(b"\n") for chunk in chunks)
        outcome["export_status"] = response.status_code
        outcome["export_lines"] = sent
    except Exception as exc:  # reported, not raised: the test reads the outcome
        outcome["export_error"] = repr(exc)
    finally:
        reading.set()
        connections.close_all()


def login():
    reading.wait(60)
    started = time.monotonic()
    try:
        response = Client().post(
            reverse("accounts:login"), {"username": "hq", "password": PASSWORD}
        )
        outcome["login_status"] = response.status_code
        outcome["login_redirect"] = response.get("Location", "")
    except Exception as exc:
        outcome["login_error"] = repr(exc)
    finally:
        outcome["login_seconds"] = round(time.monotonic() - started, 2)
        logged_in.set()
        connections.close_all()


threads = [threading.Thread(target=export), threading.Thread(target=login)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(120)
print(json.dumps(outcome))
