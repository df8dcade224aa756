"""Import a file of any registered kind: ``manage.py import_records --kind sessions FILE``.

Every row is checked first; with any problem nothing is written, every problem is
printed as ``row N, column X: reason`` and the command exits non-zero. ``--dry-run``
checks and reports the counts, writing nothing. The file is
read under the same limits as an upload (``settings.IMPORT_*``; raise them in the
environment for a larger file).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from accounts.models import User, UserRole
from core.imports import KINDS, ordered, run_import
from core.imports.run import sha256_of
from core.tabular import TableError, check_size, read_table


class Command(BaseCommand):
    help = "Import records of one kind (docs/import-format.md) from an .xlsx or CSV file."

    def add_arguments(self, parser):
        parser.add_argument("file", help="An .xlsx or .csv file with the canonical headers.")
        parser.add_argument("--kind", required=True, choices=[spec.key for spec in ordered()])
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
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report only; write nothing."
        )

    def handle(self, *args, file, kind, user=None, link_duplicates=False, dry_run=False, **options):
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

        extra = {"link_duplicates": link_duplicates} if KINDS[kind].link_duplicates else {}
        result = run_import(
            kind,
            table,
            user=account,
            dry_run=dry_run,
            file_name=path.name,
            sha256=sha256_of(data),
            **extra,
        )
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
                ("dry run, nothing written: " if dry_run else "")
                + f"{len(table.rows)} rows: created {result.created}, "
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
