"""HQ's visit plan against the visits held: planned, held, expected by now, behind plan.

For a center and fiscal year:

- *planned*: HQ's ``VisitPlan.planned_visits``, raised to the open focused-guidance plan's
  ``visits_per_year`` where the center is on focused guidance that year (the higher of the
  two, automatically: HQ need not edit its plan when guidance opens or closes);
- *held*: the center's visits dated from 1 April to the day (a visit recorded ahead is
  not held before its date);
- *expected by now*: ⌊planned × elapsed days ÷ days of the fiscal year⌋, the elapsed days
  counting the day itself (on 30 September of a 365-day year: 183 ÷ 365);
- *behind plan*: held < expected by now. With 4 planned, 2 are expected by the middle of
  the year; 1 held is behind, 3 are not.

All figures are computed in the database, one query for any number of centers.
"""

import datetime
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    DateField,
    F,
    IntegerField,
    OuterRef,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest

from core.fiscal import Period

from .models import Visit, VisitPlan


def elapsed_days(fiscal_year: int, as_of: datetime.date) -> tuple[int, int]:
    """(days of the fiscal year elapsed on ``as_of``, the day included; days in the year)."""
    period = Period.fiscal_year(fiscal_year)
    total = (period.end - period.start).days + 1
    done = (as_of - period.start).days + 1
    return max(0, min(done, total)), total


def expected_by(planned: int, fiscal_year: int, as_of: datetime.date) -> int:
    """How many of ``planned`` visits should have been held by ``as_of``."""
    done, total = elapsed_days(fiscal_year, as_of)
    return planned * done // total


def with_plan(centers, *, fiscal_year: int, as_of: datetime.date):
    """``centers`` annotated with ``planned_own``, ``guidance_visits``, ``planned``,
    ``held``, ``expected`` and ``behind`` (1 or 0) for the fiscal year, as of a day."""
    from evaluation.models import GuidancePlan  # evaluation builds on support's visits

    period = Period.fiscal_year(fiscal_year)
    own = VisitPlan.objects.filter(center=OuterRef("pk"), fiscal_year__year=fiscal_year)
    guidance = (
        GuidancePlan.objects.open()
        .filter(center=OuterRef("pk"), fiscal_year__year=fiscal_year)
        .order_by("-visits_per_year")
    )
    held = (
        Visit.objects.filter(
            center=OuterRef("pk"), date__gte=period.start, date__lte=min(as_of, period.end)
        )
        .order_by()
        .values("center")
        .annotate(n=Count("pk"))
        .values("n")
    )
    done, total = elapsed_days(fiscal_year, as_of)
    integer = IntegerField()
    centers = centers.annotate(
        plan_id=Subquery(own.values("pk")[:1]),
        planned_own=Subquery(own.values("planned_visits")[:1], output_field=integer),
        guidance_visits=Subquery(guidance.values("visits_per_year")[:1], output_field=integer),
    ).annotate(
        planned=Greatest(Coalesce("planned_own", Value(0)), Coalesce("guidance_visits", Value(0))),
        held=Coalesce(Subquery(held, output_field=integer), Value(0)),
    )
    # Integers on both databases: the division truncates, which is ⌊⌋ for these counts.
    return centers.annotate(expected=(Value(done) * Coalesce("planned", Value(0))) / Value(total))


def behind_plan(centers, *, fiscal_year: int, as_of: datetime.date):
    """The centers of ``centers`` that have held fewer visits than expected by ``as_of``."""
    return with_plan(centers, fiscal_year=fiscal_year, as_of=as_of).filter(held__lt=F("expected"))


@dataclass
class PlanRow:
    center: object
    plan_id: int | None
    planned_own: int | None
    guidance_visits: int | None
    planned: int
    held: int
    expected: int

    @property
    def behind(self) -> bool:
        return self.held < self.expected

    @property
    def raised_by_guidance(self) -> bool:
        return bool(self.guidance_visits) and self.guidance_visits > (self.planned_own or 0)


def plan_rows(centers, *, fiscal_year: int, as_of: datetime.date, only_planned=True):
    """One row per center (JIS order) with its plan and visits; centers with nothing
    planned are left out unless ``only_planned`` is False."""
    rows = with_plan(
        centers.select_related("prefecture"), fiscal_year=fiscal_year, as_of=as_of
    ).order_by("code")
    if only_planned:
        rows = rows.filter(planned__gt=0)
    return [
        PlanRow(
            c, c.plan_id, c.planned_own, c.guidance_visits, c.planned or 0, c.held, c.expected or 0
        )
        for c in rows
    ]


def totals(rows: list[PlanRow]) -> dict:
    return {
        "planned": sum(r.planned for r in rows),
        "held": sum(r.held for r in rows),
        "expected": sum(r.expected for r in rows),
        "behind": sum(1 for r in rows if r.behind),
    }


def next_visit_due(row: PlanRow, fiscal_year: int) -> datetime.date:
    """The last day the center's next visit could be held without falling behind: the day
    before the expected visits exceed the held ones. Past it, the visit is overdue."""
    period = Period.fiscal_year(fiscal_year)
    total = (period.end - period.start).days + 1
    # The smallest day count d with planned × d ÷ total ≥ held + 1: behind from that day.
    days = -(-(row.held + 1) * total // row.planned) if row.planned else total
    return period.start + datetime.timedelta(days=days - 2)


def behind_for_inbox(centers, *, today: datetime.date):
    """The centers behind this fiscal year's plan, each with ``due``: the last day its
    next visit was due (``next_visit_due``; the inbox orders and flags them by it)."""
    from core.fiscal import fiscal_year_of

    fiscal_year = fiscal_year_of(today)
    rows = [r for r in plan_rows(centers, fiscal_year=fiscal_year, as_of=today) if r.behind]
    due = Case(
        *[When(pk=r.center.pk, then=Value(next_visit_due(r, fiscal_year))) for r in rows],
        default=Value(None),
        output_field=DateField(),
    )
    return with_plan(
        centers.filter(pk__in=[r.center.pk for r in rows]), fiscal_year=fiscal_year, as_of=today
    ).annotate(due=due)
