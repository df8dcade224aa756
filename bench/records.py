"""Benchmark the consultation records at the real network's volume, on PostgreSQL.

Not a test and never run by CI. See bench/README.md; in short::

    .venv/bin/python bench/records.py [--years 10] [--scale 1.0]
        [--database-url postgres://postgres@127.0.0.1:5432/yorozu_bench] [--reuse] [--drop]
        [--import] [--no-vacuum]

It creates and migrates the bench database, streams ``--years`` fiscal years of
demo records into it with COPY (the generator of ``consultations/demo.py``),
vacuums the record tables (unless ``--no-vacuum``), then times in the same run:

(a) the per-center indicator table of the last fiscal year through
    ``consultations.indicators.center_table`` against one hand-written SQL
    query per indicator (the numbers must be equal);
(b) the consultation list page filtered to one center, one month and one mode,
    through Django's test client logged in as that center's manager;
(c) only with ``--import``: the bulk import of 100,000 new sessions through
    ``core.imports.run_import`` against COPY of the same rows;
(d) the national dashboard of the last fiscal year (as of 15 December)
    through Django's test client logged in as the Agency administrator, with
    fiscal years and a confirmed plan per center in place, its query count and
    slowest queries, and its parts timed one by one.

and prints a summary with PASS/FAIL per target.
"""

import argparse
import csv
import datetime
import io
import operator
import os
import random
import statistics
import sys
import time
import warnings
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the project's packages, when run as `python bench/records.py`

from core import roles  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yorozu_bench"
LAST_FY = 2025
SEED = 2026

TARGET_BUILD_S = 30 * 60
TARGET_RATIO = 1.5
TARGET_LIST_MS = 300
# Issue 3's decision (issue 14): the import against COPY of the same rows on the same server.
TARGET_IMPORT_COPY_RATIO = 0.5
TARGET_DASHBOARD_MS = 500
IMPORT_ROWS = 100_000
DATE_ORDER: dict = {}  # model -> the date field it is stored in order of (set in build)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--years", type=int, default=10, help="fiscal years to build (to FY2025)")
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = ~700,000 sessions a year")
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--reuse", action="store_true", help="keep the records already built")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument(
        "--runs", type=int, default=5, help="runs of the indicator table and the dashboard"
    )
    parser.add_argument(
        "--import",
        dest="run_import",
        action="store_true",
        help="also run (c), the bulk import (off by default)",
    )
    parser.add_argument(
        "--no-vacuum",
        dest="vacuum",
        action="store_false",
        help="do not VACUUM (ANALYZE) the record tables before timing",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build (or reuse) and vacuum the records, then stop without timing",
    )
    return parser.parse_args()


def main():
    args = parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("The benchmark needs a PostgreSQL --database-url.")
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "0"  # no query log, as in production
    os.environ["DB_CONN_MAX_AGE"] = "60"  # persistent connections, as in production
    os.environ["ALLOWED_HOSTS"] = "testserver,127.0.0.1,localhost"
    # The pages are timed logged in without the second step (as bench/pages.py): with it
    # required, the list page and the dashboard answered 302, to its set-up page.
    os.environ["MFA_REQUIRED"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yorozu.settings")
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    warnings.filterwarnings("ignore", "No directory at")  # static files are not collected here
    create_database(args.database_url)

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    results = Results()
    results.machine = (
        f"{os.cpu_count()} cores, {datetime.date.today():%Y-%m-%d}; {server_settings()}"
    )
    try:
        build(args, results)
        if args.vacuum:
            vacuum(results)
        if args.build_only:
            return
        bench_indicators(args, results)
        bench_list_page(results)
        if args.run_import:
            bench_import(args, results)
        else:
            results.skip("(c) import", "skipped: pass --import to run it")
        bench_dashboard(args, results)
    finally:
        results.print()
        if args.drop:
            from django.db import connections

            connections.close_all()
            drop_database(args.database_url)


class Results:
    def __init__(self):
        self.rows: list[tuple[str, str, str, str]] = []
        self.machine = ""

    def add(self, name, measured, target="", ok=None):
        verdict = "" if ok is None else ("PASS" if ok else "FAIL")
        self.rows.append((name, measured, target, verdict))
        print(f"  {name}: {measured}" + (f"  [{verdict} {target}]" if verdict else ""), flush=True)

    def skip(self, name, reason):
        self.rows.append((name, reason, "", "SKIP"))
        print(f"  {name}: {reason}", flush=True)

    def print(self):
        header = ("benchmark", "measured", "target", "result")
        table = [header, *self.rows]
        widths = [max(len(row[i]) for row in table) for i in range(4)]
        print(f"\nSummary ({self.machine})")
        for row in [header, tuple("-" * w for w in widths), *self.rows]:
            print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))


