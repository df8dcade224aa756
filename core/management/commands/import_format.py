"""Write docs/import-format.md from the import kinds' declarations (``core.imports.docs``)."""

from django.core.management.base import BaseCommand

from core.imports import docs


class Command(BaseCommand):
    help = "Write docs/import-format.md from the import kinds' declarations."

    def handle(self, *args, **options):
        docs.path().write_text(docs.render(), encoding="utf-8")
        self.stdout.write(f"wrote {docs.path()}")
