"""Check or rebuild the indicator summary tables (consultations.summaries).

    python manage.py indicator_summaries --check     # compare with a recount; exit 1 if they differ
    python manage.py indicator_summaries --rebuild   # recount every row from the records

The summaries are kept equal to the records where records are written; run
``--rebuild`` after writing records in bulk by other means (SQL, a restore).
"""

from django.core.management.base import BaseCommand, CommandError

from consultations import summaries


class Command(BaseCommand):
    help = "Check the indicator summary tables against the records, or rebuild them."

    def add_arguments(self, parser):
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--check", action="store_true")
        action.add_argument("--rebuild", action="store_true")

    def handle(self, *args, check=False, rebuild=False, **options):
        if rebuild:
            summaries.rebuild()
            self.stdout.write("indicator summaries rebuilt from the records")
            return
        stale, missing = summaries.differences()
        if stale or missing:
            raise CommandError(
                f"indicator summaries differ from the records: {len(stale)} rows stale, "
                f"{len(missing)} missing; run manage.py indicator_summaries --rebuild"
            )
        self.stdout.write("indicator summaries equal the records")
