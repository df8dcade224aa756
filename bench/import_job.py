"""Time a national year of sessions (700,000 rows) imported as a background job.

Not a test and never run by CI. On PostgreSQL::

    .venv/bin/python bench/records.py --years 1 --build-only \\
        --database-url postgres://postgres@127.0.0.1:5432/yorozu_jobs_bench
    .venv/bin/python bench/import_job.py \\
        --database-url postgres://postgres@127.0.0.1:5432/yorozu_jobs_bench [--rows 700000]

The first command builds one fiscal year of records (clients, cases, staff to refer
to); this script then writes a CSV of ``--rows`` new sessions for those clients, hands it
to the import page's job entry (``core.import_jobs``: stored under MEDIA_ROOT/jobs,
queued on django-tasks' database backend) and runs one worker in this process
(``manage.py jobs_worker --batch``), printing the job's progress as a second connection
sees it. Then it checks the summaries (``indicator_summaries --check``) and deletes
the imported sessions again. Use a database of your own: it writes and deletes.
"""

import argparse
import csv
import datetime
import io
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--rows", type=int, default=700_000)
    parser.add_argument("--keep", action="store_true", help="keep the imported sessions")
    parser.add_argument(
        "--kill-at",
        type=int,
        metavar="PERCENT",
        help="run the worker as a process and kill it (SIGKILL) once the job's progress "
        "reaches PERCENT (62 = writing); check that nothing was written, then let the "
        "dead-worker check queue it again and a new worker finish it",
    )
    return parser.parse_args()


def sessions_csv(count: int) -> bytes:
    from django.db import connection

    sys.path.insert(0, str(ROOT / "bench"))
    from records import IMPORT_HEADERS, MODE_LABELS

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT k.external_id, cl.external_id, ce.code, p.staff_code
            FROM consultations_consultation s
            JOIN consultations_case k ON k.id = s.case_id
            JOIN consultations_client cl ON cl.id = s.client_id
            JOIN organizations_center ce ON ce.id = s.center_id
            JOIN organizations_person p ON p.id = s.lead_staff_id
            ORDER BY s.id DESC LIMIT %s
            """,
            [count],
        )
        sources = cursor.fetchall()
    rng = random.Random(2026)
    modes = list(MODE_LABELS)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(IMPORT_HEADERS)
    for number in range(count):
        case_ext, client_ext, code, staff_code = sources[number % len(sources)]
        day = datetime.date(2026, 4, 1) + datetime.timedelta(days=rng.randrange(365))
        start = datetime.time(rng.randrange(9, 17), rng.choice((0, 30)))
        writer.writerow(
            [
                f"JOB-{number:07d}",
                code,
                client_ext,
                case_ext,
                day.isoformat(),
                f"{start:%H:%M}",
                60,
                MODE_LABELS[rng.choice(modes)],
                staff_code,
                "販路開拓について相談。ECサイトの活用を提案。",
            ]
        )
    return text.getvalue().encode("utf-8")


def watch(job_id: int, stop: threading.Event, started: float, timeline: list) -> None:
    """Print the job's progress as the jobs page reads it (its own connection)."""
    from django.db import OperationalError, connection

    from core.models import Job

    last = None
    while not stop.wait(2):
        try:
            job = Job.objects.filter(pk=job_id).values("state", "progress", "stage").first()
        except OperationalError as exc:  # the server restarted: a new connection next time
            print(f"  (watcher: {exc})")
            connection.close()
            continue
        seen = (job["state"], job["progress"], job["stage"])
        if seen != last:
            elapsed = time.perf_counter() - started
            timeline.append((elapsed, *seen))
            print(
                f"  {elapsed:7.1f} s  {job['state']:9}  {job['progress']:3}%  {job['stage']}",
                flush=True,
            )
            last = seen
    connection.close()


