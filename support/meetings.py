"""The HQ experts' meeting: the summary of the visits in its period, computed in the database,
and the advisory board's review of its report (``MEETING``)."""

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.scoping import sits_on_board
from core.workflow import Step, StepRefused, Workflow, register

from .models import EscalationLevel, ExpertsMeeting, FindingCategory, FollowUp, Visit


def _meeting_scope(user):
    meetings = ExpertsMeeting.objects.for_user(user)
    return meetings if sits_on_board(user) else meetings.none()


MEETING = register(
    Workflow(
        name="support.meeting",
        label=gettext_lazy("HQ experts' meeting"),
        model=ExpertsMeeting,
        states=[
            ("awaiting_board", gettext_lazy("Awaiting the advisory board's review")),
            ("board_reviewed", gettext_lazy("Reviewed by the advisory board")),
        ],
        state_field=None,
        state_of=lambda m: "board_reviewed" if m.board_reviewed_at else "awaiting_board",
        scope=_meeting_scope,
        steps=[
            Step(
                "board_review",
                gettext_lazy("Review the report as the advisory board"),
                frozenset({"awaiting_board"}),
                "board_reviewed",
                roles.BOARD,
                notify=lambda meeting: get_user_model().objects.filter(
                    role__in=roles.NATIONAL, is_active=True
                ),
                done=gettext_lazy("The advisory board's review of the report is recorded."),
            ),
        ],
    )
)


def review_report(meeting: ExpertsMeeting, *, user, comment: str = "") -> ExpertsMeeting:
    """The advisory board's review of the meeting's report to the Agency, with its comment."""
    with MEETING.taking(meeting, "board_review", user=user) as taken:
        locked = taken.obj
        if not locked.report_to_agency.strip():
            raise StepRefused(_("The meeting has no report to the Agency yet."))
        locked.board_reviewed_by, locked.board_reviewed_at = user, timezone.now()
        locked.board_comment = (comment or "").strip()
        taken.note = locked.board_comment
    return locked


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
