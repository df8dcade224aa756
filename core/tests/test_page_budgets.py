"""Regression guard: every list and detail page on a mid-size data set, as each role.

Issue 14: pages that were fast on the test data collapsed at national scale (a
scoping filter checking 1.8 M clients against a list, a de-duplicating sort
spilling to disk, a recount that could not use its index). On PostgreSQL this
test loads about 200,000 sessions of three centers with COPY (the demo's own
generator, two fiscal years), then opens every list page of the URL
configuration and the detail page of each kind of record as one user of each
role, and fails when a page

- issues more queries than declared here (``QUERY_BUDGET``, else ``DEFAULT_QUERIES``),
- takes more than ten times its target (``SLOW_MS``: generous, for a loaded CI machine), or
- runs a query whose plan reads one of the big tables whole (``Seq Scan`` in
  ``EXPLAIN``),

unless the page is declared in ``KNOWN_SLOW`` with the reason.

Everything runs in the test's transaction and is rolled back. Skipped on SQLite.
"""

import random
import re
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

pytestmark = pytest.mark.scale

FISCAL_YEARS = (2024, 2025)
CENTERS = ("13", "14", "27")  # Tokyo, Kanagawa, Osaka: about 200,000 sessions in two years
SCALE = 0.75
BIG_TABLES = (
    "consultations_consultation",
    "consultations_client",
    "consultations_case",
    "consultations_historicalconsultation",
    "consultations_indicatorfirstday",
    "consultations_indicatordaycount",
)
USERS = ("admin", "hq", "expert", "supporter", "kanto", "tokyo-cc", "tokyo-co", "committee")
# Pages that are not lists or detail pages (forms, downloads, actions), by name.
NOT_PAGES = re.compile(r"(create|_new|import|template|logout|set_language|run_start|password)")
# 10× the server-time targets: 150 ms for the lists and quick entry, 300 ms otherwise.
SLOW_MS = {"list": 1500, "other": 3000}
DEFAULT_QUERIES = 30
QUERY_BUDGET = {
    "consultations:consultation_list": 14,
    "consultations:client_list": 14,
    "consultations:case_list": 16,
    "consultations:activity_list": 16,
    "consultations:quick_entry": 16,
    "consultations:consultation_detail": 16,
    # +1 each for issue 18: the client's impact records; the similar case studies (one query).
    "consultations:client_detail": 19,
    "consultations:case_detail": 17,
}
# Pages known to be over budget at scale, each with the reason: exempt from the time
# bound and the plan check (not from the query count) until fixed. Keys are regular
# expressions on "user GET url". Remove an entry when its page is fixed.
KNOWN_SLOW = {
    r"GET /records/sessions/$": "the unfiltered list's count to its cap: Tokyo holds half "
    "of this data set, so with the packaged PostgreSQL settings (CI's) the planner reads "
    "the sessions in table order rather than through the center's index",
    r"GET /records/clients/\?visited_fy=": "a year's visitors counted for the paginator: "
    "with Tokyo half of this data set the planner hashes them and reads the clients whole; "
    "a bureau's at national scale is 0.7–1.0 s (docs/benchmarks.md, second session of "
    "2026-12-07), left to do",
    r"GET /records/clients/duplicates/": "the Agency's report of corporate numbers "
    "registered at several centers groups every client (national, a few times a year)",
    r"GET /records/sessions/\?q=": "text search: a word of the demo's small phrase pool "
    "matches 1–4 % of all sessions; the trigram index answers rare words only",
}


