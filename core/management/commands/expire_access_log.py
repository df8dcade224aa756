"""Delete access-log entries older than settings.ACCESS_LOG_RETENTION_DAYS."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from core.models import AccessLogEntry


class Command(BaseCommand):
    help = "Delete access-log entries older than ACCESS_LOG_RETENTION_DAYS (default 5 years)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted, delete nothing."
        )

    def handle(self, *args, dry_run=False, **options):
        days = settings.ACCESS_LOG_RETENTION_DAYS
        cutoff = timezone.now() - datetime.timedelta(days=days)
        expired = AccessLogEntry.objects.filter(at__lt=cutoff)
        if dry_run:
            self.stdout.write(
                f"{expired.count()} entries older than {days} days "
                f"(before {cutoff:%Y-%m-%d}) would be deleted (dry run)."
            )
            return
        deleted = AccessLogEntry.objects.expire(cutoff)
        self.stdout.write(f"{deleted} entries older than {days} days deleted.")