# --- database ------------------------------------------------------------------------------------


# The server settings the write and read timings depend on most; printed with the results
# because a default configuration (128 MB of shared buffers) is not a production one.
SERVER_SETTINGS = ("shared_buffers", "max_wal_size", "wal_compression", "autovacuum", "jit")


def server_settings() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, setting, unit FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
            [list(SERVER_SETTINGS)],
        )
        settings = {name: (setting, unit) for name, setting, unit in cursor.fetchall()}
    parts = []
    for name in SERVER_SETTINGS:
        setting, unit = settings[name]
        if unit == "8kB":
            setting, unit = f"{int(setting) * 8 // 1024}", "MB"
        parts.append(f"{name} {setting}{' ' + unit if unit else ''}")
    return ", ".join(parts)


def _maintenance_url(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


def create_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def drop_database(url: str) -> None:
    import psycopg
    from psycopg import sql

    maintenance, name = _maintenance_url(url)
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
    print(f"dropped database {name}")


def timed(function, runs):
    """(median seconds, last result) of ``runs`` calls."""
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


# --- build ---------------------------------------------------------------------------------------


def build(args, results) -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from consultations import demo, summaries
    from consultations.models import Consultation, IndicatorDayCount, IndicatorFirstDay

    expected = demo.SESSIONS_AT_FULL_SCALE * args.scale * args.years
    have = Consultation.objects.count()
    first_fy = LAST_FY - args.years + 1
    if args.reuse and have >= 0.9 * expected:
        results.add("build", f"reused: {have:,} sessions already there")
        return

    rng = random.Random(SEED)
    for name in ("organizations.demo", "organizations.demo_institutions", "accounts.demo"):
        __import__(name, fromlist=["build"]).build(rng, lambda message: print(" ", message))
    global DATE_ORDER
    DATE_ORDER = _date_order()
    tables = [model._meta.db_table for model in demo.FIELDS]
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE " + ", ".join(tables) + " RESTART IDENTITY CASCADE")

    print(f"building FY{first_fy}–FY{LAST_FY} at scale {args.scale:g} …", flush=True)
    started = time.perf_counter()
    conn = connection.connection  # the psycopg connection under Django's
    counts = {model: 0 for model in demo.FIELDS}
    with conn.cursor() as cursor:
        # Load without the secondary indexes and the foreign-key triggers, then
        # build the indexes once: several times faster than maintaining them.
        cursor.execute("SET session_replication_role = replica")
        cursor.execute("SET maintenance_work_mem = '512MB'")
        cursor.execute("SET synchronous_commit = off")
        indexes = secondary_indexes(cursor, tables)
        for index_name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{index_name}"')
        conn.commit()
        context, ids, pool = demo.load_context(), demo.Ids(), demo.ClientPool()
        rng = random.Random(SEED)  # the records do not depend on what the builders drew
        for fiscal_year in range(first_fy, LAST_FY + 1):
            year_started = time.perf_counter()
            year = {model: [] for model in demo.FIELDS}
            for batch in demo.generate_year(
                rng, fiscal_year, args.scale, context=context, ids=ids, clients_pool=pool
            ):
                for model, rows in batch.items():
                    year[model] += rows
            number_clients_as_registered(year, pool)
            for model, rows in year.items():
                if model in DATE_ORDER:  # stored in the order records are entered: by date
                    rows.sort(key=operator.itemgetter(demo.FIELDS[model].index(DATE_ORDER[model])))
                copy_rows(cursor, model, demo.FIELDS[model], rows)
                counts[model] += len(rows)
            del year
            conn.commit()
            print(
                f"  FY{fiscal_year}: {counts[Consultation]:,} sessions so far, "
                f"{time.perf_counter() - year_started:.0f} s",
                flush=True,
            )
        loaded = time.perf_counter()
        for _index_name, definition in indexes:
            cursor.execute(definition)
        models = [model for model in demo.FIELDS if model._meta.auto_created is False]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        cursor.execute("SET session_replication_role = DEFAULT")
        conn.commit()
        indexed = time.perf_counter()
        for table in tables:
            cursor.execute(f'ANALYZE "{table}"')
        conn.commit()
    summarized = time.perf_counter()
    summaries.rebuild()  # the records were loaded by COPY, without the models' signals
    with connection.cursor() as cursor:
        for model in (IndicatorDayCount, IndicatorFirstDay):
            cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    finished = time.perf_counter()
    rows = sum(counts.values())
    print(
        f"  load {loaded - started:.0f} s, indexes {indexed - loaded:.0f} s, "
        f"analyze {summarized - indexed:.0f} s, indicator summaries {finished - summarized:.0f} s",
        flush=True,
    )
    results.add(
        f"build {args.years} FY at scale {args.scale:g}",
        f"{finished - started:.0f} s for {counts[Consultation]:,} sessions "
        f"({rows:,} rows in all, {rows / (finished - started):,.0f} rows/s)",
        f"< {TARGET_BUILD_S} s",
        finished - started < TARGET_BUILD_S,
    )
    for model, count in counts.items():
        print(f"    {model._meta.db_table}: {count:,}")


def vacuum(results) -> None:
    """VACUUM (ANALYZE) the record tables, as autovacuum does in production.

    Rows just written by COPY are not yet marked all-visible, so an index-only
    scan (the covering index of the indicators) still reads the table's pages
    until a vacuum has run. A bench server may have autovacuum off, and even
    with it on its timing is unpredictable; this step makes every run start
    from the same state. On tables vacuumed already it takes seconds.
    """
    from django.db import connection

    from consultations import demo
    from consultations.models import IndicatorDayCount, IndicatorFirstDay

    tables = [
        model._meta.db_table for model in [*demo.FIELDS, IndicatorDayCount, IndicatorFirstDay]
    ]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        for table in tables:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    results.add(
        "vacuum (analyze) of the record tables",
        f"{time.perf_counter() - started:.0f} s (autovacuum is {autovacuum} on this server)",
    )


def _date_order():
    from consultations.models import Case, Client, Consultation, NetworkActivity

    return {Client: "created_at", Case: "opened_on", Consultation: "date", NetworkActivity: "date"}


def secondary_indexes(cursor, tables) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes that back no constraint."""
    cursor.execute(
        """
        SELECT i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        WHERE t.relname = ANY(%s)
          AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)
        ORDER BY i.relname
        """,
        [tables],
    )
    return cursor.fetchall()


def number_clients_as_registered(year: dict, pool) -> None:
    """Number the year's new clients in the order they registered, across centers, as
    the system numbers them; the generator numbers them center by center, which put a
    center's newest clients behind every later center's (Tokyo's behind 110,000 others'),
    and the lists ordered by newest client walked them all.
    The same ids, given in another order: the sessions, cases and the pool follow."""
    from consultations import demo
    from consultations.models import Case, Client, Consultation

    fields = demo.FIELDS
    at, created = fields[Client].index("id"), fields[Client].index("created_at")
    clients = sorted(year[Client], key=operator.itemgetter(created, at))
    new_id = dict(
        zip([row[at] for row in clients], sorted(row[at] for row in clients), strict=True)
    )
    year[Client] = [(*row[:at], new_id[row[at]], *row[at + 1 :]) for row in clients]
    for model in (Case, Consultation):
        at = fields[model].index("client_id")
        year[model] = [
            (*row[:at], new_id.get(row[at], row[at]), *row[at + 1 :]) for row in year[model]
        ]
    for center_id, ids in pool.by_center.items():
        for index in range(pool.earlier.get(center_id, 0), len(ids)):
            ids[index] = new_id.get(ids[index], ids[index])


def copy_rows(cursor, model, fields, rows) -> None:
    columns = ", ".join(f'"{name}"' for name in fields)
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


# --- (a) indicator table -------------------------------------------------------------------------

HAND_WRITTEN = {
    "consultations": """
        SELECT center_id, COUNT(*) FROM consultations_consultation
        WHERE date BETWEEN %(start)s AND %(end)s GROUP BY GROUPING SETS ((center_id), ())""",
    "visitors": """
        SELECT center_id, COUNT(DISTINCT client_id) FROM consultations_consultation
        WHERE date BETWEEN %(start)s AND %(end)s GROUP BY GROUPING SETS ((center_id), ())""",
    "cases_solved": """
        SELECT center_id, COUNT(*) FROM consultations_case
        WHERE status = 'solved' AND resolved_on BETWEEN %(start)s AND %(end)s
        GROUP BY GROUPING SETS ((center_id), ())""",
    "network_activities": """
        SELECT center_id, COUNT(*) FROM consultations_networkactivity
        WHERE date BETWEEN %(start)s AND %(end)s GROUP BY GROUPING SETS ((center_id), ())""",
}


def hand_written_table(period) -> dict:
    """{center_id or None (the total): {code: value}} from one SQL query per indicator."""
    from django.db import connection

    table: dict = {}
    with connection.cursor() as cursor:
        for code, query in HAND_WRITTEN.items():
            cursor.execute(query, {"start": period.start, "end": period.end})
            for center_id, value in cursor.fetchall():
                table.setdefault(center_id, {})[code] = value
    return table


def bench_indicators(args, results) -> None:
    from django.test import override_settings

    from consultations.indicators import center_table
    from core.fiscal import Period
    from organizations.models import Center

    period = Period.fiscal_year(LAST_FY)
    print(f"(a) indicator table for {period.label} …", flush=True)

    def through_engine():
        return center_table(period=period, centers=Center.objects.all())

    def by_hand():
        return hand_written_table(period)

    # For information: the engine counting the records, its summary tables switched off.
    def counted_live():
        with override_settings(INDICATOR_SUMMARIES=False):
            return center_table(period=period, centers=Center.objects.all())

    engine_s, rows = timed(through_engine, args.runs)
    sql_s, table = timed(by_hand, args.runs)
    variant_s, variant_rows = timed(counted_live, args.runs)
    engine_values = {row.center.pk if row.center else None: row.values for row in rows}
    sql_values = {
        center: {code: table.get(center, {}).get(code, 0) for code in HAND_WRITTEN}
        for center in engine_values
    }
    if engine_values != sql_values:
        different = [c for c in engine_values if engine_values[c] != sql_values[c]]
        raise AssertionError(f"the indicator engine and the SQL disagree for centers {different}")
    variant_values = {row.center.pk if row.center else None: row.values for row in variant_rows}
    if variant_values != engine_values:
        raise AssertionError("center_table from the summaries disagrees with the live count")
    total = engine_values[None]
    print(f"  totals (equal both ways): {total}")
    results.add(
        "indicator table, center_table()", f"{engine_s * 1000:.0f} ms (median of {args.runs})"
    )
    results.add(
        "indicator table, hand-written SQL", f"{sql_s * 1000:.0f} ms (median of {args.runs})"
    )
    results.add(
        "indicator table, ratio",
        f"{engine_s / sql_s:.2f}×",
        f"≤ {TARGET_RATIO}×",
        engine_s / sql_s <= TARGET_RATIO,
    )
    results.add(
        "  variant: the engine counting the records (summaries off)",
        f"{variant_s * 1000:.0f} ms, {variant_s / sql_s:.2f}× the SQL (information)",
    )


# --- (b) list page -------------------------------------------------------------------------------


def list_filters(view_class, center, start, end) -> dict:
    """Query parameters for a center, a date range and a mode, named as the list's FilterSet names them."""
    from django_filters import DateFromToRangeFilter

    filterset = getattr(view_class, "filterset_class", None)
    if filterset is None:  # the django-filter defaults
        return {"center": center.pk, "date_after": start, "date_before": end, "mode": "visit"}
    params = {}
    for name, spec in filterset.base_filters.items():
        if spec.field_name == "center":
            params[name] = center.pk
        elif spec.field_name == "mode":
            params[name] = "visit"
        elif spec.field_name == "date" and isinstance(spec, DateFromToRangeFilter):
            params |= {f"{name}_after": start, f"{name}_before": end}
        elif spec.field_name == "date" and spec.lookup_expr in ("gte", "lte"):
            params[name] = start if spec.lookup_expr == "gte" else end
    return {name: str(value) for name, value in params.items()}