def list_pages():
    def walk(patterns, namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                yield from walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and not entry.pattern.converters:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                public = getattr(entry.callback, "login_required", True) is False
                if entry.name and not NOT_PAGES.search(entry.name) and not public:
                    yield name

    return sorted(set(walk(get_resolver().url_patterns)))


def copy_rows(cursor, model, fields, rows):
    columns = ", ".join(f'"{name}"' for name in fields)
    with cursor.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row(row)


@pytest.fixture
def mid_size_data(db, django_db_blocker):
    """About 200,000 sessions of three centers over two fiscal years, their clients,
    cases and activities, the demo's staff and accounts, and the summaries."""
    from django.core.management.color import no_style

    from consultations import demo, summaries

    if connection.vendor != "postgresql":
        pytest.skip("the mid-size data set is loaded with PostgreSQL's COPY")
    started = time.perf_counter()
    rng = random.Random(2026)
    for name in ("organizations.demo", "accounts.demo"):
        __import__(name, fromlist=["build"]).build(rng, lambda message: None)
    context = demo.load_context()
    # The other centers draw nothing of their own (a few sessions of clients who also
    # consult a second center land there).
    volume = {c.id: 1.0 if c.code in CENTERS else 0.001 for c in context.centers}
    ids, pool = demo.Ids.after_existing(), demo.ClientPool()
    counts = {}
    with connection.cursor() as wrapper:
        cursor = wrapper.cursor
        # Without foreign-key triggers (superuser only, as CI's is): the checks of a
        # million deferred references would otherwise run at the test's end.
        # The trigram indexes (sessions, clients) are built once after the load, not row by row
        # (dropped and created again inside the test's transaction, so rolled back).
        cursor.execute(
            "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
            "WHERE indrelid IN ('consultations_consultation'::regclass, "
            "'consultations_client'::regclass) "
            "AND pg_get_indexdef(indexrelid) LIKE '%gin_trgm_ops%'"
        )
        trigram = cursor.fetchall()
        for name, _definition in trigram:
            cursor.execute(f"DROP INDEX {name}")
        cursor.execute("SAVEPOINT replica")
        try:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("RELEASE SAVEPOINT replica")
        except Exception:
            cursor.execute("ROLLBACK TO SAVEPOINT replica")
        for fiscal_year in FISCAL_YEARS:
            for batch in demo.generate_year(
                rng, fiscal_year, SCALE, context=context, ids=ids, clients_pool=pool, volume=volume
            ):
                for model, rows in batch.items():
                    copy_rows(cursor, model, demo.FIELDS[model], rows)
                    counts[model] = counts.get(model, 0) + len(rows)
        models = [model for model in demo.FIELDS if not model._meta.auto_created]
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
        cursor.execute("SET LOCAL session_replication_role = DEFAULT")
        for _name, definition in trigram:
            cursor.execute(definition)
    with connection.cursor() as cursor:
        # Statistics before the summaries are counted from the records, for every table
        # of the project (the demo's staff and accounts too): without them the planner
        # takes the tables for empty and joins 200,000 rows by nested loops.
        from django.apps import apps

        tables = sorted({m._meta.db_table for m in apps.get_models(include_auto_created=True)})
        cursor.execute("ANALYZE " + ", ".join(f'"{table}"' for table in tables))
    summaries.rebuild()
    with connection.cursor() as cursor:
        for table in (
            "consultations_indicatorfirstday",
            "consultations_indicatordaycount",
            "consultations_clientcenter",
        ):
            cursor.execute(f'ANALYZE "{table}"')
    print(
        f"mid-size data set: {sum(counts.values()):,} rows in {time.perf_counter() - started:.0f} s"
    )
    return counts


def detail_pages(user):
    """One record of each kind in the user's scope (or Tokyo's, for a 403 or 404)."""
    from consultations.models import Case, Client, Consultation, NetworkActivity

    pages = []
    for name, model in [
        ("consultations:consultation_detail", Consultation),
        ("consultations:client_detail", Client),
        ("consultations:case_detail", Case),
        ("consultations:activity_detail", NetworkActivity),
    ]:
        record = model.objects.for_user(user).order_by("-pk").first()
        record = record or model.objects.order_by("-pk").first()
        pages.append((name, reverse(name, args=[record.pk])))
    return pages


# A sequential scan that stops early (the first rows of a list, a count to its cap)
# is not a full scan: only one that reads more than this share of its table is.
FULL_SCAN_SHARE = 0.2


def full_scans(sql):
    """The big tables the plan of ``sql`` reads (nearly) whole, by EXPLAIN ANALYZE:
    the rows a Seq Scan returned and removed, against the table's size."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        (plan,) = cursor.fetchone()
        cursor.execute(
            "SELECT relname, reltuples FROM pg_class WHERE relname = ANY(%s)", [list(BIG_TABLES)]
        )
        sizes = dict(cursor.fetchall())
    found = set()

    def walk(node):
        table = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and table in BIG_TABLES:
            read = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)) * node[
                "Actual Loops"
            ]
            if read > FULL_SCAN_SHARE * max(sizes.get(table, 0), 1):
                found.add(table)
        for child in node.get("Plans", []):
            walk(child)

    walk(plan[0]["Plan"])
    return found


def test_every_list_and_detail_page_stays_within_its_budget(mid_size_data, client):
    from accounts.models import User
    from consultations.models import Consultation, PriorityField

    assert mid_size_data[Consultation] > 150_000
    month = "date_from=2025-10-01&date_to=2025-10-31"
    # A priority figure's drill-down (issue 20): the rows of one field's indicator in a year.
    field = PriorityField.objects.order_by("pk").first().pk
    year = "counted_from=2025-04-01&counted_to=2026-03-31"
    drill_downs = [
        (name, f"{reverse(name)}?counted=priority:{field}:{metric}&{year}")
        for name, metric in (
            ("consultations:consultation_list", "sessions"),
            ("consultations:client_list", "clients"),
            ("consultations:case_list", "solved_cases"),
        )
    ]
    problems, measured = [], {}
    for username in USERS:
        user = User.objects.get(username=username)
        client.force_login(user)
        pages = [(name, reverse(name)) for name in list_pages()]
        pages += [
            (
                "consultations:consultation_list",
                f"{reverse('consultations:consultation_list')}?{month}",
            ),
            (
                "consultations:consultation_list",
                f"{reverse('consultations:consultation_list')}?q=販路開拓",
            ),
            (
                "consultations:client_list",
                f"{reverse('consultations:client_list')}?visited_fy=2025",
            ),
        ]
        pages += drill_downs
        pages += detail_pages(user)
        for name, url in pages:
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
            label = f"{username} GET {url}"
            known = any(re.search(pattern, label) for pattern in KNOWN_SLOW)
            if response.status_code not in (200, 302, 403, 404):
                problems.append(f"{label}: HTTP {response.status_code}")
            budget = QUERY_BUDGET.get(name, DEFAULT_QUERIES)
            measured[name] = max(measured.get(name, 0), len(queries))
            if len(queries) > budget:
                problems.append(f"{label}: {len(queries)} queries (budget {budget})")
            limit = SLOW_MS["list" if name.endswith("_list") or "quick" in name else "other"]
            if elapsed > limit and not known:
                problems.append(f"{label}: {elapsed:.0f} ms (bound {limit} ms)")
            for query in [] if known else queries.captured_queries:
                sql = query["sql"]
                if not sql.lstrip().upper().startswith("SELECT"):
                    continue
                for table in full_scans(sql):
                    problems.append(f"{label}: Seq Scan on {table}: {sql[:300]}")
    assert not problems, "\n".join(problems)


def test_the_guard_finds_the_pages_it_opens():
    names = list_pages()
    assert "consultations:consultation_list" in names and "consultations:quick_entry" in names
    assert not [n for n in names if NOT_PAGES.search(n.split(":")[-1])]
