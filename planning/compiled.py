"""実績取りまとめ (compiled results): for every center in scope its targets, actuals,
rates and projected year-end per indicator, and the total of those centers.

The national workbook has the whole network on its first sheet and one sheet per
bureau; a bureau's workbook is that bureau's sheet alone, from the same function,
so both read alike. The figures are the dashboards' (``planning.progress``).
"""

from django.utils.translation import gettext as _

from consultations.indicators import STANDARD
from core.tabular import workbook_response


def totals(rows):
    """The compiled table's total row: sums of the centers' figures.

    The rate compares the targets with the actuals of the same centers (those
    with a confirmed plan), so centers without a plan do not inflate it.
    """
    result = []
    for indicator in STANDARD:
        items = [r.item(indicator.code) for r in rows]
        planned = [i for i in items if i.target is not None]
        target = sum(i.target for i in planned)
        planned_actual = sum(i.actual for i in planned)
        result.append(
            {
                "label": indicator.label,
                "code": indicator.code,
                "target": target,
                "actual": sum(i.actual for i in items),
                "planned_actual": planned_actual,
                "projected": sum(i.projected for i in items if i.projected is not None),
                "rate": planned_actual / target if target else None,
            }
        )
    return result


def headers():
    columns = [_("Bureau"), _("Center")]
    for indicator in STANDARD:
        columns += [
            _("%(indicator)s: target") % {"indicator": indicator.label},
            _("%(indicator)s: actual") % {"indicator": indicator.label},
            _("%(indicator)s: achievement rate") % {"indicator": indicator.label},
            _("%(indicator)s: projected year-end") % {"indicator": indicator.label},
        ]
    return columns


def _rate(rate):
    return round(rate, 4) if rate is not None else None


def sheet_rows(rows, total_label):
    """One line per center, then the total of those centers."""
    for row in rows:
        line = [row.center.prefecture.bureau.short_name, row.center.name]
        for indicator in STANDARD:
            item = row.item(indicator.code)
            line += [item.target, item.actual, _rate(item.rate), item.projected]
        yield line
    total = [total_label, ""]
    for t in totals(rows):
        total += [t["target"], t["actual"], _rate(t["rate"]), t["projected"]]
    yield total


def by_bureau(rows):
    """[(bureau, its rows)] in the order the rows come (bureau order)."""
    grouped = {}
    for row in rows:
        grouped.setdefault(row.center.prefecture.bureau, []).append(row)
    return list(grouped.items())


def bureau_sheet(bureau, rows):
    return (
        bureau.short_name,
        headers(),
        list(sheet_rows(rows, _("%(bureau)s total") % {"bureau": bureau.short_name})),
    )


def national_workbook(year, rows):
    """The network on the first sheet, then one sheet per bureau."""
    return workbook_response(f"compiled-results-{year}.xlsx", national_sheets(rows))


def bureau_workbook(year, bureau, rows):
    """The bureau's own centers and their total (``rows`` are already scoped)."""
    return workbook_response(
        f"compiled-results-{year}-{bureau.code}.xlsx", [bureau_sheet(bureau, rows)]
    )


def pdf(request, *, title, year, sheets):
    """The same sheets on A4 landscape paper (core.pdf), one table per sheet."""
    from core.pdf import render_pdf

    tables = [
        {"title": sheet_title, "headers": columns, "rows": rows}
        for sheet_title, columns, rows in sheets
    ]
    return render_pdf(
        request,
        "planning/compiled_pdf.html",
        {"title": title, "year": year, "tables": tables},
        f"実績取りまとめ-{year}.pdf",
        landscape=True,
    )


def national_sheets(rows):
    sheets = [(_("National"), headers(), list(sheet_rows(rows, _("National total"))))]
    return sheets + [bureau_sheet(bureau, bureau_rows) for bureau, bureau_rows in by_bureau(rows)]