def bench_list_page(results) -> None:
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, resolve, reverse

    from accounts.models import User
    from organizations.models import Center

    name = "list page (Tokyo, 1 month, visit)"
    try:
        url = reverse("consultations:consultation_list")
    except NoReverseMatch:
        results.skip(name, "skipped: list view not available")
        return
    print("(b) list page …", flush=True)
    tokyo = Center.objects.get(code="13")
    manager = User.objects.filter(role=roles.CENTER_MANAGER, center=tokyo).first()
    month = datetime.date(LAST_FY, 10, 1)
    view_class = getattr(resolve(url).func, "view_class", None)
    params = list_filters(view_class, tokyo, month, datetime.date(LAST_FY, 10, 31))
    client = Client()
    client.force_login(manager)
    response = client.get(url, params)  # warm-up
    if response.status_code != 200:
        results.skip(name, f"skipped: GET {url} answered {response.status_code}")
        return
    from django.db import connection, reset_queries

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        client.get(url, params)
    queries = len(captured)  # now: every request clears the log the context reads from
    median_s, response = timed(lambda: client.get(url, params), 10)
    print(f"  GET {url}?{'&'.join(f'{k}={v}' for k, v in params.items())}")
    print(f"  {len(response.content):,} bytes, {queries} queries")
    results.add(
        name,
        f"{median_s * 1000:.0f} ms (median of 10, {queries} queries)",
        f"< {TARGET_LIST_MS} ms",
        median_s * 1000 < TARGET_LIST_MS,
    )


