"""The indicator engine: each indicator of domain brief §4 defined once, computed in the database.

Every screen, export, command and (later) evaluation asks this module. An
indicator is a queryset of records, the date field that places a record in a
period, and an aggregate. ``compute`` runs one grouped query per indicator for
any set of centers (a center, a bureau, the nation) and any period.
"""

import datetime
import zlib
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from core.fiscal import Period, fiscal_year_expression, fiscal_year_of
from organizations.models import Center

from .models import Case, CaseStatus, Consultation, NetworkActivity, PriorityField


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    model: type
    date_field: str
    aggregate: object
    condition: Q = field(default_factory=Q)
    # A priority indicator is a standard one (``family``, its code) restricted to the
    # records tagged with a priority field (``field_id``); a standard one is its own family.
    family: str = ""
    field_id: int = 0

    def queryset(self):
        """Every record the indicator counts, in any period."""
        return self.model._base_manager.filter(self.condition)

    def records(self, period: Period, centers=None, *, within=None):
        """The records behind the figure: what a drill-down lists (``within``: a queryset
        of the indicator's model to narrow, a list page's scoped and filtered rows)."""
        queryset = self.queryset() if within is None else within.filter(self.condition)
        queryset = queryset.filter(
            **{f"{self.date_field}__gte": period.start, f"{self.date_field}__lte": period.end}
        )
        if centers is not None:
            queryset = queryset.filter(center__in=centers)
        return queryset

    @property
    def distinct(self) -> bool:
        """A distinct count (clients): not the sum of its parts over centers or days."""
        return getattr(self.aggregate, "distinct", False)


# COUNT(*) rather than COUNT(id): the id is not in the covering index, so counting
# it would read the table (docs/benchmarks.md).
CONSULTATIONS = Indicator(
    "consultations",
    _("Consultations handled"),
    Consultation,
    "date",
    Count("*"),
    family="consultations",
)
VISITORS = Indicator(
    "visitors",
    _("Visiting clients"),
    Consultation,
    "date",
    Count("client", distinct=True),
    family="visitors",
)
CASES_SOLVED = Indicator(
    "cases_solved",
    _("Cases solved"),
    Case,
    "resolved_on",
    Count("*"),
    Q(status=CaseStatus.SOLVED),
    family="cases_solved",
)
NETWORK_ACTIVITIES = Indicator(
    "network_activities",
    _("Network activities"),
    NetworkActivity,
    "date",
    Count("*"),
    family="network_activities",
)
STANDARD = [CONSULTATIONS, VISITORS, CASES_SOLVED, NETWORK_ACTIVITIES]
BY_CODE = {indicator.code: indicator for indicator in STANDARD}


class PriorityMetric:
    SESSIONS = "sessions"
    CLIENTS = "clients"
    SOLVED_CASES = "solved_cases"
    choices = [
        (SESSIONS, _("Sessions tagged with the field")),
        (CLIENTS, _("Distinct clients tagged with the field")),
        (SOLVED_CASES, _("Solved cases tagged with the field")),
    ]


# A priority metric is the standard indicator it restricts to the tagged records.
PRIORITY_BASE = {
    PriorityMetric.SESSIONS: CONSULTATIONS,
    PriorityMetric.CLIENTS: VISITORS,
    PriorityMetric.SOLVED_CASES: CASES_SOLVED,
}
# How a record is tagged with priority fields: through its case's tags.
TAG_PATH = {Consultation: "case__priority_fields", Case: "priority_fields"}


def priority_indicator(priority_field: PriorityField, metric: str) -> Indicator:
    """``priority:<field>``: a priority field's metric, counted through its cases' tags:
    the base indicator of ``PRIORITY_BASE`` over the records tagged with the field."""
    base = PRIORITY_BASE[metric]
    return Indicator(
        f"priority:{priority_field.pk}:{metric}",
        priority_field.name,
        base.model,
        base.date_field,
        base.aggregate,
        base.condition & Q(**{TAG_PATH[base.model]: priority_field}),
        family=base.family,
        field_id=priority_field.pk,
    )


def by_code(code: str) -> Indicator | None:
    """The indicator a code names (``consultations``, ``priority:<field>:<metric>``), or None."""
    if code in BY_CODE:
        return BY_CODE[code]
    parts = (code or "").split(":")
    if len(parts) != 3 or parts[0] != "priority" or not parts[1].isdecimal() or len(parts[1]) > 9:
        return None
    if parts[2] not in PRIORITY_BASE:
        return None
    field = PriorityField.objects.filter(pk=int(parts[1])).first()
    return priority_indicator(field, parts[2]) if field else None


