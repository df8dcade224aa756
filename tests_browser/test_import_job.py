"""A file over the import threshold, uploaded from the import page, is imported by a
job: the browser lands on the job's page, which shows the report; My jobs lists it."""

import csv
import datetime
import io

import pytest

from accounts.models import User, UserRole
from conftest import make_client
from consultations.models import Consultation
from core.imports import KINDS
from organizations.models import Center
from tests_browser.conftest import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_large_upload_becomes_a_job_with_its_report(page, live_server, settings, tmp_path):
    settings.JOB_IMPORT_THRESHOLD_ROWS = 20
    tokyo = Center.objects.get(code="13")
    make_client(tokyo, external_id="B-1")
    User.objects.create_user(
        "job-co", password="job-pass-2026", role=UserRole.COORDINATOR, center=tokyo
    )
    headers = KINDS["sessions"].headers
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for i in range(40):
        day = datetime.date(2025, 4, 1) + datetime.timedelta(days=i)
        row = {"対応ID": f"B{i}", "拠点": "東京", "相談者ID": "B-1", "対応日": day.isoformat()}
        writer.writerow([row.get(h, "来訪" if h == "対応方法" else "") for h in headers])
    path = tmp_path / "sessions.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    refused = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)

    log_in(page, live_server, "job-co", "job-pass-2026")
    page.goto(f"{live_server.url}/imports/")
    page.select_option("#id_kind", "sessions")
    page.set_input_files("#id_file", str(path))
    page.click("#import-form button[type=submit]")

    page.wait_for_selector('[data-testid="import-done"]')
    assert "/jobs/" in page.url
    assert page.locator('[data-testid="job-state"]').inner_text() == "完了"
    assert "40行" in page.locator('[data-testid="import-done"]').inner_text()
    assert Consultation.objects.count() == 40
    page.goto(f"{live_server.url}/jobs/")
    assert "相談対応" in page.locator('[data-testid="job-table"]').inner_text()
    assert refused == []