# --- (c) import ----------------------------------------------------------------------------------

IMPORT_HEADERS = [
    "対応ID",
    "拠点",
    "相談者ID",
    "課題ID",
    "対応日",
    "開始時刻",
    "時間(分)",
    "対応方法",
    "担当者",
    "概要",
]
MODE_LABELS = {
    "visit": "来訪",
    "outreach": "出張・サテライト",
    "phone": "電話",
    "online": "オンライン",
    "email": "メール",
}


def import_sample(count: int):
    """``count`` new sessions for existing clients and cases of the last year: DB tuples and CSV."""
    from django.db import connection

    from consultations.demo import FIELDS
    from consultations.models import Consultation

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT k.id, k.external_id, cl.id, cl.external_id, ce.id, ce.code, s.lead_staff_id,
                   p.staff_code
            FROM consultations_consultation s
            JOIN consultations_case k ON k.id = s.case_id
            JOIN consultations_client cl ON cl.id = s.client_id
            JOIN organizations_center ce ON ce.id = s.center_id
            JOIN organizations_person p ON p.id = s.lead_staff_id
            WHERE s.date >= %s
            ORDER BY s.id DESC LIMIT %s
            """,
            [datetime.date(LAST_FY, 4, 1), count],
        )
        sources = cursor.fetchall()
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM consultations_consultation")
        next_id = cursor.fetchone()[0] + 1
    rng = random.Random(SEED)
    rows, text = [], io.StringIO()
    writer = csv.writer(text)
    writer.writerow(IMPORT_HEADERS)
    modes = list(MODE_LABELS)
    for number in range(count):
        case_pk, case_ext, client_pk, client_ext, center_pk, code, staff_pk, staff_code = sources[
            number % len(sources)
        ]
        day = datetime.date(LAST_FY + 1, 3, 1) + datetime.timedelta(days=rng.randrange(31))
        start = datetime.time(rng.randrange(9, 17), rng.choice((0, 30)))
        mode = rng.choice(modes)
        summary = "販路開拓について相談。ECサイトの活用を提案。"
        external = f"BENCH-{number:06d}"
        writer.writerow(
            [
                external,
                code,
                client_ext,
                case_ext,
                day.isoformat(),
                f"{start:%H:%M}",
                60,
                MODE_LABELS[mode],
                staff_code,
                summary,
            ]
        )
        values = {
            "id": next_id + number,
            "external_id": f"COPY-{number:06d}",
            "date": day,
            "start_time": start,
            "minutes": 60,
            "center_id": center_pk,
            "lead_staff_id": staff_pk,
            "mode": mode,
            "place": "",
            "client_id": client_pk,
            "case_id": case_pk,
            "summary": summary,
            "advice": "",
            "next_step": "",
        }
        rows.append(tuple(values[name] for name in FIELDS[Consultation]))
    return rows, text.getvalue().encode("utf-8")


def bench_import(args, results) -> None:
    from django.db import connection, transaction

    from consultations import summaries
    from consultations.demo import FIELDS
    from consultations.models import Consultation

    runs = max(1, min(args.runs, 3))
    print(f"(c) import of {IMPORT_ROWS:,} sessions, {runs} runs each …", flush=True)
    rows, data = import_sample(IMPORT_ROWS)

    fields = FIELDS[Consultation]
    key_of = operator.itemgetter(*(fields.index(f) for f in ("center_id", "client_id", "date")))
    days, visits = summaries.session_keys(key_of(row) for row in rows)
    tables = ("consultations_consultation", "consultations_historicalconsultation")

    def clean_up():
        """Delete the added sessions and their history, recount their summaries, and
        vacuum: without autovacuum the deleted rows' index entries would stay and slow
        down the next run's lookups and unique checks (the ID lookup 0.8 s → 9.2 s, measured)."""
        with transaction.atomic(), connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"DELETE FROM {table} "
                    "WHERE external_id LIKE 'BENCH-%%' OR external_id LIKE 'COPY-%%'"
                )
            summaries.refresh(days=days, visits=visits)
        with connection.cursor() as cursor:
            cursor.execute(
                f"VACUUM {', '.join(tables)}, consultations_indicatordaycount, "
                "consultations_indicatorfirstday"
            )

    def settle():
        """The same start for every timed run: the last run's clean-up vacuumed and
        written out (CHECKPOINT), so that neither a COPY nor an import pays for the
        writes of the run before it."""
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")

    def copy_once():
        settle()
        started = time.perf_counter()
        with connection.cursor() as cursor:
            copy_rows(cursor.cursor, Consultation, FIELDS[Consultation], rows)
        seconds = time.perf_counter() - started
        clean_up()
        return seconds

    clean_up()

    import logging

    from accounts.models import User
    from core.imports import run_import
    from core.tabular import read_table

    log = logging.getLogger("core.imports.records")  # its line: load, check, write times
    log.addHandler(logging.StreamHandler(sys.stdout))
    log.setLevel(logging.INFO)
    user = User.objects.filter(role=roles.AGENCY_ADMIN).first()
    before = Consultation.objects.count()

    def import_once():
        settle()
        started = time.perf_counter()
        table = read_table(data, "x.csv")
        outcome = run_import("sessions", table, user=user)
        seconds = time.perf_counter() - started
        created = Consultation.objects.count() - before
        clean_up()
        if created != IMPORT_ROWS:
            sys.exit(f"run_import created {created:,} of {IMPORT_ROWS:,} rows: {outcome}")
        return seconds

    # A COPY and an import in turn, so that both see the server in the same state (a
    # shared machine's speed drifts over minutes; all COPYs first measured them apart).
    copies, imports = [], []
    for _ in range(runs):
        copies.append(copy_once())
        imports.append(import_once())
    copy_s, import_s = statistics.median(copies), statistics.median(imports)
    copy_rps, import_rps = IMPORT_ROWS / copy_s, IMPORT_ROWS / import_s
    results.add(
        "COPY of the same sessions",
        f"{copy_rps:,.0f} rows/s ({copy_s:.1f} s, median of {runs}: "
        f"{', '.join(f'{s:.1f}' for s in copies)} s)",
    )
    results.add(
        "import_records (100k sessions)",
        f"{import_rps:,.0f} rows/s ({import_s:.1f} s, median of {runs}: "
        f"{', '.join(f'{s:.1f}' for s in imports)} s)",
    )
    ratio = import_rps / copy_rps
    results.add(
        "import against COPY, ratio",
        f"{ratio:.2f}× COPY's rows/s",
        f"≥ {TARGET_IMPORT_COPY_RATIO}×",
        ratio >= TARGET_IMPORT_COPY_RATIO,
    )


