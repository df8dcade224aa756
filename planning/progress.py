"""Progress against plan targets: actual to date, pace, projection and status.

The pace is not a straight line: the share of the year's work expected by a date
follows the center's own monthly pattern of last year (for each indicator). A
center without last year's figures falls back to the share of days elapsed.
"""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

from consultations.indicators import (
    CASES_SOLVED,
    CONSULTATIONS,
    STANDARD,
    Indicator,
    PriorityMetric,
    compute_cached,
    priority_indicator,
)
from core.fiscal import Period

from .models import BusinessPlan, PlanStatus

ON_TRACK, AT_RISK, BEHIND, NO_TARGET, NOT_STARTED = (
    "on_track",
    "at_risk",
    "behind",
    "no_target",
    "not_started",
)
STATUS_LABELS = {
    ON_TRACK: _("On track"),
    AT_RISK: _("At risk"),
    BEHIND: _("Behind"),
    NO_TARGET: _("No target"),
    NOT_STARTED: _("Not started"),
}


@functools.lru_cache(maxsize=1024)  # a national dashboard asks for the same 12 months 1,700 times
def elapsed_fraction(period: Period, month: datetime.date, as_of: datetime.date) -> float:
    """How much of ``month`` (within ``period``) has passed on ``as_of``, from 0 to 1."""
    next_month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    last = min(next_month - datetime.timedelta(days=1), period.end)
    first = max(month, period.start)
    if as_of < first:
        return 0.0
    if as_of >= last:
        return 1.0
    return ((as_of - first).days + 1) / ((last - first).days + 1)


def expected_share(*, period: Period, as_of: datetime.date, last_year_by_month: dict) -> float:
    """Share of the year's total expected by ``as_of``.

    ``last_year_by_month`` maps the first day of each month of the previous fiscal
    year to its value. Each month of this year weighs what the same month weighed
    last year; with nothing last year, every day weighs the same.
    """
    total = sum(last_year_by_month.values())
    if total <= 0:
        days = (period.end - period.start).days + 1
        done = (min(as_of, period.end) - period.start).days + 1
        return max(0.0, min(1.0, done / days))
    share = 0.0
    for month in period.months():
        weight = last_year_by_month.get(month.replace(year=month.year - 1), 0) / total
        share += weight * elapsed_fraction(period, month, as_of)
    return share


def project(actual: int, share: float) -> int | None:
    """Year-end figure if the rest of the year goes at the pace so far."""
    if share <= 0:
        return None
    return round(actual / share)


def status_of(*, target, projected, share, margin: Decimal) -> str:
    if target is None:
        return NO_TARGET
    if projected is None or share <= 0:
        return NOT_STARTED
    if projected >= target:
        return ON_TRACK
    if projected >= target * (1 - float(margin)):
        return AT_RISK
    return BEHIND


@dataclass
class Progress:
    code: str
    label: str
    target: int | None
    actual: int
    share: float
    projected: int | None
    status: str

    @property
    def rate(self) -> float | None:
        return self.actual / self.target if self.target else None

    @property
    def gap(self) -> int | None:
        if self.target is None or self.projected is None:
            return None
        return self.projected - self.target

    @property
    def status_label(self):
        return STATUS_LABELS[self.status]


@dataclass
class CenterProgress:
    center: object
    plan: BusinessPlan | None
    items: list[Progress]

    def item(self, code):
        return next((i for i in self.items if i.code == code), None)

    @property
    def worst(self) -> str:
        order = [BEHIND, AT_RISK, ON_TRACK, NOT_STARTED, NO_TARGET]
        statuses = {i.status for i in self.items}
        return next((s for s in order if s in statuses), NO_TARGET)


def _pattern_base(indicator: Indicator) -> Indicator:
    # A priority metric follows the monthly pattern of its base indicator.
    if indicator.code.startswith("priority:"):
        return (
            CASES_SOLVED if indicator.code.endswith(PriorityMetric.SOLVED_CASES) else CONSULTATIONS
        )
    return indicator


def counts_distinct_clients(indicator: Indicator) -> bool:
    return indicator.code == "visitors" or indicator.code.endswith(f":{PriorityMetric.CLIENTS}")


def same_day_last_year(day: datetime.date) -> datetime.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def distinct_share(*, reached: int, year_total: int, fallback: float) -> float:
    """Share of a distinct count (clients) reached by a date, from last year's own curve.

    Monthly distinct counts do not add up to the year's (a client seen in two
    months is one client), so a distinct figure follows the share of last year's
    year-end distinct count reached by the same day.
    """
    if year_total <= 0:
        return fallback
    return min(1.0, reached / year_total)


