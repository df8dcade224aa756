"""The indicator engine: each indicator of domain brief §4 defined once, computed in the database.

Every screen, export, command and (later) evaluation asks this module. An
indicator is a queryset of records, the date field that places a record in a
period, and an aggregate. ``compute`` runs one grouped query per indicator for
any set of centers (a center, a bureau, the nation) and any period.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Case as SqlCase
from django.db.models import Count, IntegerField, Q, Value, When
from django.db.models.functions import ExtractYear, TruncMonth
from django.utils.translation import gettext_lazy as _

from organizations.models import Center

from .models import Case, CaseStatus, Consultation, NetworkActivity, PriorityField


def fiscal_year_of(day: datetime.date) -> int:
    """The fiscal year (1 April to 31 March) a day falls in, named by the year it starts."""
    return day.year if day.month >= 4 else day.year - 1


def reiwa_label(fiscal_year: int) -> str:
    """The Japanese era name of a fiscal year: 令和 from FY2019, 平成 before."""
    era, number = (
        ("令和", fiscal_year - 2018) if fiscal_year >= 2019 else ("平成", fiscal_year - 1988)
    )
    return f"{era}{'元' if number == 1 else number}年度"


def plausible_year(value) -> int | None:
    """A fiscal year from a query parameter, or None when it is not a sensible one."""
    try:
        year = int(value)
    except (TypeError, ValueError):
        return None
    return year if 2000 <= year <= 2100 else None


def fiscal_year_expression(date_field: str):
    """The fiscal year of a date column, in SQL: its year, less one for January to March."""
    return ExtractYear(date_field) - SqlCase(
        When(**{f"{date_field}__month__lt": 4}, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )


@dataclass(frozen=True)
class Period:
    """A date range, both ends included."""

    start: datetime.date
    end: datetime.date
    label: str = ""

    @classmethod
    def fiscal_year(cls, fy: int) -> "Period":
        return cls(
            datetime.date(fy, 4, 1), datetime.date(fy + 1, 3, 31), f"{fy}年度（{reiwa_label(fy)}）"
        )

    @classmethod
    def half(cls, fy: int, half: int) -> "Period":
        if half == 1:
            return cls(datetime.date(fy, 4, 1), datetime.date(fy, 9, 30), f"{fy}年度 上期")
        return cls(datetime.date(fy, 10, 1), datetime.date(fy + 1, 3, 31), f"{fy}年度 下期")

    @classmethod
    def quarter(cls, fy: int, quarter: int) -> "Period":
        first_month = 4 + 3 * (quarter - 1)
        year = fy + (first_month - 1) // 12
        month = (first_month - 1) % 12 + 1
        start = datetime.date(year, month, 1)
        return cls(start, _month_end(_add_months(start, 2)), f"{fy}年度 第{quarter}四半期")

    @classmethod
    def month(cls, year: int, month: int) -> "Period":
        start = datetime.date(year, month, 1)
        return cls(start, _month_end(start), f"{year}年{month}月")

    @classmethod
    def between(cls, start: datetime.date, end: datetime.date) -> "Period":
        return cls(start, end, f"{start:%Y-%m-%d}〜{end:%Y-%m-%d}")

    def months(self) -> list[datetime.date]:
        """First days of the months the period touches."""
        first, result = self.start.replace(day=1), []
        while first <= self.end:
            result.append(first)
            first = _add_months(first, 1)
        return result


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def _month_end(day: datetime.date) -> datetime.date:
    return _add_months(day, 1) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    model: type
    date_field: str
    aggregate: object
    condition: Q = field(default_factory=Q)

    def records(self, period: Period, centers=None):
        """The records behind the figure: what a drill-down lists."""
        queryset = self.model._base_manager.filter(
            self.condition,
            **{f"{self.date_field}__gte": period.start, f"{self.date_field}__lte": period.end},
        )
        if centers is not None:
            queryset = queryset.filter(center__in=centers)
        return queryset


# COUNT(*) rather than COUNT(id): the id is not in the covering index, so counting
# it would read the table (docs/benchmarks.md).
CONSULTATIONS = Indicator(
    "consultations", _("Consultations handled"), Consultation, "date", Count("*")
)
VISITORS = Indicator(
    "visitors", _("Visiting clients"), Consultation, "date", Count("client", distinct=True)
)
CASES_SOLVED = Indicator(
    "cases_solved",
    _("Cases solved"),
    Case,
    "resolved_on",
    Count("*"),
    Q(status=CaseStatus.SOLVED),
)
NETWORK_ACTIVITIES = Indicator(
    "network_activities", _("Network activities"), NetworkActivity, "date", Count("*")
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


def priority_indicator(priority_field: PriorityField, metric: str) -> Indicator:
    """``priority:<field>``: a priority field's metric, counted through its cases' tags."""
    code = f"priority:{priority_field.pk}:{metric}"
    if metric == PriorityMetric.SOLVED_CASES:
        return Indicator(
            code,
            priority_field.name,
            Case,
            "resolved_on",
            Count("id", distinct=True),
            Q(status=CaseStatus.SOLVED, priority_fields=priority_field),
        )
    measure = (
        Count("client", distinct=True)
        if metric == PriorityMetric.CLIENTS
        else Count("id", distinct=True)
    )
    return Indicator(
        code,
        priority_field.name,
        Consultation,
        "date",
        measure,
        Q(case__priority_fields=priority_field),
    )


def compute(indicators, *, period: Period, centers=None, group: str | None = None) -> dict:
    """Values of ``indicators`` over ``period`` for ``centers`` (None = the nation).

    ``group=None`` gives ``{code: value}``; ``group="center"`` gives
    ``{center_id: {code: value}}``; ``group="month"`` gives ``{month_start: {code: value}}``;
    ``group="center_month"`` gives ``{(center_id, month_start): {code: value}}``;
    ``group="fiscal_year"`` gives ``{fiscal_year: {code: value}}``.
    A distinct count (visitors) is distinct within each group, so a client seen by
    two centers counts once for each center and once for the nation.
    """
    result: dict = {}
    for indicator in indicators:
        records = indicator.records(period, centers)
        if group is None:
            result[indicator.code] = records.aggregate(value=indicator.aggregate)["value"] or 0
            continue
        if group == "center":
            key = "center_id"
            rows = records.values(key).annotate(value=indicator.aggregate).order_by()
        elif group == "fiscal_year":
            key = "fiscal_year"
            rows = (
                records.annotate(fiscal_year=fiscal_year_expression(indicator.date_field))
                .values(key)
                .annotate(value=indicator.aggregate)
                .order_by()
            )
        elif group in ("month", "center_month"):
            key = "month"
            keys = ["center_id", "month"] if group == "center_month" else ["month"]
            rows = (
                records.annotate(month=TruncMonth(indicator.date_field))
                .values(*keys)
                .annotate(value=indicator.aggregate)
                .order_by()
            )
        else:
            raise ValueError(group)
        for row in rows:
            if "month" in row and isinstance(row["month"], datetime.datetime):
                row["month"] = row["month"].date()
            bucket = (row["center_id"], row["month"]) if group == "center_month" else row[key]
            result.setdefault(bucket, {})[indicator.code] = row["value"]
    return result


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
    by_center = compute(indicators, period=period, centers=scope, group="center")
    rows = [
        CenterRow(c, {i.code: by_center.get(c.pk, {}).get(i.code, 0) for i in indicators})
        for c in centers
    ]
    distinct = [i for i in indicators if getattr(i.aggregate, "distinct", False)]
    total = compute(distinct, period=period, centers=scope)
    for indicator in indicators:
        if indicator not in distinct:
            total[indicator.code] = sum(row.values[indicator.code] for row in rows)
    rows.append(CenterRow(None, {i.code: total[i.code] for i in indicators}))
    return rows
