"""The supported backup: ``pg_dump -Fc`` and ``pg_restore`` (README, Backup and restore).

A migrated database with records, many-to-many links and their history is dumped and
restored into a new, empty database, exactly with the README's commands; every table
then holds as many rows as the original, the sequences go on where they were, and
``indicator_summaries --check`` passes on the copy. PostgreSQL only, with its client
tools on the PATH (CI installs them).
"""

import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DB = settings.DATABASES["default"]

pytestmark = [
    pytest.mark.skipif(
        DB["ENGINE"] != "django.db.backends.postgresql", reason="backups are PostgreSQL's"
    ),
    pytest.mark.skipif(
        not (shutil.which("pg_dump") and shutil.which("pg_restore")),
        reason="PostgreSQL's client tools (pg_dump, pg_restore) are not installed",
    ),
]

# Records of several apps, with many-to-many links and history rows (what made
# dumpdata/loaddata collide), and summaries kept by the signals.
POPULATE = """
import datetime
from conftest import make_case, make_client, make_person, make_session, make_user
from accounts.models import UserRole
from organizations.models import Center
tokyo, osaka = Center.objects.get(code="13"), Center.objects.get(code="27")
person = make_person(tokyo, qualifications=["中小企業診断士", "税理士"])
person.kana = "シケン カイテイ"
person.save()
make_user("backup-expert", UserRole.HQ_EXPERT, assigned=[tokyo, osaka])
client = make_client(tokyo)
case = make_case(client, solved=datetime.date(2025, 6, 1))
make_session(client, datetime.date(2025, 5, 1), case=case, summary="販路相談")
"""


def url(name: str) -> str:
    user = urllib.parse.quote(DB["USER"] or "", safe="")
    password = urllib.parse.quote(DB["PASSWORD"] or "", safe="")
    credentials = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{credentials}{DB['HOST'] or '127.0.0.1'}:{DB['PORT'] or 5432}/{name}"


def run(*args, database_url=None):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "YOROZU_PRODUCTION"}}
    if database_url:
        env["DATABASE_URL"] = database_url
    result = subprocess.run(
        [str(a) for a in args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def execute(database: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url(database), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


def contents(database: str) -> dict[str, int]:
    """Rows per table and the last value of every sequence."""
    import psycopg

    counted = {}
    with psycopg.connect(url(database)) as connection:
        tables = connection.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            counted[table] = connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]
        for name, last in connection.execute(
            "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'"
        ).fetchall():
            counted[f"sequence {name}"] = last
    return counted


@pytest.fixture
def databases():
    base = DB["NAME"]
    names = (f"{base}_backup_source", f"{base}_backup_restored")
    for name in names:
        execute(
            "postgres",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            f'CREATE DATABASE "{name}"',
        )
    yield names
    for name in names:
        execute("postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_pg_dump_and_pg_restore_give_back_every_row_into_a_new_database(databases, tmp_path):
    source, restored = databases
    python = sys.executable
    run(python, "manage.py", "migrate", "--no-input", "-v", "0", database_url=url(source))
    run(python, "manage.py", "shell", "-c", POPULATE, database_url=url(source))

    dump = tmp_path / "yorozu.dump"
    run("pg_dump", "-Fc", "-f", dump, url(source))
    run(
        "pg_restore",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        "-d",
        url(restored),
        dump,
    )

    before, after = contents(source), contents(restored)
    assert after == before
    for table in (
        "organizations_historicalperson",
        "organizations_historicalperson_qualifications",
        "accounts_user_assigned_centers",
        "consultations_consultation",
        "django_migrations",
    ):
        assert before[table] > 0, table
    check = run(python, "manage.py", "indicator_summaries", "--check", database_url=url(restored))
    assert "equal the records" in check
