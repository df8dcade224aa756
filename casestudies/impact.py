"""Impact indicators: what the support changed for the clients, counted in the database.

For each client and center, the *baseline* is the client's earliest impact record at that
center with the figure, and the *latest* is its last record dated in the period. A client
counts once per center (and once per center for a bureau or the nation: its figures at
two centers are two stories of support).

- ``clients_value_added_up``: clients whose latest value added exceeds their baseline's;
- ``value_added_growth``: the sum of (latest − baseline) value added, in yen;
- ``jobs_created``: the sum of (latest − baseline) employees;
- ``funding_obtained``: the funding amounts recorded in the period, in yen.
"""

from dataclasses import dataclass

from django.db.models import BigIntegerField, Count, Exists, F, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext_lazy as _

from .models import ImpactRecord


@dataclass(frozen=True)
class ImpactIndicator:
    code: str
    label: str


IMPACT = [
    ImpactIndicator("clients_value_added_up", _("Clients with value added up")),
    ImpactIndicator("value_added_growth", _("Value added growth (yen)")),
    ImpactIndicator("jobs_created", _("Jobs created")),
    ImpactIndicator("funding_obtained", _("Funding obtained (yen)")),
]
CODES = [indicator.code for indicator in IMPACT]


def _baseline(field: str):
    earliest = ImpactRecord.objects.filter(
        client_id=OuterRef("client_id"),
        center_id=OuterRef("center_id"),
        **{f"{field}__isnull": False},
    ).order_by("recorded_on", "id")
    return Subquery(earliest.values(field)[:1], output_field=BigIntegerField())


def latest_records(period, centers=None):
    """Each client's last record in ``period`` at each center, with the baselines."""
    in_period = ImpactRecord.objects.filter(
        recorded_on__gte=period.start, recorded_on__lte=period.end
    )
    if centers is not None:
        in_period = in_period.filter(center__in=centers)
    later = ImpactRecord.objects.filter(
        client_id=OuterRef("client_id"),
        center_id=OuterRef("center_id"),
        recorded_on__gte=period.start,
        recorded_on__lte=period.end,
    ).filter(
        Q(recorded_on__gt=OuterRef("recorded_on"))
        | Q(recorded_on=OuterRef("recorded_on"), id__gt=OuterRef("id"))
    )
    return in_period.filter(~Exists(later)).annotate(
        base_value_added=_baseline("value_added"), base_employees=_baseline("employees")
    )


def _aggregates():
    return {
        "clients_value_added_up": Count("id", filter=Q(value_added__gt=F("base_value_added"))),
        "value_added_growth": Sum(
            F("value_added") - F("base_value_added"), output_field=BigIntegerField()
        ),
        "jobs_created": Sum(F("employees") - F("base_employees"), output_field=BigIntegerField()),
    }


def _funding(period, centers):
    records = ImpactRecord.objects.filter(
        recorded_on__gte=period.start, recorded_on__lte=period.end, funding_amount__isnull=False
    )
    if centers is not None:
        records = records.filter(center__in=centers)
    return records


def compute_impact(*, period, centers=None, group: str | None = None) -> dict:
    """``{code: value}`` for the scope, or ``{center_id: {code: value}}`` by center."""
    empty = dict.fromkeys(CODES, 0)
    if group is None:
        values = latest_records(period, centers).aggregate(**_aggregates())
        values["funding_obtained"] = _funding(period, centers).aggregate(
            total=Sum("funding_amount")
        )["total"]
        return {code: values.get(code) or 0 for code in CODES}
    if group != "center":
        raise ValueError(group)
    result: dict = {}
    rows = latest_records(period, centers).values("center_id").annotate(**_aggregates()).order_by()
    for row in rows:
        result.setdefault(row["center_id"], dict(empty)).update(
            {code: row[code] or 0 for code in CODES if code in row}
        )
    funding = (
        _funding(period, centers)
        .values("center_id")
        .annotate(total=Sum("funding_amount"))
        .order_by()
    )
    for row in funding:
        result.setdefault(row["center_id"], dict(empty))["funding_obtained"] = row["total"] or 0
    return result


def impact_table(*, period, centers) -> dict:
    """``{center_id: {code: value}}`` for each of ``centers``, and the scope's total
    under ``None`` (a sum: a client counts once per center, see the module)."""
    by_center = compute_impact(period=period, centers=centers, group="center")
    empty = dict.fromkeys(CODES, 0)
    table = {pk: by_center.get(pk, empty) for pk in centers.values_list("pk", flat=True)}
    table[None] = {code: sum(values[code] for values in table.values()) for code in CODES}
    return table
