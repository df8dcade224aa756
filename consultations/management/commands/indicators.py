"""Print the per-center indicator table for a fiscal year.

    python manage.py indicators --fy 2025 [--bureau 関東] [--format csv|table] [--with-impact]

One row per center in JIS order, then the total of the same scope, computed by
the indicator engine (the same numbers as the screens). ``--with-impact`` adds the
impact indicators (casestudies.impact): clients with value added up, value added growth,
jobs created and funding obtained.
"""

import csv

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from consultations.indicators import STANDARD, center_table
from core.fiscal import Period
from core.tabular import escape_formula
from organizations.models import Bureau, Center


class Command(BaseCommand):
    help = "Print the per-center indicator table of a fiscal year (CSV or an aligned table)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--fy",
            type=int,
            required=True,
            help="fiscal year, e.g. 2025 for 2025-04-01..2026-03-31",
        )
        parser.add_argument("--bureau", help="bureau short name (関東), full name or code (kanto)")
        parser.add_argument("--format", choices=["csv", "table"], default="csv")
        parser.add_argument(
            "--with-impact", action="store_true", help="add the impact indicators (成果)"
        )

    def handle(self, *args, fy, bureau=None, format="csv", with_impact=False, **options):
        centers = Center.objects.all()
        if bureau:
            found = Bureau.objects.filter(
                Q(short_name=bureau) | Q(name=bureau) | Q(code=bureau)
            ).first()
            if found is None:
                names = "、".join(Bureau.objects.values_list("short_name", flat=True))
                raise CommandError(f"Unknown bureau “{bureau}”. Use one of: {names}")
            centers = centers.filter(prefecture__bureau=found)
        period = Period.fiscal_year(fy)
        rows = center_table(period=period, centers=centers)
        header = ["center"] + [indicator.code for indicator in STANDARD]
        lines = [
            [row.center.name if row.center else "total"] + [row.values[i.code] for i in STANDARD]
            for row in rows
        ]
        if with_impact:
            from casestudies.impact import CODES, impact_table

            header += CODES
            impact = impact_table(period=period, centers=centers)
            for line, row in zip(lines, rows, strict=True):
                values = impact[row.center.pk if row.center else None]
                line += [values[code] for code in CODES]
        if format == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(header)
            writer.writerows([escape_formula(value) for value in line] for line in lines)
            return
        widths = [max(_width(str(r[c])) for r in [header, *lines]) for c in range(len(header))]
        for line in [header, *lines]:
            cells = [_pad(str(v), widths[i], left=i == 0) for i, v in enumerate(line)]
            self.stdout.write("  ".join(cells))


def _width(text: str) -> int:
    # Full-width characters take two columns in a terminal.
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, *, left: bool) -> str:
    space = " " * (width - _width(text))
    return text + space if left else space + text
