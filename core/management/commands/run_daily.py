"""The day's scheduled work, in one command (production: a systemd timer or cron once a
night; development: the worker started by ``python3 dev.py start``, README):

- ``expire_access_log``: access-log entries past ACCESS_LOG_RETENTION_DAYS;
- ``pseudonymise_clients``: client identity past the Agency's retention period;
- the files of jobs that ended JOB_FILE_RETENTION_DAYS ago;
- ``send_notifications``: each user's digest and reminders of what falls due;
- jobs whose worker died (also checked every minute by each worker).

``--if-due`` runs it only if nobody has today (a ``core.DailyRun`` row per day, claimed
once, so several workers and a timer may all ask). Each step runs even if one before it
failed; the command then exits non-zero, so the timer's log shows it.
"""

import io

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core import jobs
from core.models import DailyRun


class Command(BaseCommand):
    help = "Run the daily work: access-log expiry, client retention, job files, dead jobs."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-due", action="store_true", help="Only if it has not run today (for workers)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, if_due=False, dry_run=False, **options):
        today = timezone.localdate()
        run = None
        if not dry_run:
            try:
                with transaction.atomic():
                    run = DailyRun.objects.create(day=today)
            except IntegrityError:
                if if_due:
                    return
                run = DailyRun.objects.get(day=today)
        steps = {
            "expire_access_log": lambda: _command("expire_access_log", dry_run),
            "pseudonymise_clients": lambda: _command("pseudonymise_clients", dry_run),
            "job_files": lambda: (
                f"{jobs.delete_expired_files(dry_run=dry_run)} jobs' files "
                + ("would be deleted (dry run)" if dry_run else "deleted")
            ),
            # Digests and reminders of what falls due (notifications.digest).
            "notifications": lambda: _command("send_notifications", dry_run),
            "dead_jobs": lambda: (
                "not checked (dry run)"
                if dry_run
                else f"{jobs.sweep_stale()} jobs whose worker died"
            ),
        }
        report, failed = {}, []
        for name, step in steps.items():
            try:
                report[name] = step()
            except Exception as exc:  # the other steps still run
                report[name] = f"failed: {exc}"
                failed.append(name)
            self.stdout.write(f"{name}: {report[name]}")
        if run is not None:
            run.finished_at = timezone.now()
            run.report = report
            run.save(update_fields=["finished_at", "report"])
        if failed:
            raise CommandError(f"daily work failed: {', '.join(failed)}")


def _command(name: str, dry_run: bool) -> str:
    out = io.StringIO()
    call_command(name, *(["--dry-run"] if dry_run else []), stdout=out)
    return out.getvalue().strip()
