"""Remove the identity of clients past the retention limit (consultations/retention.py).

python manage.py pseudonymise_clients --dry-run   # count, change nothing
python manage.py pseudonymise_clients             # done daily by run_daily
"""

from django.core.management.base import BaseCommand

from consultations import retention


class Command(BaseCommand):
    help = "Pseudonymise clients without a session for the retention period the Agency set."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count, change nothing.")

    def handle(self, *args, dry_run=False, **options):
        result = retention.pseudonymise(dry_run=dry_run)
        years = retention.retention_years()
        what = "would be pseudonymised (dry run)" if dry_run else "pseudonymised"
        self.stdout.write(
            f"{result.clients} clients without a session since {result.before:%Y-%m-%d} "
            f"({years} years) {what}; {result.history_rows} history rows, "
            f"{result.recipients} survey recipients' addresses."
        )
