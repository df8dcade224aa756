"""SQLite as the embedded default: a long export does not make a login fail.

The settings give SQLite WAL, a busy timeout and BEGIN IMMEDIATE; this runs a real
export and a real login at the same time on a file database (a copy of the test
database) in another process, which reads those settings as production does.
"""

import datetime
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from conftest import make_client

ROOT = Path(settings.BASE_DIR)


@pytest.fixture
def committed_master_data(transactional_db):
    """Committed, so the backup below copies it; loaded again as the tables are flushed
    after every transactional test (as tests_browser/conftest.py does)."""
    from django.apps import apps

    from consultations import master_data as taxonomies
    from evaluation import master_data as checklists
    from organizations import master_data
    from support import master_data as findings

    for module in (master_data, taxonomies, checklists, findings):
        module.load(apps)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite only")
def test_a_long_export_and_a_login_at_the_same_time_both_succeed(
    committed_master_data, personas, tmp_path
):
    from consultations.models import Consultation
    from organizations.models import Center

    tokyo = Center.objects.get(code="13")

    client = make_client(tokyo)
    Consultation.objects.bulk_create(
        Consultation(client=client, center=tokyo, date=datetime.date(2025, 4, 1), minutes=30)
        for _ in range(6000)
    )
    path = tmp_path / "concurrent.sqlite3"
    target = sqlite3.connect(path)
    connection.ensure_connection()
    connection.connection.backup(target)
    target.close()

    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{path}",
        "DJANGO_SETTINGS_MODULE": "yorozu.settings",
        "YOROZU_VAR_DIR": str(tmp_path / "var"),
    }
    finished = subprocess.run(
        [sys.executable, str(ROOT / "core" / "tests" / "sqlite_concurrency.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    outcome = json.loads(finished.stdout.strip().splitlines()[-1])
    assert outcome["journal_mode"] == "wal", outcome
    assert "login_error" not in outcome and "export_error" not in outcome, outcome
    assert outcome["login_status"] == 302, outcome  # logged in, sent on
    assert "login" not in outcome["login_redirect"], outcome
    assert outcome["export_status"] == 200 and outcome["export_lines"] == 6001, outcome
