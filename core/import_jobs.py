"""The one way a large import runs: the import page (``core.imports.views``) asks
``is_large`` and, past ``JOB_IMPORT_THRESHOLD_ROWS`` rows, hands the file to ``start``,
which stores it and queues an "import" job (``core.jobs``). The job reads the file,
checks and writes it with the function the page calls for a small file
(``core.imports.run_import``), and keeps the same report (every problem by row and
column) for the job's page.

Counting rows to decide is cheap: a CSV's line breaks, an .xlsx's ``<row`` elements as
its sheet unpacks, both counted only until the threshold is passed.
"""

import io
import re
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from core import jobs
from core.tabular import Limits, TableError, _check_archive, check_size, read_table

from .imports.run import sha256_of

SHOWN_PROBLEMS = 1000
SHOWN_WARNINGS = 50


# --- Deciding ----------------------------------------------------------------------

_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_CHUNK = 1024 * 1024


def count_rows(upload, limit: int) -> int:
    """Data rows of an uploaded table (the header not counted), counted until ``limit``
    is passed (then ``limit + 1``). A CSV's line breaks, so a cell holding a line break
    counts twice: a file near the limit may run as a job, never the other way round."""
    name = (upload.name or "").lower()
    upload.seek(0)
    try:
        if name.endswith(".xlsx"):
            return _count_xlsx_rows(upload, limit)
        lines = 0
        last = b""
        for chunk in iter(lambda: upload.read(_CHUNK), b""):
            lines += chunk.count(b"\n")
            last = chunk
            if lines > limit + 1:
                return limit + 1
        if last and not last.endswith(b"\n"):
            lines += 1
        return max(0, lines - 1)
    finally:
        upload.seek(0)


def _count_xlsx_rows(upload, limit: int) -> int:
    data = upload.read()
    limits = Limits.from_settings()
    check_size(len(data), limits)
    _check_archive(data, limits)  # a zip bomb is refused before anything unpacks
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheets = sorted(
            n for n in archive.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n)
        )
        if not sheets:
            return 0
        rows, tail = 0, b""
        with archive.open(sheets[0]) as sheet:
            while chunk := sheet.read(_CHUNK):
                text = tail + chunk
                rows += len(_ROW.findall(text))
                tail = text[-16:]
                rows -= len(_ROW.findall(tail))  # counted again with the next chunk
                if rows > limit + 1:
                    return limit + 1
            rows += len(_ROW.findall(tail))
    return max(0, rows - 1)


def threshold() -> int:
    return settings.JOB_IMPORT_THRESHOLD_ROWS


def is_large(upload) -> bool:
    """Whether this upload is imported as a job. A file that cannot be read is not (the
    page reads it and says why)."""
    limit = threshold()
    try:
        return count_rows(upload, limit) > limit
    except (TableError, zipfile.BadZipFile, OSError, ValueError):
        return False


def start(request, kind: str, upload, options: dict, title: str, *, dry_run: bool = False):
    """Queue the import of ``upload`` as a job of the requesting user, tell them, and
    return the redirect to the job's page."""
    from django.contrib import messages
    from django.shortcuts import redirect

    job = jobs.create(
        user=request.user,
        kind="import",
        title=title,
        params={"kind": kind, "options": options, "dry_run": dry_run},
        upload=upload,
        language=getattr(request, "LANGUAGE_CODE", None),
    )
    messages.info(
        request,
        _(
            "The file has more than %(rows)s rows: it is imported in the background. "
            "Follow its progress here or on the My jobs page."
        )
        % {"rows": f"{threshold():,}"},
    )
    return redirect(job)


# --- The job ------------------------------------------------------------------------


def report_of(result, rows: int, list_url: str = "") -> dict:
    problems = [[p.row, p.column, p.message] for p in result.problems]
    warnings = [[w.row, w.column, w.message] for w in getattr(result, "warnings", [])]
    return {
        "ok": not problems,
        "rows": rows,
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "problems": problems[:SHOWN_PROBLEMS],
        "problem_count": len(problems),
        "hidden_problems": max(0, len(problems) - SHOWN_PROBLEMS),
        "warnings": warnings[:SHOWN_WARNINGS],
        "warning_count": len(warnings),
        "list_url": list_url,
    }


# Jobs queued before the one pipeline named their page's importer.
_OLD_IMPORTERS = {"roster": "roster", "attendance": "attendance"}


def _kind_of(params: dict) -> str:
    if "kind" in params:
        return params["kind"]
    old = params.get("importer", "")
    return _OLD_IMPORTERS.get(old) or params.get("options", {}).get("kind", "")


@jobs.handler("import", retry_safe=True)
def run_import(ctx: jobs.JobContext) -> None:
    """Read the stored file, then check and write it as the page would (one transaction)."""
    from core import imports

    spec = imports.get(_kind_of(ctx.params))
    options = {key: value for key, value in ctx.params.get("options", {}).items() if key != "kind"}
    dry_run = ctx.params.get("dry_run", False)
    ctx.progress(1, _("Reading the file…"), force=True)
    path = ctx.upload_path()
    name = ctx.params.get("upload_name") or path.name
    try:
        check_size(path.stat().st_size)
        data = path.read_bytes()
        table = read_table(data, name)
    except TableError as exc:
        raise jobs.JobFailed(str(exc), retry=False) from exc
    rows = len(table.rows)
    ctx.progress(10, _("Checking %(rows)s rows…") % {"rows": f"{rows:,}"}, force=True)

    def progress(fraction: float, stage: str) -> None:
        ctx.progress(10 + 88 * fraction, stage)

    result = imports.run_import(
        spec.key,
        table,
        user=ctx.user,
        dry_run=dry_run,
        file_name=name,
        sha256=sha256_of(data),
        progress=progress,
        **options,
    )
    ctx.job.report = report_of(result, rows, spec.list_url)
    if result.problems:
        ctx.message(
            _("%(count)s problems found; nothing was imported.")
            % {"count": f"{len(result.problems):,}"},
            "error",
        )
    else:
        ctx.message(summary_of(result, rows))


def summary_of(result, rows: int) -> str:
    """The one line that says what an import did, or would do (a dry run)."""
    counts = {
        "rows": f"{rows:,}",
        "created": f"{result.created:,}",
        "updated": f"{result.updated:,}",
        "unchanged": f"{result.unchanged:,}",
    }
    if result.dry_run:
        return (
            _(
                "Checked %(rows)s rows, nothing was written: the import would make %(created)s "
                "new, %(updated)s updated, %(unchanged)s unchanged."
            )
            % counts
        )
    return (
        _("Imported %(rows)s rows: %(created)s new, %(updated)s updated, %(unchanged)s unchanged.")
        % counts
    )
