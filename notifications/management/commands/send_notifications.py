"""The daily mail (digests and reminders); run by ``run_daily``."""

import datetime

from django.core.management.base import BaseCommand

from notifications import digest


class Command(BaseCommand):
    help = "Send each user's daily digest and reminders of what falls due."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, send nothing.")
        parser.add_argument("--date", help="As if today were this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run=False, date=None, **options):
        today = datetime.date.fromisoformat(date) if date else None
        self.stdout.write(str(digest.run(today, dry_run=dry_run)))