def counted_rows(indicator: Indicator, period: Period, queryset, *, center_ids=None):
    """The rows of ``queryset`` (sessions, cases or clients) that the indicator's figure
    over ``period`` counts: its own records, or the distinct clients of its sessions.

    The drill-down of a figure on a dashboard: the list filtered by this shows the
    figure's number for the same centers (the list's own filters and scope). Distinct
    clients come from the same first days ``compute`` reads where it reads them.
    """
    from .models import Client, IndicatorFirstDay

    model = queryset.model
    if model is indicator.model:
        return indicator.records(period, within=queryset)
    if model is not Client or not indicator.distinct:
        return queryset.none()
    if summarized(indicator, period):
        first_days = IndicatorFirstDay.objects.filter(
            family=indicator.family,
            field_id=indicator.field_id,
            fiscal_year=fiscal_year_of(period.start),
            first_day__gte=period.start,
            first_day__lte=period.end,
            center_id__in=[0] if center_ids is None else center_ids,  # 0: the nation's
        )
        return queryset.filter(pk__in=first_days.values("client_id"))
    records = indicator.records(period, None if center_ids is None else center_ids)
    return queryset.filter(pk__in=records.values("client_id"))


def compute(indicators, *, period: Period, centers=None, group: str | None = None) -> dict:
    """Values of ``indicators`` over ``period`` for ``centers`` (None = the nation).

    ``group=None`` gives ``{code: value}``; ``group="center"`` gives
    ``{center_id: {code: value}}``; ``group="month"`` gives ``{month_start: {code: value}}``;
    ``group="center_month"`` gives ``{(center_id, month_start): {code: value}}``;
    ``group="fiscal_year"`` gives ``{fiscal_year: {code: value}}``.
    A distinct count (visitors) is distinct within each group, so a client seen by
    two centers counts once for each center and once for the nation.

    Where the summary tables hold the figure (``summarized``) it is read from them,
    several indicators in one query; otherwise it is counted in the records.
    """
    if group not in GROUPS:
        raise ValueError(group)
    result: dict = {} if group else {i.code: 0 for i in indicators}
    summed = [i for i in indicators if summarized(i, period, group) and not i.distinct]
    distinct = [i for i in indicators if summarized(i, period, group) and i.distinct]
    if group == "center":  # by center, a distinct count is a sum of day counts too: one query
        summed, distinct = summed + distinct, []
    if summed:
        _merge(result, _summed(summed, period, centers, group), summed, group)
    if distinct:
        _merge(result, _distinct(distinct, period, centers, group), distinct, group)
    for indicator in indicators:
        if indicator in summed or indicator in distinct:
            continue
        records = indicator.records(period, centers)
        if group is None:
            result[indicator.code] = records.aggregate(value=indicator.aggregate)["value"] or 0
            continue
        rows = records.annotate(**_group_keys(group, indicator.date_field))
        rows = rows.values(*GROUPS[group]).annotate(value=indicator.aggregate).order_by()
        for row in rows:
            result.setdefault(_bucket(row, group), {})[indicator.code] = row["value"]
    return result


def compute_cached(indicators, *, period: Period, centers=None, group: str | None = None) -> dict:
    """``compute``, kept in the shared cache when the period lies within one fiscal year.

    For the figures read again and again that seldom change: last year's, on every
    dashboard's projections, and the ten years of the national trend (the nation's
    distinct visitors of a year are hundreds of thousands of first days to count).
    The figures are kept under their fiscal year's version, which every write of a
    record of that year changes once it commits (``summaries.figures_changed``), so a
    cached figure always equals the records. Only with a cache the workers share
    (``INDICATOR_YEAR_CACHE``, on with Redis): a cache per process would not see the
    other processes' writes.
    """
    from django.conf import settings
    from django.core.cache import cache

    from .summaries import year_version

    fiscal_year = fiscal_year_of(period.start)
    if (
        not getattr(settings, "INDICATOR_YEAR_CACHE", False)
        or fiscal_year_of(period.end) != fiscal_year
    ):
        return compute(indicators, period=period, centers=centers, group=group)
    ids = _center_ids(centers)
    if ids is not None and not isinstance(ids, list):
        ids = list(ids.values_list("pk", flat=True))
    scope = "nation" if ids is None else ",".join(map(str, sorted(ids)))
    codes = ",".join(i.code for i in indicators)
    digest = zlib.crc32(f"{scope}|{codes}".encode())
    key = f"indicators:{year_version(fiscal_year)}:{period.start}:{period.end}:{group}:{digest}"
    figures = cache.get(key)
    if figures is None:
        figures = compute(indicators, period=period, centers=centers, group=group)
        cache.set(key, figures, 7 * 24 * 3600)
    return figures


# The group keys of ``compute``: the columns each grouping selects.
GROUPS = {
    None: (),
    "center": ("center_id",),
    "month": ("month",),
    "center_month": ("center_id", "month"),
    "fiscal_year": ("fiscal_year",),
}
# Indicator families whose figures the summary tables hold (consultations.summaries).
SUMMARIZED = ("consultations", "visitors", "cases_solved", "network_activities")


def _group_keys(group, date_field) -> dict:
    if group in ("month", "center_month"):
        return {"month": TruncMonth(date_field)}
    if group == "fiscal_year":
        return {"fiscal_year": fiscal_year_expression(date_field)}
    return {}


