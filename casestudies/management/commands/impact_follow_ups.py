"""Send the follow-up requests that are due (6 and 12 months after a case was solved):

python manage.py impact_follow_ups --base-url https://yorozu.example.jp [--dry-run]
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from casestudies.followups import send_due


class Command(BaseCommand):
    help = "Send the clients' follow-up requests that are due (single-use links)."

    def add_arguments(self, parser):
        parser.add_argument("--base-url", default="http://127.0.0.1:8000")
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, base_url, dry_run=False, **options):
        count = send_due(today=timezone.localdate(), base_url=base_url, dry_run=dry_run)
        self.stdout.write(f"{count} follow-up requests {'due (dry run)' if dry_run else 'sent'}")