# --- (d) national dashboard ----------------------------------------------------------------------

DASHBOARD_AS_OF = (12, 15)  # month and day in the last fiscal year


def dashboard_plans(first_fy: int):
    """Fiscal years of the bench data and a confirmed plan per center for the last one.

    Bulk-created, without the workflow or history rows: targets 3 % above the
    previous year's results, and two priority fields per center, each with a
    metric, as a real plan has one to five. Returns the last ``FiscalYear``
    and the number of distinct (field, metric) pairs, which is the number of
    priority indicators the dashboard computes.
    """
    from django.db import transaction

    from consultations.indicators import STANDARD, PriorityMetric, compute
    from consultations.models import PriorityField
    from core.fiscal import Period
    from organizations.models import Center
    from planning.models import (
        BusinessPlan,
        FiscalYear,
        FiscalYearState,
        PlanPriority,
        PlanStatus,
        PlanTarget,
    )

    rng = random.Random(SEED)
    with transaction.atomic():
        for year in range(first_fy, LAST_FY + 1):
            state = FiscalYearState.IN_PROGRESS if year == LAST_FY else FiscalYearState.CLOSED
            FiscalYear.objects.update_or_create(year=year, defaults={"state": state})
        fiscal_year = FiscalYear.objects.get(year=LAST_FY)
        BusinessPlan.objects.filter(fiscal_year=fiscal_year).delete()  # from an earlier run
        basis = compute(STANDARD, period=Period.fiscal_year(LAST_FY - 1), group="center")
        plans = BusinessPlan.objects.bulk_create(
            BusinessPlan(
                center=center,
                fiscal_year=fiscal_year,
                status=PlanStatus.CONFIRMED,
                confirmed_at=datetime.datetime(LAST_FY, 5, 10, 9, tzinfo=datetime.UTC),
            )
            for center in Center.objects.order_by("code")
        )
        PlanTarget.objects.bulk_create(
            PlanTarget(
                plan=plan,
                indicator=indicator.code,
                target=max(1, round(basis.get(plan.center_id, {}).get(indicator.code, 0) * 1.03)),
            )
            for plan in plans
            for indicator in STANDARD
        )
        fields = list(PriorityField.objects.order_by("pk"))
        metrics = [metric for metric, _label in PriorityMetric.choices]
        priorities = []
        for plan in plans:
            values = basis.get(plan.center_id, {})
            for priority_field in rng.sample(fields, 2):
                metric = rng.choice(metrics)
                base = values.get(
                    "cases_solved" if metric == PriorityMetric.SOLVED_CASES else "consultations", 0
                )
                priorities.append(
                    PlanPriority(
                        plan=plan,
                        priority_field=priority_field,
                        metric=metric,
                        target=max(1, round(base * 0.08)),
                    )
                )
        PlanPriority.objects.bulk_create(priorities)
    return fiscal_year, len({(p.priority_field_id, p.metric) for p in priorities})