def _bucket(row, group):
    month = row.get("month")
    if isinstance(month, datetime.datetime):
        row["month"] = month.date()
    keys = GROUPS[group]
    return tuple(row[k] for k in keys) if len(keys) > 1 else row[keys[0]]


def summarized(indicator: Indicator, period: Period, group=None) -> bool:
    """Whether ``compute`` reads the figure from the summary tables: always for a
    plain count; for a distinct count, only from the start of a fiscal year to a day
    within it, for the nation, a set of centers or by center (what the summaries keep)."""
    if indicator.family not in SUMMARIZED or not summaries_enabled():
        return False
    if not indicator.distinct:
        return True
    year = Period.fiscal_year(fiscal_year_of(period.start))
    return group in (None, "center") and period.start == year.start and period.end <= year.end


def summaries_enabled() -> bool:
    from django.conf import settings

    return getattr(settings, "INDICATOR_SUMMARIES", True)


def _center_ids(centers):
    if isinstance(centers, list | tuple | set):
        return [getattr(c, "pk", c) for c in centers]
    return centers


def _summed(indicators, period, centers, group):
    from django.db.models import Sum

    from .models import IndicatorDayCount

    rows = IndicatorDayCount.objects.filter(
        family__in={i.family for i in indicators},
        field_id__in={i.field_id for i in indicators},
        day__gte=period.start,
        day__lte=period.end,
    )
    if centers is not None:
        rows = rows.filter(center_id__in=_center_ids(centers))
    if group == "center":
        rows = rows.filter(center_id__gt=0)  # not the nation's distinct counts (center 0)
    rows = rows.annotate(**_group_keys(group, "day"))
    return rows.values("family", "field_id", *GROUPS[group]).annotate(value=Sum("value")).order_by()


def _distinct(indicators, period, centers, group):
    from django.db.models import Sum

    from .models import IndicatorDayCount, IndicatorFirstDay

    families = {i.family for i in indicators}
    fields = {i.field_id for i in indicators}
    if group == "center":
        # By center: the clients first seen on each day since the start of the fiscal
        # year, summed.
        rows = IndicatorDayCount.objects.filter(
            family__in=families,
            field_id__in=fields,
            day__gte=period.start,
            day__lte=period.end,
            center_id__gt=0,
        )
        if centers is not None:
            rows = rows.filter(center_id__in=_center_ids(centers))
        measure = Sum("value")
    elif centers is None:
        # The nation: its first days (center 0), one row per client and fiscal year. No
        # day counts are kept for it: every center's saves would write the same rows
        # (consultations.summaries).
        rows = IndicatorFirstDay.objects.filter(
            family__in=families,
            field_id__in=fields,
            center_id=0,
            first_day__gte=period.start,
            first_day__lte=period.end,
        )
        measure = Count("*")
    else:  # a set of centers: a client seen at two of them counts once
        rows = IndicatorFirstDay.objects.filter(
            family__in=families,
            field_id__in=fields,
            first_day__gte=period.start,
            first_day__lte=period.end,
            center_id__in=_center_ids(centers),
        )
        measure = Count("client_id", distinct=True)
    return rows.values("family", "field_id", *GROUPS[group]).annotate(value=measure).order_by()


def _merge(result, rows, indicators, group):
    codes: dict = {}
    for indicator in indicators:
        codes.setdefault((indicator.family, indicator.field_id), []).append(indicator.code)
    for row in rows:
        for code in codes.get((row["family"], row["field_id"]), ()):
            if group is None:
                result[code] = row["value"] or 0
            else:
                result.setdefault(_bucket(row, group), {})[code] = row["value"]


@dataclass
class CenterRow:
    center: Center | None  # None for the total row
    values: dict

    @property
    def label(self):
        return self.center.name if self.center else _("Total")


def center_table(*, period: Period, centers, indicators=STANDARD) -> list[CenterRow]:
    """One row per center in JIS order, then the total of the same scope.

    The total of a plain count is the sum of the center rows; a distinct count
    (visitors) is counted again over the whole scope, so that a client seen by
    two centers counts once in the total.
    """
    centers = centers.select_related("prefecture").order_by("code")
    # With every center in scope, leave the center filter out of the queries.
    scope = None if not centers.query.where else centers
    by_center = compute_cached(indicators, period=period, centers=scope, group="center")
    rows = [
        CenterRow(c, {i.code: by_center.get(c.pk, {}).get(i.code, 0) for i in indicators})
        for c in centers
    ]
    distinct = [i for i in indicators if getattr(i.aggregate, "distinct", False)]
    total = compute_cached(distinct, period=period, centers=scope)
    for indicator in indicators:
        if indicator not in distinct:
            total[indicator.code] = sum(row.values[indicator.code] for row in rows)
    rows.append(CenterRow(None, {i.code: total[i.code] for i in indicators}))
    return rows
