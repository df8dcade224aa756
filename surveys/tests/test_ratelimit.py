"""The public pages' rate limit holds across worker processes that share Redis, and
``check --deploy`` warns when production counts in a per-process cache."""

import os
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.checks import run_checks

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("YOROZU_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# One worker: Django set up from the project's settings (REDIS_URL in its environment),
# waiting for the common start, then N requests to a public survey page from one address.
WORKER = """
import os, sys, time
import django
django.setup()
from django.conf import settings
from django.test import Client
address, count, start = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
print(settings.CACHES["default"]["BACKEND"])
browser = Client(REMOTE_ADDR=address)
time.sleep(max(0.0, start - time.time()))
print(" ".join(str(browser.get("/s/not-a-token/").status_code) for _ in range(count)))
"""


def redis_answers() -> bool:
    url = urlparse(REDIS_URL)
    try:
        with socket.create_connection((url.hostname, url.port or 6379), timeout=1) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_url():
    if not redis_answers():
        if os.environ.get("YOROZU_REQUIRE_REDIS"):
            pytest.fail(f"Redis does not answer at {REDIS_URL} (YOROZU_REQUIRE_REDIS is set)")
        pytest.skip(f"Redis does not answer at {REDIS_URL}: start redis-server to run this test")
    return REDIS_URL


def test_two_worker_processes_sharing_redis_hold_one_limit_together(redis_url, tmp_path):
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yorozu.settings",
        "REDIS_URL": redis_url,
        "SURVEY_RATE_LIMIT": "7",
        "SURVEY_RATE_WINDOW": "120",
        "YOROZU_VAR_DIR": str(tmp_path),  # nothing of the developer's database
        "DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}",
        "PYTHONPATH": str(ROOT),
        "ALLOWED_HOSTS": "testserver",
    }
    address = f"rate-test-{uuid.uuid4().hex}"  # counters of its own in a shared Redis
    start = time.time() + 4  # both set up by then: their requests interleave
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, address, "10", str(start)],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [worker.communicate(timeout=120) for worker in workers]
    for worker, (_out, err) in zip(workers, outputs, strict=True):
        assert worker.returncode == 0, err
    backends = [out.splitlines()[0] for out, _err in outputs]
    assert backends == ["django.core.cache.backends.redis.RedisCache"] * 2
    statuses = [int(s) for out, _err in outputs for s in out.splitlines()[1].split()]
    # 20 requests from one address, 10 in each process: 7 pass in all, not 7 in each.
    assert len(statuses) == 20
    assert statuses.count(404) == 7 and statuses.count(429) == 13


@pytest.mark.parametrize(
    ("production", "backend", "warned"),
    [
        (True, "django.core.cache.backends.locmem.LocMemCache", True),
        (True, "django.core.cache.backends.redis.RedisCache", False),
        (False, "django.core.cache.backends.locmem.LocMemCache", False),
    ],
)
def test_check_deploy_warns_when_production_counts_in_a_per_process_cache(
    settings, production, backend, warned
):
    settings.PRODUCTION = production
    settings.CACHES = {"default": {"BACKEND": backend, "LOCATION": "redis://127.0.0.1:6379/0"}}
    found = [m.id for m in run_checks(include_deployment_checks=True)]
    assert ("surveys.W001" in found) is warned
    assert "surveys.W001" not in [m.id for m in run_checks(include_deployment_checks=False)]
