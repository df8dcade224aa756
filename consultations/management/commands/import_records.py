"""Import consultation records from a file: ``manage.py import_records --kind sessions FILE``.

Every row is checked first; with any problem nothing is written, every problem is
printed as ``row N, column X: reason`` and the command exits non-zero. The file is
read under the same limits as an upload (``settings.IMPORT_*``; raise them in the
environment for a larger file).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.models import User, UserRole
from consultations.imports import KINDS, import_records
from core.tabular import TableError, check_size, read_table


class Command(BaseCommand):
    help = "Import clients, cases, sessions or network activities from an .xlsx or CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="An .xlsx or .csv file with the canonical headers.")
        parser.add_argument("--kind", required=True, choices=list(KINDS))
        parser.add_argument(
            "--user",
            help="Username the import is recorded for (and whose scope applies); "
            "default: the first active Agency administrator or superuser.",
        )
        parser.add_argument(
            "--link-duplicates",
            action="store_true",
            help="Link new clients that look like an existing client to it instead of adding them.",
        )

    def handle(self, *args, file, kind, user=None, link_duplicates=False, **options):
        account = self._user(user)
        path = Path(file)
        try:
            check_size(path.stat().st_size)  # before the file is read into memory
            data = path.read_bytes()
            table = read_table(data, path.name)
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        except TableError as exc:
            raise CommandError(str(exc)) from exc

        result = import_records(kind, table, user=account, link_duplicates=link_duplicates)
        for warning in result.warnings:
            self.stderr.write(
                f"warning: row {warning.row}, column {warning.column}: {warning.message}"
            )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(f"row {problem.row}, column {problem.column}: {problem.message}")
            raise CommandError(
                f"{len(result.problems)} problem(s) in {path.name}; nothing was imported."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(table.rows)} rows: created {result.created}, "
                f"updated {result.updated}, unchanged {result.unchanged}"
            )
        )

    def _user(self, username):
        if username:
            try:
                return User.objects.get(username=username, is_active=True)
            except User.DoesNotExist:
                raise CommandError(f"No active user named {username!r}.") from None
        account = (
            User.objects.filter(is_active=True)
            .filter(Q(role=UserRole.AGENCY_ADMIN) | Q(is_superuser=True))
            .order_by("pk")
            .first()
        )
        if account is None:
            raise CommandError(
                "No active Agency administrator or superuser: create one or pass --user."
            )
        return account
