"""Load benchmark: the daily pages under 1, 10 and 50 concurrent users, on PostgreSQL.

Not a test and never run by CI. See bench/README.md; in short::

    .venv/bin/python bench/load.py [--users 1,10,50] [--duration 180]
        [--database-url postgres://postgres@127.0.0.1:5432/yorozu_bench] [--workers 3]

Against the bench database built by ``bench/records.py`` (``--build-only`` is
enough), it collects the static files, starts gunicorn as the README's
production section does (``YOROZU_PRODUCTION=1``, ``--workers 3``), behind no
proxy: the users send the header the proxy would (``X-Forwarded-Proto``). Then
for each number of users it runs Locust headless (``bench/locustfile.py``: the
coordinators, center managers, bureau officers, HQ experts and Agency
administrators of the demo accounts, 1–3 s of think time) for ``--duration``
seconds, and prints per endpoint the requests, errors, client time p50/p95/p99
(Locust) and server time p50/p95/p99 (gunicorn's access log), the throughput, and
the machine's load before and after.

The quick-entry POSTs add sessions (dated today) to the bench database; delete
them with ``--clean`` (sessions whose summary is the load test's, then the
summaries recounted for their keys).
"""

import argparse
import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yorozu_bench"
SUMMARY = "負荷試験の相談記録"  # the quick-entry POSTs' summary (bench/locustfile.py)
TARGET_P95_MS = 300
TARGET_DAILY_P95_MS = 150  # quick entry and the lists
TARGET_RPS = 20


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", default="1,10,50", help="comma-separated user counts")
    parser.add_argument("--duration", type=int, default=180, help="seconds per user count")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--port", type=int, default=8011)
    parser.add_argument(
        "--clean", action="store_true", help="only delete the sessions earlier runs added"
    )
    return parser.parse_args()


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f} ({os.cpu_count()} cores)"


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yorozu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def samples(path: Path) -> None:
    """The records each demo account opens: ids of its scope, sampled once."""
    from django.db.models import Max
    from django.urls import reverse

    from accounts.models import User
    from consultations.models import Case, Client, Consultation
    from core.scoping import scope_centers

    found = {}
    for user in User.objects.filter(
        username__in=[
            "tokyo-co",
            "osaka-co",
            "tokyo-cc",
            "osaka-cc",
            "kanto",
            "kinki",
            "expert",
            "admin",
        ]
    ):
        centers = list(scope_centers(user).values_list("pk", flat=True))
        sessions = Consultation.objects.filter(center_id__in=centers[:3], date__year=2025)
        latest = sessions.aggregate(last=Max("date"))["last"]
        recent = list(
            sessions.filter(date__gte=latest.replace(day=1)).values_list(
                "pk", "client_id", "case_id"
            )[:300]
        )
        clients = Client.objects.in_bulk({client for _pk, client, _case in recent})
        found[user.username] = {
            "center": centers[0] if len(centers) == 1 else "",
            "centers": centers,
            "sessions": [pk for pk, _client, _case in recent],
            "client_ids": list(clients),
            "clients": [[pk, c.business_name] for pk, c in list(clients.items())[:100]],
            "cases": [case for _pk, _client, case in recent if case],
            "months": [f"2025-{m:02d}" for m in range(4, 13)],
            # Where "my dashboard" (planning:dashboard) redirects this account.
            "dashboard": (
                reverse("planning:bureau_dashboard", args=[user.bureau_id])
                if user.bureau_id
                else reverse("planning:center_dashboard", args=[centers[0]])
            ),
        }
    path.write_text(json.dumps(found, ensure_ascii=False))
    if not Case.objects.exists():
        sys.exit("The bench database has no records: build it with bench/records.py first.")


def ensure_plans() -> None:
    """The fiscal years and plans the dashboards need (bench/records.py's)."""
    from planning.models import BusinessPlan

    if not BusinessPlan.objects.exists():
        sys.path.insert(0, str(ROOT / "bench"))
        import records

        records.dashboard_plans(2016)


def clean() -> int:
    from django.db import transaction

    from consultations import summaries
    from consultations.models import Consultation

    with transaction.atomic():
        added = Consultation.objects.filter(summary=SUMMARY)
        rows = list(added.values_list("center_id", "client_id", "date"))
        Consultation.history.filter(summary=SUMMARY).delete()
        Consultation.other_staff.through.objects.filter(consultation__summary=SUMMARY).delete()
        added._raw_delete(added.db)
        days, visits = summaries.session_keys(rows)
        summaries.refresh(days=days, visits=visits)
    vacuum_written()
    return len(rows)


def vacuum_written() -> None:
    """VACUUM (ANALYZE) the tables a run writes, as production's autovacuum would (the
    bench server runs without it): left unvacuumed, their deleted rows stay in the
    indexes and index-only scans read the table again, so that each run measured
    slower than the one before (the clients a bureau saw in a year: 157,810 heap
    fetches for 1,001 rows after three runs)."""
    from django.db import connection

    from consultations.models import (
        ClientCenter,
        Consultation,
        IndicatorDayCount,
        IndicatorFirstDay,
    )

    models = (
        Consultation,
        Consultation.history.model,
        Consultation.other_staff.through,
        ClientCenter,
        IndicatorDayCount,
        IndicatorFirstDay,
    )
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f'VACUUM (ANALYZE) "{model._meta.db_table}"')


