"""Background jobs (core/jobs.py): the lifecycle, failures and retries, large imports
from the browser, a job killed midway, and who sees a job.

Most tests run jobs with django-tasks' immediate backend (conftest.py); the lifecycle
test also runs the database backend with its worker in this process."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.db import OperationalError
from django.urls import reverse
from django.utils import translation

from conftest import make_client, make_session
from consultations import summaries
from consultations.models import Client, Consultation
from core import jobs
from core.imports import KINDS
from core.models import AccessLogEntry, Job, JobState

# --- A kind of job for the tests ----------------------------------------------------

CALLS = []


@jobs.handler("test-steps", retry_safe=True)
def _steps(ctx):
    CALLS.append(ctx.job.pk)
    plan = ctx.params.get("plan", [])
    outcome = plan[len(CALLS) - 1] if len(CALLS) <= len(plan) else "ok"
    ctx.progress(50, "halfway", force=True)
    if outcome == "locked":
        raise OperationalError("database is locked")
    if outcome == "bug":
        raise ValueError("a bug with a traceback the user must not see")
    ctx.message("all steps done")
    path = ctx.result_path("steps.csv")
    path.write_text("a,b\n1,2\n")
    ctx.job.result_rows = 1


@pytest.fixture(autouse=True)
def fresh_calls():
    CALLS.clear()


def make_job(user, **params):
    return jobs.create(user=user, kind="test-steps", title="テスト", params=params, language="ja")


def test_a_job_runs_reports_progress_and_offers_its_file(personas, client):
    user = personas["tokyo_coordinator"]
    job = make_job(user)
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.progress == 100
    assert job.attempts == 1 and job.started_at and job.finished_at
    assert [m["text"] for m in job.messages] == ["all steps done"]

    client.force_login(user)
    page = client.get(reverse("jobs:list")).content.decode()
    assert "テスト" in page and "steps.csv" in page
    download = client.get(reverse("jobs:file", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == b"a,b\n1,2\n"
    entry = AccessLogEntry.objects.get(kind="export")
    assert entry.user == user and entry.what == "steps.csv" and entry.rows == 1


def test_the_database_backend_queues_the_job_until_a_worker_runs_it(
    personas, settings, monkeypatch
):
    from django_tasks_db.management.commands import db_worker
    from django_tasks_db.models import DBTaskResult

    # The worker closes a connection it finds inside a transaction (as the test's is).
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = make_job(personas["tokyo_coordinator"])
    job.refresh_from_db()
    assert job.state == JobState.QUEUED and job.progress == 0
    assert DBTaskResult.objects.get(id=job.task_id).status == "READY"

    call_command("jobs_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.progress == 100
    assert DBTaskResult.objects.get(id=job.task_id).status == "SUCCESSFUL"


def test_a_failure_is_reported_in_plain_words_and_can_be_tried_again(personas, client):
    user = personas["tokyo_coordinator"]
    with translation.override("ja"):
        job = make_job(user, plan=["bug"])
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "何も保存されていません" in job.error and "traceback" not in job.error
    assert job.may_retry

    client.force_login(user)
    page = client.get(job.get_absolute_url()).content.decode()
    assert (
        job.error in page
        and "traceback" not in page
        and reverse("jobs:retry", args=[job.pk]) in page
    )

    client.post(reverse("jobs:retry", args=[job.pk]))  # the second run succeeds
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and len(CALLS) == 2


def test_a_transient_database_error_is_retried(personas):
    job = make_job(personas["tokyo_coordinator"], plan=["locked"])
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and job.attempts == 2 and len(CALLS) == 2
    assert job.messages[0]["level"] == "warning"


def test_retries_stop_at_the_limit(personas, settings):
    settings.JOB_MAX_ATTEMPTS = 2
    job = make_job(personas["tokyo_coordinator"], plan=["locked", "locked", "locked"])
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.attempts == 2 and len(CALLS) == 2


def test_a_job_whose_worker_died_is_queued_again_or_reported(personas, settings):
    import socket

    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    job = make_job(personas["tokyo_coordinator"])
    dead = f"{socket.gethostname()}:{2**22 + 12345}"  # above Linux's largest pid
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, worker=dead, attempts=1)
    DBTaskResult.objects.filter(id=job.task_id).update(status="RUNNING")

    assert jobs.sweep_stale() == 1

    job.refresh_from_db()
    assert job.state == JobState.QUEUED and "中断されました" in job.messages[-1]["text"]
    assert DBTaskResult.objects.get(pk=job.task_id).status == "READY"  # the new task
    # Another machine's worker is gone when its job made no progress for an hour.
    Job.objects.filter(pk=job.pk).update(
        state=JobState.RUNNING,
        worker="elsewhere:1",
        attempts=3,
        heartbeat_at=job.created_at - datetime.timedelta(hours=2),
    )
    assert jobs.sweep_stale() == 1
    job.refresh_from_db()
    assert job.state == JobState.FAILED and "中断されました" in job.error


def test_expired_job_files_are_deleted(personas, settings):
    job = make_job(personas["tokyo_coordinator"])
    job.refresh_from_db()
    path = jobs.result_path(job)
    assert path.is_file()
    later = job.finished_at + datetime.timedelta(days=settings.JOB_FILE_RETENTION_DAYS - 1)
    assert jobs.delete_expired_files(later) == 0
    later = job.finished_at + datetime.timedelta(days=settings.JOB_FILE_RETENTION_DAYS + 1)
    assert jobs.delete_expired_files(later, dry_run=True) == 1 and path.is_file()
    assert jobs.delete_expired_files(later) == 1
    job.refresh_from_db()
    assert not path.exists() and job.files_deleted and not job.has_file


# --- Who sees a job ---------------------------------------------------------------------


@pytest.mark.parametrize("other", ["admin", "tokyo_manager", "osaka_coordinator", "hq"])
def test_nobody_sees_another_users_job_or_its_file(personas, client, other):
    with translation.override("ja"):
        job = make_job(personas["tokyo_coordinator"], plan=["bug"])
    client.force_login(personas[other])
    assert "テスト" not in client.get(reverse("jobs:list")).content.decode()
    for name in ("jobs:detail", "jobs:file"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("jobs:retry", args=[job.pk])).status_code == 404
    job.refresh_from_db()
    assert job.state == JobState.FAILED and len(CALLS) == 1


# --- Imports over the threshold -------------------------------------------------------


def sessions_csv(rows: int, *, client_id="J-1", start=0, bad_row=None) -> bytes:
    headers = KINDS["sessions"].headers
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    for i in range(start, start + rows):
        day = datetime.date(2025, 4, 1) + datetime.timedelta(days=i % 300)
        row = {
            "対応ID": f"JS{i:06d}",
            "拠点": "東京",
            "相談者ID": client_id,
            "対応日": "2025-13-01" if i == bad_row else day.isoformat(),
            "時間(分)": "60",
            "対応方法": "来訪",
        }
        writer.writerow([row.get(h, "") for h in headers])
    return buffer.getvalue().encode()


def upload(data: bytes, name="sessions.csv"):
    file = io.BytesIO(data)
    file.name = name
    return file


@pytest.fixture
def large(settings, tokyo):
    settings.JOB_IMPORT_THRESHOLD_ROWS = 20
    return make_client(tokyo, external_id="J-1")


def test_an_import_over_the_threshold_runs_as_a_job_and_shows_its_report(personas, client, large):
    client.force_login(personas["tokyo_coordinator"])
    response = client.post(
        reverse("imports:start"),
        {"kind": "sessions", "file": upload(sessions_csv(30))},
    )
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.kind == "import" and job.state == JobState.SUCCEEDED
    assert Consultation.objects.count() == 30
    assert job.report["ok"] and job.report["created"] == 30 and job.report["rows"] == 30

    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="import-done"' in page and "hx-trigger" not in page
    assert summaries.differences() == (set(), set())


def test_a_small_import_still_runs_in_the_request(personas, client, large):
    client.force_login(personas["tokyo_coordinator"])
    response = client.post(
        reverse("imports:start"),
        {"kind": "sessions", "file": upload(sessions_csv(20))},
    )
    assert response.status_code == 302 and not Job.objects.exists()
    assert Consultation.objects.count() == 20


def test_a_large_import_with_problems_reports_them_by_row_and_column(personas, client, large):
    client.force_login(personas["tokyo_coordinator"])
    client.post(
        reverse("imports:start"),
        {"kind": "sessions", "file": upload(sessions_csv(30, bad_row=7))},
    )
    job = Job.objects.get()
    assert job.state == JobState.SUCCEEDED and not job.report["ok"]
    assert not Consultation.objects.exists()
    page = client.get(job.get_absolute_url()).content.decode()
    assert 'data-testid="import-problems"' in page
    assert "<td>9</td><td>対応日</td>" in page  # row 9 of the file: the header is row 1


def test_an_xlsx_over_the_threshold_is_counted_without_reading_it_whole(large):
    from openpyxl import Workbook

    from core.import_jobs import count_rows

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(KINDS["sessions"].headers)
    for i in range(50):
        sheet.append([f"X{i}", "東京", "J-1", "2025-04-01", "", 60, "来訪", "", ""])
    buffer = io.BytesIO()
    workbook.save(buffer)
    file = upload(buffer.getvalue(), "sessions.xlsx")
    assert count_rows(file, 1000) == 50
    assert count_rows(file, 20) == 21  # stops once past the limit
    assert count_rows(upload(sessions_csv(50)), 1000) == 50


@pytest.mark.parametrize("page", ["roster", "attendance"])
def test_the_roster_and_attendance_imports_go_through_the_same_entry(
    personas, client, settings, page
):
    from organizations import roster
    from support import attendance

    settings.JOB_IMPORT_THRESHOLD_ROWS = 2
    headers = list((roster if "roster" in page else attendance).HEADERS.values())
    data = "\r\n".join([",".join(headers)] + [",".join("x" for _ in headers)] * 3).encode()
    user = personas["admin"] if "attendance" in page else personas["tokyo_manager"]
    client.force_login(user)
    response = client.post(reverse("imports:kind", args=[page]), {"file": upload(data, "rows.csv")})
    job = Job.objects.get()
    assert response["Location"] == job.get_absolute_url()
    assert job.params["kind"] == page and job.report["problem_count"]


def test_a_job_killed_midway_leaves_nothing_written(personas, client, large, monkeypatch):
    """The import writes its rows, then dies before its commit: the records and the
    indicator summaries are as they were (the import is one transaction)."""
    before_client = make_client(large.home_center, external_id="J-0")
    make_session(before_client, datetime.date(2025, 5, 1))
    rows_before = {
        model: list(model.objects.order_by("pk").values())
        for model in (Client, Consultation, Consultation.history.model)
    }
    summary_rows = summaries._rows()
    written = []

    def dies_after_writing(model, pks):
        written.append(Consultation.objects.count())
        raise RuntimeError("worker killed")

    monkeypatch.setattr(summaries, "add", dies_after_writing)
    client.force_login(personas["tokyo_coordinator"])
    client.post(
        reverse("imports:start"),
        {"kind": "sessions", "file": upload(sessions_csv(30))},
    )

    job = Job.objects.get()
    assert written == [31]  # the rows were in the database when it died
    assert job.state == JobState.FAILED and job.may_retry
    for model, rows in rows_before.items():
        assert list(model.objects.order_by("pk").values()) == rows, model
    assert summaries._rows() == summary_rows
    assert summaries.differences() == (set(), set())

    monkeypatch.undo()  # the retry goes through
    client.post(reverse("jobs:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.state == JobState.SUCCEEDED and Consultation.objects.count() == 31
    assert summaries.differences() == (set(), set())


# --- Large exports --------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_large_export_runs_as_a_job_and_makes_the_same_file(
    personas, client, settings, tokyo, kind
):
    from openpyxl import load_workbook

    for number in range(6):
        make_client(tokyo, f"株式会社出力{number}", phone=f"03-0000-000{number}")
    client.force_login(personas["tokyo_coordinator"])
    url = reverse("consultations:client_list")
    query = {"export": kind, "q": "出力"}
    direct = client.get(url, query)
    direct_bytes = b"".join(direct.streaming_content) if direct.streaming else direct.content
    assert AccessLogEntry.objects.filter(kind="export").count() == 1

    settings.JOB_EXPORT_THRESHOLD_ROWS = 5
    response = client.get(url, query)
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.state == JobState.SUCCEEDED and job.result_rows == 6
    assert AccessLogEntry.objects.filter(kind="export").count() == 1  # nothing sent yet

    page = client.get(job.get_absolute_url()).content.decode()
    assert reverse("jobs:file", args=[job.pk]) in page
    download = client.get(reverse("jobs:file", args=[job.pk]))
    job_bytes = b"".join(download.streaming_content)
    if kind == "csv":
        assert job_bytes == direct_bytes
    else:

        def cells(data):
            return [
                list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
            ]

        assert cells(job_bytes) == cells(direct_bytes)
    entry = AccessLogEntry.objects.filter(kind="export").first()
    assert entry.rows == 6 and entry.identity and entry.filters == "q=%E5%87%BA%E5%8A%9B"
    assert entry.what == job.result_name
