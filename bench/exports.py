"""Time the national export of one fiscal year's sessions (about 700,000 rows).

Not a test and never run by CI. It only reads (the connection is set read-only), so
it runs on the database `bench/records.py` built::

    .venv/bin/python bench/exports.py \\
        --database-url postgres://postgres@127.0.0.1:5432/yorozu_bench [--fy 2025]

What it measures, as the export job (``core.export_jobs``) makes the file: the
sessions list's view rebuilt for an Agency user and ``?fy=``, its ``export_table``
written by the same writers (``core.tabular``):
- CSV: time to the first data row (the first byte a streamed download sends after
  the header) and rows/s to the end;
- .xlsx (openpyxl write-only): rows/s;
- a bare ``COPY (SELECT …) TO STDOUT`` of the same rows and columns on the same
  server, and each export's ratio to it.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--fy", type=int, default=2025, help="fiscal year exported")
    parser.add_argument("--skip-xlsx", action="store_true")
    return parser.parse_args()


def export_view(fy):
    """The sessions list as the Agency sees it, filtered to the fiscal year, as the
    export job rebuilds it (a user that is never saved: the database stays untouched)."""
    from django.test import RequestFactory

    from accounts.models import User
    from consultations.views import ConsultationListView
    from core import roles

    request = RequestFactory().get("/consultations/sessions/", {"fy": str(fy), "export": "csv"})
    request.user = User(username="bench", role=roles.AGENCY_ADMIN)
    request.htmx = False
    request.LANGUAGE_CODE = "ja"
    view = ConsultationListView()
    view.setup(request)
    view.in_job = True
    return view


def time_csv(fy):
    from core.tabular import csv_lines

    view = export_view(fy)
    started = time.perf_counter()
    _name, _title, headers, rows = view.export_table("csv")
    sent = [0]
    first = None
    size = 0
    for line in csv_lines(headers, rows, sent):
        size += len(line)
        if first is None and sent[0] == 0 and size > 0 and line[:3] != b"\xef\xbb\xbf":
            first = time.perf_counter() - started
    total = time.perf_counter() - started
    return {"rows": sent[0], "seconds": total, "first_row": first, "bytes": size}


def time_xlsx(fy):
    from core.tabular import write_xlsx

    view = export_view(fy)
    started = time.perf_counter()
    name, title, headers, rows = view.export_table("xlsx")
    with tempfile.TemporaryFile() as out:
        count = write_xlsx(out, title, headers, rows)
        size = out.tell()
    return {"rows": count, "seconds": time.perf_counter() - started, "bytes": size}


def time_copy(fy):
    """COPY of the same rows and columns: the sessions joined to their center, client,
    case and lead staff, the other staff aggregated, in the list's order."""
    from django.db import connection

    from core.fiscal import Period

    period = Period.fiscal_year(fy)
    sql = """
        COPY (
            SELECT s.external_id, ce.code, cl.external_id, k.external_id, s.date,
                   s.start_time, s.minutes, s.mode,
                   concat_ws(';', p.staff_code, (
                       SELECT string_agg(o.staff_code, ';')
                       FROM consultations_consultation_other_staff t
                       JOIN organizations_person o ON o.id = t.person_id
                       WHERE t.consultation_id = s.id)),
                   s.summary, '相談者-' || upper(substr(md5(cl.id::text), 1, 8))
            FROM consultations_consultation s
            JOIN organizations_center ce ON ce.id = s.center_id
            JOIN consultations_client cl ON cl.id = s.client_id
            LEFT JOIN consultations_case k ON k.id = s.case_id
            LEFT JOIN organizations_person p ON p.id = s.lead_staff_id
            WHERE s.date BETWEEN %s AND %s
            ORDER BY s.date DESC, s.start_time DESC, s.id DESC
        ) TO STDOUT WITH (FORMAT csv)
    """
    started = time.perf_counter()
    rows = size = 0
    connection.ensure_connection()
    with (
        connection.connection.cursor() as cursor,
        cursor.copy(sql, (period.start, period.end)) as copy,
    ):
        for block in copy:
            size += len(block)
            rows += bytes(block).count(b"\n")
    return {"rows": rows, "seconds": time.perf_counter() - started, "bytes": size}


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yorozu.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("bench/exports.py compares with COPY: PostgreSQL only")
    with connection.cursor() as cursor:
        # Read only, whatever the code under test does: the bench database is shared.
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
        cursor.execute("SET default_transaction_read_only = on")

    print(f"load: {os.getloadavg()}", flush=True)
    results = {"copy": time_copy(args.fy), "csv": time_csv(args.fy)}
    if not args.skip_xlsx:
        results["xlsx"] = time_xlsx(args.fy)
    copy_rate = results["copy"]["rows"] / results["copy"]["seconds"]
    for kind, found in results.items():
        rate = found["rows"] / found["seconds"]
        line = (
            f"{kind:5} {found['rows']:>9,} rows {found['seconds']:7.1f} s "
            f"{rate:>9,.0f} rows/s  ratio to COPY {rate / copy_rate:4.2f}  "
            f"{found['bytes'] / 1e6:6.1f} MB"
        )
        if found.get("first_row") is not None:
            line += f"  first row after {found['first_row']:.2f} s"
        print(line, flush=True)
    print(f"load: {os.getloadavg()}", flush=True)


if __name__ == "__main__":
    main()