def start_server(args, work: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        YOROZU_PRODUCTION="1",
        SECRET_KEY="load-benchmark-only-" + "x" * 40,
        ALLOWED_HOSTS="127.0.0.1,localhost",
        DATABASE_URL=args.database_url,
        YOROZU_VAR_DIR=str(work),
        DB_CONN_MAX_AGE="60",
        # The shared cache of production (rate limits, lockout): Redis, as the README says.
        REDIS_URL=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/3"),
        # The second login step is one more POST per login, not part of the daily mix;
        # the demo accounts have no authenticator, so the bench users skip it.
        MFA_REQUIRED="0",
    )
    env.pop("DEBUG", None)
    python = Path(sys.executable)
    subprocess.run(
        [python, "manage.py", "collectstatic", "--no-input", "-v", "0"],
        cwd=ROOT,
        env=env,
        check=True,
    )
    log_format = "%({x-load-name}i)s|%(s)s|%(D)s"
    server = subprocess.Popen(
        [
            python.parent / "gunicorn",
            "yorozu.wsgi",
            "--bind",
            f"127.0.0.1:{args.port}",
            "--workers",
            str(args.workers),
            "--access-logfile",
            str(work / "access.log"),
            "--access-logformat",
            log_format,
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(60):
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", args.port)) == 0:
                return server
        time.sleep(0.5)
    server.kill()
    sys.exit("gunicorn did not start")


def percentile(values, share):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(share * len(values)))]


def server_times(log: Path, offset: int) -> dict:
    """Server time (ms) by endpoint from the access log lines after ``offset``."""
    times: dict = {}
    with log.open() as lines:
        lines.seek(offset)
        for line in lines:
            name, _status, micros = line.rstrip("\n").rsplit("|", 2)
            if name and name != "-":
                times.setdefault(name, []).append(int(micros) / 1000)
    return times


def run_users(args, users: int, work: Path) -> None:
    log = work / "access.log"
    offset = log.stat().st_size if log.exists() else 0
    before = load()
    prefix = work / f"users{users}"
    subprocess.run(
        [
            Path(sys.executable).parent / "locust",
            "-f",
            ROOT / "bench" / "locustfile.py",
            "--headless",
            "--host",
            f"http://127.0.0.1:{args.port}",
            "--users",
            str(users),
            "--spawn-rate",
            str(max(1, users // 5)),
            "--run-time",
            f"{args.duration}s",
            "--csv",
            prefix,
            "--only-summary",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=dict(os.environ, YOROZU_LOAD_SAMPLES=str(work / "samples.json")),
        check=False,
        stdout=subprocess.DEVNULL,
    )
    after = load()
    served = server_times(log, offset)
    print(f"\n## {users} users, {args.duration} s — before: {before}; after: {after}")
    header = (
        f"{'endpoint':34} {'reqs':>6} {'err':>4} "
        f"{'client p50/p95/p99 ms':>24} {'server p50/p95/p99 ms':>24} {'target':>8}"
    )
    print(header)
    total = None
    with open(f"{prefix}_stats.csv", newline="") as stats:
        for row in csv.DictReader(stats):
            if row["Name"] == "Aggregated":
                total = row
                continue
            name = row["Name"]
            server = served.get(name, [])
            target = TARGET_DAILY_P95_MS if ("list" in name or "quick" in name) else TARGET_P95_MS
            p95 = percentile(server, 0.95)
            verdict = "" if name == "login" else ("PASS" if p95 < target else "FAIL")
            print(
                f"{name:34} {row['Request Count']:>6} {row['Failure Count']:>4} "
                f"{row['50%']:>7}/{row['95%']:>7}/{row['99%']:>8} "
                f"{percentile(server, 0.5):>7.0f}/{p95:>7.0f}/{percentile(server, 0.99):>8.0f} "
                f"{'<' + str(target):>6} {verdict}"
            )
    if total:
        rps = float(total["Requests/s"])
        print(
            f"{'all':34} {total['Request Count']:>6} {total['Failure Count']:>4} "
            f"{total['50%']:>7}/{total['95%']:>7}/{total['99%']:>8}   "
            f"throughput {rps:.1f} requests/s (target ≥ {TARGET_RPS} at 50 users)"
        )
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        for row in list(csv.DictReader(failures.open()))[:10]:
            print(f"  error: {row['Name']}: {row['Error']} ×{row['Occurrences']}")


def main():
    args = parse_args()
    os.chdir(ROOT)
    setup_django(args.database_url)
    if args.clean:
        print(f"deleted {clean()} sessions of earlier load runs")
        return
    work = Path(tempfile.mkdtemp(prefix="yorozu-load-"))
    samples(work / "samples.json")
    ensure_plans()
    vacuum_written()  # each run starts from the same state, whatever ran before
    from django.db import connections

    connections.close_all()
    print(f"yorozu load benchmark: {load()}; work files in {work}")
    server = start_server(args, work)
    try:
        for users in [int(n) for n in args.users.split(",")]:
            run_users(args, users, work)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(60)  # a worker may still be on a long request
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    print(
        f"\nsessions added by the quick-entry POSTs: delete them with {Path(__file__).name} --clean"
    )
    shutil.rmtree(work / "static", ignore_errors=True)


if __name__ == "__main__":
    main()