def center_progress(*, fiscal_year, centers, as_of: datetime.date) -> list[CenterProgress]:
    """Progress of every center in ``centers`` against its confirmed plan for ``fiscal_year``.

    Figures come from the indicator engine (grouped queries); only the small
    per-center, per-month aggregates are combined here.
    """
    from organizations.models import Center

    period = Period.fiscal_year(fiscal_year.year)
    last_period = Period.fiscal_year(fiscal_year.year - 1)
    to_date = Period(period.start, min(as_of, period.end))
    centers = list(centers.select_related("prefecture__bureau").order_by("code"))
    # Targets count once the plan is confirmed (domain brief §3: fixed at the kick-off interview).
    plans = {
        p.center_id: p
        for p in BusinessPlan.objects.filter(
            fiscal_year=fiscal_year, center__in=centers, status=PlanStatus.CONFIRMED
        ).prefetch_related("targets", "priorities__priority_field")
    }
    priority_indicators = {}
    for plan in plans.values():
        for priority in plan.priorities.all():
            indicator = priority_indicator(priority.priority_field, priority.metric)
            priority_indicators[indicator.code] = indicator
    indicators = STANDARD + list(priority_indicators.values())
    distinct = [i for i in indicators if counts_distinct_clients(i)]
    # Every center: no center filter at all (the nation's figures need none).
    everywhere = len(centers) == Center.objects.count()
    scope = None if everywhere else Center.objects.filter(pk__in=[c.pk for c in centers])
    started = as_of >= period.start
    # Kept in the cache until a record of the year changes, like last year's figures:
    # a dashboard read by many between two writes is counted once.
    actual = (
        compute_cached(indicators, period=to_date, centers=scope, group="center") if started else {}
    )
    # The monthly pattern of last year, for the plain counts: a distinct count follows
    # last year's distinct curve instead (``distinct_share``), and before the year has
    # started no share is expected of anything.
    summed = [i for i in STANDARD if not counts_distinct_clients(i)]
    # Last year's figures change seldom: kept in the cache until one of its records does.
    last_year = compute_cached(summed, period=last_period, centers=scope, group="center_month")
    last_to_date = Period(last_period.start, min(same_day_last_year(as_of), last_period.end))
    reached = (
        compute_cached(distinct, period=last_to_date, centers=scope, group="center")
        if started
        else {}
    )
    last_total = compute_cached(distinct, period=last_period, centers=scope, group="center")
    distinct_codes = {i.code for i in distinct}
    by_center: dict = {}
    for (center_id, month), values in last_year.items():
        by_center.setdefault(center_id, {})[month] = values
    result = []
    for center in centers:
        plan = plans.get(center.pk)
        items = []
        wanted = list(STANDARD)
        if plan:
            wanted += [
                priority_indicators[priority_indicator(p.priority_field, p.metric).code]
                for p in plan.priorities.all()
            ]
        months = by_center.get(center.pk, {})
        shares: dict = {}  # base indicator code -> expected share (several share a base)
        for indicator in wanted:
            base = _pattern_base(indicator)
            share = shares.get(base.code)
            if share is None:
                pattern = {month: values.get(base.code, 0) for month, values in months.items()}
                share = expected_share(period=period, as_of=as_of, last_year_by_month=pattern)
                shares[base.code] = share
            if indicator.code in distinct_codes and started:
                share = distinct_share(
                    reached=reached.get(center.pk, {}).get(indicator.code, 0),
                    year_total=last_total.get(center.pk, {}).get(indicator.code, 0),
                    fallback=expected_share(period=period, as_of=as_of, last_year_by_month={}),
                )
            value = actual.get(center.pk, {}).get(indicator.code, 0)
            target = _target(plan, indicator)
            projected = project(value, share)
            items.append(
                Progress(
                    code=indicator.code,
                    label=str(indicator.label),
                    target=target,
                    actual=value,
                    share=share,
                    projected=projected,
                    status=status_of(
                        target=target,
                        projected=projected,
                        share=share,
                        margin=fiscal_year.warning_margin,
                    ),
                )
            )
        result.append(CenterProgress(center=center, plan=plan, items=items))
    return result


def _target(plan, indicator):
    if plan is None:
        return None
    if indicator.code.startswith("priority:"):
        _prefix, field_id, metric = indicator.code.split(":")
        return next(
            (
                p.target
                for p in plan.priorities.all()
                if str(p.priority_field_id) == field_id and p.metric == metric
            ),
            None,
        )
    return plan.target_for(indicator.code)


def early_warnings(progress: list[CenterProgress]) -> list[tuple[object, Progress]]:
    """(center, item) for every target a center is projected to miss by more than the margin."""
    return [(cp.center, item) for cp in progress for item in cp.items if item.status == BEHIND]


@dataclass
class PriorityFigure:
    """A priority field's figure over a scope: its result at every center in scope (the
    drill-down lists the same rows), and the targets of the plans that name it."""

    code: str
    label: str
    metric: str
    plans: int
    target: int
    actual: int


def priority_figures(progress: list[CenterProgress], *, fiscal_year, as_of, centers):
    """One line per priority field and metric named by a confirmed plan of ``progress``:
    the indicator computed over ``centers`` (None: the nation), to ``as_of``, in one query."""
    named: dict = {}
    for row in progress:
        if row.plan is None:
            continue
        for priority in row.plan.priorities.all():
            indicator = priority_indicator(priority.priority_field, priority.metric)
            entry = named.setdefault(indicator.code, [indicator, priority.metric, 0, 0])
            entry[2] += 1
            entry[3] += priority.target or 0
    if not named:
        return []
    period = Period.fiscal_year(fiscal_year.year)
    if as_of < period.start:
        actual = {}
    else:
        to_date = Period(period.start, min(as_of, period.end))
        actual = compute_cached([e[0] for e in named.values()], period=to_date, centers=centers)
    metrics = dict(PriorityMetric.choices)
    return [
        PriorityFigure(
            code,
            str(indicator.label),
            str(metrics[metric]),
            plans,
            target,
            actual.get(code, 0),
        )
        for code, (indicator, metric, plans, target) in sorted(
            named.items(), key=lambda item: (str(item[1][0].label), item[1][1])
        )
    ]
