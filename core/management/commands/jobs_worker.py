"""Run background jobs: ``manage.py jobs_worker`` (``python3 dev.py start`` starts one).

django-tasks-db's ``db_worker`` with two additions: every minute it notices jobs whose
worker died (``core.jobs.sweep_stale``: queued again where safe, else reported), and with
``--daily`` it also runs the day's scheduled work once a day (``manage.py run_daily``:
the development server's stand-in for the production timer, README). Several workers
may run at once, on one machine or several: each job is claimed by one of them.
"""

import logging
import threading

from django.core.management import call_command
from django.db import close_old_connections, connection
from django_tasks_db.management.commands import db_worker

from core import jobs

logger = logging.getLogger("core.jobs")

HOUSEKEEPING_SECONDS = 60


def housekeeping(daily: bool, stop: threading.Event) -> None:
    while True:
        try:
            close_old_connections()
            jobs.sweep_stale()
            if daily:
                call_command("run_daily", "--if-due", verbosity=0)
        except Exception:
            logger.exception("jobs_worker: housekeeping failed; tried again in a minute")
        finally:
            connection.close()
        if stop.wait(HOUSEKEEPING_SECONDS):
            return


class Command(db_worker.Command):
    help = "Run background jobs (django-tasks database backend), and notice dead workers."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument(
            "--daily",
            action="store_true",
            help="Also run the daily work (manage.py run_daily) once a day: for development; "
            "production runs it from a timer.",
        )

    def handle(self, *args, daily=False, **options):
        if options.get("batch"):
            jobs.sweep_stale()
        else:
            stop = threading.Event()
            threading.Thread(
                target=housekeeping, args=(daily, stop), name="jobs-housekeeping", daemon=True
            ).start()
        options.setdefault("exclude_queues", "")
        return super().handle(*args, **options)