def main():
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yorozu.settings")
    media = tempfile.mkdtemp(prefix="yorozu-job-bench-")
    os.environ["YOROZU_VAR_DIR"] = media
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)

    import django

    django.setup()
    from django.conf import settings
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.core.management import call_command
    from django.db import connection
    from django.test import RequestFactory

    from accounts.models import User
    from consultations.models import Consultation
    from core import import_jobs
    from core.models import Job
    from core.roles import Role

    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    call_command("migrate", verbosity=0)
    user = User.objects.filter(role=Role.AGENCY_ADMIN).first() or User.objects.create(
        username="bench-admin", role=Role.AGENCY_ADMIN
    )
    from django_tasks_db.models import DBTaskResult

    # Jobs of an earlier, interrupted run would be found and run again: start afresh.
    Job.objects.all().delete()
    DBTaskResult.objects.all().delete()
    from consultations import summaries

    with connection.cursor() as cursor:
        deleted = 0
        for table in ("consultations_consultation", "consultations_historicalconsultation"):
            cursor.execute(f"DELETE FROM {table} WHERE external_id LIKE 'JOB-%%'")
            deleted += cursor.rowcount
    if deleted:  # deleted behind the summaries' back: recount them
        print(f"deleted {deleted:,} rows of an earlier run; recounting the summaries …")
        summaries.rebuild()
    call_command("indicator_summaries", "--check")
    print(f"writing a CSV of {args.rows:,} sessions …", flush=True)
    data = sessions_csv(args.rows)
    print(f"  {len(data) / 1e6:.0f} MB", flush=True)
    before = Consultation.objects.count()

    request = RequestFactory().post("/imports/")
    request.user = user
    request._messages = _Messages()
    upload = SimpleUploadedFile("sessions.csv", data, "text/csv")
    entered = time.perf_counter()
    assert import_jobs.is_large(upload)
    response = import_jobs.start(request, "sessions", upload, {}, "bench")
    answered = time.perf_counter() - entered
    job = Job.objects.latest("pk")
    print(f"the page answered in {answered:.2f} s ({response.status_code} to {response.url})")

    if args.kill_at:
        killed_midway(job, args.kill_at, before)
    timeline: list = []
    stop = threading.Event()
    started = time.perf_counter()
    watcher = threading.Thread(target=watch, args=(job.pk, stop, started, timeline))
    watcher.start()
    try:
        call_command("jobs_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)
    finally:
        total = time.perf_counter() - started
        stop.set()
        watcher.join()
    job.refresh_from_db()
    created = Consultation.objects.count() - before
    print(f"job {job.state} in {total:.1f} s: {job.report.get('created', 0):,} created")
    print(f"  {args.rows / total:,.0f} rows/s; messages: {[m['text'] for m in job.messages]}")
    if job.error:
        print(f"  error: {job.error}")
    call_command("indicator_summaries", "--check")
    if not args.keep and created:
        print("deleting the imported sessions …", flush=True)
        with connection.cursor() as cursor:
            for table in ("consultations_consultation", "consultations_historicalconsultation"):
                cursor.execute(f"DELETE FROM {table} WHERE external_id LIKE 'JOB-%%'")
        summaries.rebuild()


def killed_midway(job, percent: int, before: int) -> None:
    """Kill a worker process in the middle of the job; nothing may be written."""
    import signal
    import subprocess

    from django.core.management import call_command

    from consultations.models import Consultation
    from core import jobs
    from core.models import Job

    worker = subprocess.Popen(
        [sys.executable, "manage.py", "jobs_worker", "--no-reload", "--no-startup-delay"],
        cwd=ROOT,
        env=os.environ.copy(),
    )
    started = time.perf_counter()
    while worker.poll() is None:
        time.sleep(1)
        seen = Job.objects.values("progress", "stage").get(pk=job.pk)
        if seen["progress"] >= percent:
            time.sleep(5)  # well inside the write
            worker.send_signal(signal.SIGKILL)
            worker.wait()
            print(
                f"killed the worker (pid {worker.pid}) at {time.perf_counter() - started:.1f} s, "
                f"{seen['progress']}%: {seen['stage']}",
                flush=True,
            )
            break
    written = Consultation.objects.count() - before
    print(f"  sessions written after the kill: {written:,}", flush=True)
    call_command("indicator_summaries", "--check")
    state = Job.objects.values_list("state", flat=True).get(pk=job.pk)
    print(f"  job state after the kill: {state}; the dead-worker check …", flush=True)
    print(f"  {jobs.sweep_stale()} job(s) queued again", flush=True)


class _Messages:
    def add(self, *args, **kwargs):
        pass


if __name__ == "__main__":
    main()