def captured_queries(client, url) -> list[tuple[float, str]]:
    """(seconds, SQL) of every query of one GET, slowest first."""
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    reset_queries()
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    queries = [(float(q["time"]), q["sql"]) for q in captured.captured_queries]
    return sorted(queries, key=operator.itemgetter(0), reverse=True)


def query_kind(sql: str) -> str:
    if "priority_fields" in sql:
        return "priority indicators"
    if "django_date_trunc" in sql or "DATE_TRUNC" in sql:
        return "by month (last year's pattern)"
    if "EXTRACT" in sql and "GROUP BY" in sql:
        return "by fiscal year (trend)"
    if "consultations_" in sql:
        return "standard indicators"
    return "other (session, plans, centers, …)"


def print_queries(queries, top=8) -> None:
    by_kind: dict = {}
    for seconds, sql in queries:
        kind = query_kind(sql)
        count, total = by_kind.get(kind, (0, 0.0))
        by_kind[kind] = (count + 1, total + seconds)
    for kind, (count, total) in sorted(by_kind.items(), key=lambda item: -item[1][1]):
        print(f"    {kind}: {count} queries, {total * 1000:.0f} ms")
    print(f"    slowest {min(top, len(queries))}:")
    for seconds, sql in queries[:top]:
        text = " ".join(sql.split())
        print(f"      {seconds * 1000:7.1f} ms  {text[:230]}{'…' if len(text) > 230 else ''}")


