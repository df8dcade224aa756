"""The HQ experts' meeting: the summary of the visits in its period, computed in the database."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from .models import EscalationLevel, FindingCategory, FollowUp, Visit

# A finding "recurs" when it was recorded at this many visits of the period or more.
RECURRING_AT = 2


@dataclass
class MeetingSummary:
    by_center: list[dict]
    totals: dict
    open_follow_ups: list[FollowUp]
    overdue_count: int
    recurring: list[FindingCategory]


def _level_counts() -> dict:
    counts = {"total": Count("pk")}
    for level in EscalationLevel:
        counts[f"level_{level.value}"] = Count("pk", filter=Q(escalation_level=level.value))
    return counts


def summarize(visits, *, start: datetime.date, end: datetime.date) -> MeetingSummary:
    """Counts by center and escalation level, the follow-ups still open and the findings
    that recur, for the visits of ``visits`` (already scoped to the reader) in the period."""
    in_period = visits.filter(date__gte=start, date__lte=end)
    ids = in_period.values("pk")
    by_center = list(
        Visit.objects.filter(pk__in=ids)
        .values("center_id", "center__code", "center__name")
        .annotate(**_level_counts())
        .order_by("center__code")
    )
    totals = Visit.objects.filter(pk__in=ids).aggregate(**_level_counts())
    totals["centers"] = len(by_center)
    follow_ups = (
        FollowUp.objects.open()
        .filter(visit__in=ids)
        .select_related("visit__center", "owner")
        .order_by("due_date", "visit__center__code", "pk")
    )
    today = datetime.date.today()
    overdue = follow_ups.filter(due_date__lt=today).count()
    recurring = list(
        FindingCategory.objects.annotate(
            visit_count=Count("visits", filter=Q(visits__in=ids), distinct=True),
            center_count=Count("visits__center", filter=Q(visits__in=ids), distinct=True),
        )
        .filter(visit_count__gte=RECURRING_AT)
        .order_by("-visit_count", "-center_count", "order")
    )
    return MeetingSummary(
        by_center=by_center,
        totals=totals,
        open_follow_ups=list(follow_ups[:200]),
        overdue_count=overdue,
        recurring=recurring,
    )


LEVELS = [(level.value, level.label) for level in EscalationLevel]
