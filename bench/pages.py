"""Every page of the load benchmark's daily mix, once per role, with its queries.

Not a test and never run by CI. Where ``bench/load.py`` says how the pages hold up
under 50 users, this says why: for each page of the mix, as the account that uses
it, the server time (median of ``--runs``), the number of queries, and the slowest
query with its ``EXPLAIN (ANALYZE, BUFFERS)`` plan (``--explain``), on the bench
database built by ``bench/records.py``::

    .venv/bin/python bench/pages.py [--runs 5] [--explain plans.txt] [--only client]
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402  (the bench's database set-up and samples)

# (account, page, path): the load mix's pages (bench/locustfile.py), {names} from
# the samples of that account.
PAGES = [
    ("tokyo-co", "home", "/"),
    ("tokyo-co", "quick entry GET", "/records/sessions/quick/"),
    (
        "tokyo-co",
        "quick entry client search",
        "/records/sessions/quick/clients/?client_ref=杉山設",
    ),
    (
        "tokyo-co",
        "quick entry client search (common word)",
        "/records/sessions/quick/clients/?client_ref=株式会社",
    ),
    (
        "tokyo-co",
        "sessions list (month)",
        "/records/sessions/?date_from=2025-10-01&date_to=2025-10-31",
    ),
    ("tokyo-co", "sessions list (text)", "/records/sessions/?q=販路&fy=2025"),
    ("tokyo-co", "sessions list (text, rare)", "/records/sessions/?q=事業承継&fy=2025"),
    ("tokyo-co", "sessions list", "/records/sessions/"),
    ("tokyo-co", "clients list", "/records/clients/"),
    ("tokyo-co", "client detail", "/records/clients/{client}/"),
    ("tokyo-co", "cases list", "/records/cases/?status=open"),
    ("tokyo-co", "case detail", "/records/cases/{case}/"),
    ("tokyo-co", "session detail", "/records/sessions/{session}/"),
    ("tokyo-co", "session form", "/records/sessions/new/"),
    ("tokyo-cc", "center dashboard", "{dashboard}"),
    ("tokyo-cc", "indicators", "/records/indicators/?fy=2025"),
    ("tokyo-cc", "plans list", "/plans/"),
    ("kanto", "home", "/"),
    ("kanto", "bureau dashboard", "{dashboard}"),
    ("kanto", "indicators", "/records/indicators/?fy=2025"),
    (
        "kanto",
        "sessions list (month)",
        "/records/sessions/?date_from=2025-10-01&date_to=2025-10-31",
    ),
    ("kanto", "sessions list (text)", "/records/sessions/?q=販路&fy=2025"),
    ("kanto", "clients list", "/records/clients/?visited_fy=2025"),
    ("kanto", "visits list", "/support/visits/"),
    ("expert", "home", "/"),
    ("expert", "visits list", "/support/visits/"),
    ("expert", "follow-ups list", "/support/follow-ups/"),
    ("admin", "home", "/"),
    ("admin", "national dashboard", "/plans/dashboard/national/?fy=2025"),
    ("admin", "national trend", "/plans/dashboard/national/trend/"),
    ("admin", "indicators", "/records/indicators/?fy=2025"),
    ("admin", "evaluation runs", "/evaluation/"),
    (
        "admin",
        "sessions list (month)",
        "/records/sessions/?date_from=2025-10-01&date_to=2025-10-31&center={center}",
    ),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=load.DEFAULT_URL)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--explain", help="write the slowest query's plan of every page here")
    parser.add_argument("--only", default="", help="pages whose name contains this")
    parser.add_argument(
        "--profile", action="store_true", help="print each page's Python profile (cProfile, top 25)"
    )
    return parser.parse_args()


def main():
    args = parse_args()
    os.environ["MFA_REQUIRED"] = "0"
    load.setup_django(args.database_url)
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from accounts.models import User

    setup_test_environment()  # the test client's host, mail kept in memory

    with tempfile.TemporaryDirectory() as work:
        samples_file = Path(work) / "samples.json"
        load.samples(samples_file)
        import json

        samples = json.loads(samples_file.read_text())
    load.ensure_plans()
    plans = open(args.explain, "w") if args.explain else None  # noqa: SIM115
    print(f"{datetime.datetime.now():%Y-%m-%d %H:%M}, {load.load()}")
    print(
        f"{'account':10} {'page':30} {'HTTP':>4} {'median ms':>9} {'queries':>7} {'slowest ms':>10}"
    )
    for username, name, path in PAGES:
        if args.only not in name:
            continue
        mine = samples[username]
        path = path.format(
            client=mine["client_ids"][0],
            case=mine["cases"][0],
            session=mine["sessions"][0],
            center=mine["centers"][0],
            dashboard=mine["dashboard"],
        )
        client = Client(HTTP_X_FORWARDED_PROTO="https")
        client.force_login(User.objects.get(username=username))
        response = client.get(path)  # warm-up
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            client.get(path)
            times.append((time.perf_counter() - started) * 1000)
        if args.profile:
            import cProfile
            import pstats

            profiler = cProfile.Profile()
            profiler.runcall(client.get, path)
            print(f"--- {username} {name}")
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(r"/work/main/(?!\.venv)", 25)
            stats.sort_stats("tottime").print_stats(15)
        with CaptureQueriesContext(connection) as queries:
            client.get(path)
        slowest = max(queries.captured_queries, key=lambda q: float(q["time"]), default=None)
        slowest_ms = float(slowest["time"]) * 1000 if slowest else 0
        print(
            f"{username:10} {name:30} {response.status_code:>4} "
            f"{statistics.median(times):>9.0f} {len(queries):>7} {slowest_ms:>10.0f}"
        )
        if plans and slowest:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.write(f"## {name} ({username}, {path})\n\n{slowest['sql']}\n\n{plan}\n\n")
    if plans:
        plans.close()


if __name__ == "__main__":
    main()