def figures_of(rows) -> list:
    """Every figure of ``center_progress`` rows: per center and indicator."""
    return [
        (row.center.pk, item.code, item.target, item.actual, item.share, item.projected)
        for row in rows
        for item in row.items
    ]


def bench_dashboard(args, results) -> None:
    from django.test import Client, override_settings
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User
    from consultations.indicators import STANDARD, compute, priority_indicator
    from core.fiscal import Period
    from organizations.models import Center
    from planning import progress

    name = f"national dashboard FY{LAST_FY}"
    try:
        url = reverse("planning:national_dashboard")
    except NoReverseMatch:
        results.skip(name, "skipped: the national dashboard is not available")
        return
    first_fy = LAST_FY - args.years + 1
    as_of = datetime.date(LAST_FY, *DASHBOARD_AS_OF)
    print(f"(d) national dashboard FY{LAST_FY} as of {as_of} …", flush=True)
    fiscal_year, pairs = dashboard_plans(first_fy)
    print(f"  47 confirmed plans, {pairs} distinct priority indicators")
    url += f"?fy={LAST_FY}&as_of={as_of.isoformat()}"
    client = Client()
    client.force_login(User.objects.filter(role=roles.AGENCY_ADMIN).first())
    response = client.get(url)  # warm-up
    if response.status_code != 200:
        results.skip(name, f"skipped: GET {url} answered {response.status_code}")
        return
    median_s, response = timed(lambda: client.get(url), args.runs)
    queries = captured_queries(client, url)
    sql_s = sum(seconds for seconds, _sql in queries)
    print(f"  GET {url}: {len(response.content):,} bytes")
    print_queries(queries)
    results.add(
        name,
        f"{median_s * 1000:.0f} ms (median of {args.runs}, {len(queries)} queries, "
        f"{sql_s * 1000:.0f} ms of SQL)",
        f"< {TARGET_DASHBOARD_MS} ms",
        median_s * 1000 < TARGET_DASHBOARD_MS,
    )

    # The trend, where the page loads it separately (htmx), as the browser does next.
    try:
        trend_url = reverse("planning:national_trend") + f"?fy={LAST_FY}"
    except NoReverseMatch:
        trend_url = None
    if trend_url:
        client.get(trend_url)
        trend_s, _response = timed(lambda: client.get(trend_url), args.runs)
        trend_queries = captured_queries(client, trend_url)
        print(f"  GET {trend_url}:")
        print_queries(trend_queries, top=4)
        results.add(
            "  trend fragment (htmx, loaded after the page)",
            f"{trend_s * 1000:.0f} ms ({len(trend_queries)} queries)",
        )

    # The parts, called directly.
    period = Period.fiscal_year(LAST_FY)
    to_date = Period(period.start, as_of)
    plans = fiscal_year.plans.prefetch_related("priorities__priority_field")
    priority = list(
        {
            (p.priority_field_id, p.metric): priority_indicator(p.priority_field, p.metric)
            for plan in plans
            for p in plan.priorities.all()
        }.values()
    )
    years = range(max(first_fy, LAST_FY - 9), LAST_FY + 1)
    last_period = Period.fiscal_year(LAST_FY - 1)
    last_to_date = Period(last_period.start, as_of.replace(year=as_of.year - 1))
    distinct = [i for i in STANDARD + priority if progress.counts_distinct_clients(i)]
    summed = [i for i in STANDARD if not i.distinct]

    def whole_progress():
        return progress.center_progress(
            fiscal_year=fiscal_year, centers=Center.objects.all(), as_of=as_of
        )

    # The figures from the summaries must equal those the engine counts in the records.
    with override_settings(INDICATOR_SUMMARIES=False):
        started = time.perf_counter()
        live = whole_progress()
        live_s = time.perf_counter() - started
    if figures_of(live) != figures_of(whole_progress()):
        raise AssertionError("the dashboard's figures from the summaries differ from the records")
    results.add(
        "  center_progress() counted in the records (summaries off; equal figures)",
        f"{live_s * 1000:.0f} ms (one run)",
    )
    parts = [
        ("center_progress() in all", whole_progress),
        (
            "  standard indicators to date, by center",
            lambda: compute(STANDARD, period=to_date, group="center"),
        ),
        (
            f"  {len(priority)} priority indicators to date, by center",
            lambda: compute(priority, period=to_date, group="center"),
        ),
        (
            "  last year by center and month (plain counts)",
            lambda: compute(summed, period=last_period, group="center_month"),
        ),
        (
            f"  {len(distinct)} distinct counts of last year, to the day and in all",
            lambda: (
                compute(distinct, period=last_to_date, group="center"),
                compute(distinct, period=last_period, group="center"),
            ),
        ),
        (
            "national visitors to date",
            lambda: compute(STANDARD[1:2], period=to_date),
        ),
        (
            f"trend, compute() per fiscal year ({len(years)} years)",
            lambda: [compute(STANDARD, period=Period.fiscal_year(year)) for year in years],
        ),
    ]
    runs = min(args.runs, 3)  # the slow parts take long enough
    for label, function in parts:
        function()  # warm-up
        part_s, _result = timed(function, runs)
        results.add(f"  {label}", f"{part_s * 1000:.0f} ms (median of {runs})")


if __name__ == "__main__":
    main()
