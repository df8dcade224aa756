"""Visits: what is still open when HQ visits a center again, and the escalation ladder.

``open_items_for_visit`` builds the "open for this visit" panel from the sources in
``OPEN_ITEM_SOURCES``: each source is a plain function that returns one ``Section``.
A later area (focused guidance) adds its own source to the list.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.scoping import VIEW, users_for_center
from core.workflow import Step, StepRefused, Workflow, register
from organizations.models import Center

from .models import (
    EscalationLevel,
    EscalationNotice,
    Feedback,
    FollowUp,
    FollowUpStatus,
    Visit,
)

logger = logging.getLogger(__name__)


@dataclass
class OpenItem:
    """One line of the panel: what, with its details, where to open it, and when it is due."""

    title: str
    detail: str = ""
    url: str = ""
    due: datetime.date | None = None
    overdue: bool = False
    status: str = ""


@dataclass
class Section:
    key: str
    title: str
    empty: str
    items: list[OpenItem] = field(default_factory=list)


def open_follow_ups(
    center: Center, since: datetime.date | None, *, until: datetime.date, exclude_visit=None
) -> Section:
    """Every follow-up of the center's earlier visits that is not done yet."""
    follow_ups = (
        FollowUp.objects.open()
        .filter(visit__center=center, visit__date__lte=until)
        .select_related("visit", "owner")
        .order_by("due_date", "visit__date", "pk")
    )
    if exclude_visit is not None:
        follow_ups = follow_ups.exclude(visit=exclude_visit)
    today = datetime.date.today()
    items = [
        OpenItem(
            title=f.description,
            detail=_("From the visit of %(date)s; owner: %(owner)s")
            % {"date": f"{f.visit.date:%Y-%m-%d}", "owner": f.owner.name if f.owner else "—"},
            url=f.get_absolute_url(),
            due=f.due_date,
            overdue=bool(f.due_date and f.due_date < today),
            status=f.get_status_display(),
        )
        for f in follow_ups
    ]
    return Section(
        "follow_ups", _("Open follow-ups"), _("No open follow-ups from earlier visits."), items
    )


def feedback_since(
    center: Center, since: datetime.date | None, *, until: datetime.date, exclude_visit=None
) -> Section:
    """Feedback of the HQ experts' meetings held since the last visit, addressed to the
    center or to all centers."""
    feedback = (
        Feedback.objects.addressed_to(center)
        .filter(meeting__held_on__lte=until)
        .select_related("meeting", "center")
        .order_by("meeting__held_on", "pk")
    )
    if since is not None:
        feedback = feedback.filter(meeting__held_on__gte=since)
    items = [
        OpenItem(
            title=f.text,
            detail=_("%(meeting)s, %(date)s — %(to)s")
            % {
                "meeting": f.meeting.title,
                "date": f"{f.meeting.held_on:%Y-%m-%d}",
                "to": f.center.name if f.center_id else _("all centers"),
            },
            url=f.meeting.get_absolute_url(),
        )
        for f in feedback
    ]
    return Section(
        "feedback",
        _("Feedback from the HQ experts' meetings since the last visit"),
        _("No feedback since the last visit."),
        items,
    )


# Each source: (center, since, *, until, exclude_visit) -> Section.
OPEN_ITEM_SOURCES = [open_follow_ups, feedback_since]


def open_items_for_visit(
    center: Center,
    since: datetime.date | None,
    *,
    until: datetime.date | None = None,
    exclude_visit=None,
) -> list[Section]:
    """What HQ takes to a visit of ``center``: everything still open, and what was sent
    to the center since ``since`` (the date of the last visit; None = ever)."""
    until = until or datetime.date.today()
    return [
        source(center, since, until=until, exclude_visit=exclude_visit)
        for source in OPEN_ITEM_SOURCES
    ]


def last_visit(center: Center, before: datetime.date) -> Visit | None:
    """The center's latest visit on or before ``before``."""
    return Visit.objects.filter(center=center, date__lte=before).order_by("-date", "-pk").first()


def items_for_new_visit(center: Center, day: datetime.date) -> tuple[Visit | None, list[Section]]:
    previous = last_visit(center, day)
    return previous, open_items_for_visit(center, previous.date if previous else None, until=day)


def items_for_visit(visit: Visit) -> tuple[Visit | None, list[Section]]:
    previous = visit.previous()
    return previous, open_items_for_visit(
        visit.center,
        previous.date if previous else None,
        until=visit.date,
        exclude_visit=visit,
    )


# --- Escalation --------------------------------------------------------------------------


def current_level(center: Center) -> int:
    """The level of the center's latest visit: a new visit starts where the last one left off."""
    latest = Visit.objects.filter(center=center).order_by("-date", "-pk").first()
    return latest.escalation_level if latest else EscalationLevel.NORMAL


def latest_levels(centers):
    """``centers`` annotated with ``escalation_level``: the level of each one's latest visit."""
    latest = Visit.objects.filter(center=OuterRef("pk")).order_by("-date", "-pk")
    return centers.annotate(escalation_level=Subquery(latest.values("escalation_level")[:1]))


def _bureau_of(visit) -> list:
    return users_for_center(visit.center, roles.BUREAU)


def _bureau_if_raised(visit) -> list:
    # Only a raised level is news for the bureau; lowering it tells nobody.
    return _bureau_of(visit) if getattr(visit, "_raised", False) else []


def _center_of(obj) -> list:
    center = obj.center if hasattr(obj, "center") else obj.visit.center
    return users_for_center(center, roles.CENTER_STAFF)


def _visitors_of(follow_up) -> list:
    return follow_up.visit.experts.filter(is_active=True)


ESCALATION = register(
    Workflow(
        name="support.escalation",
        label=gettext_lazy("Escalation"),
        model=Visit,
        states=EscalationLevel.choices,
        state_field="escalation_level",
        # Whoever sees the visit is told plainly that only HQ changes the level.
        scope_action=VIEW,
        steps=[
            Step(
                "escalate",
                gettext_lazy("Change the escalation level"),
                frozenset(EscalationLevel.values),
                frozenset(EscalationLevel.values),
                roles.HQ,
                reason_required=True,
                notify=_bureau_if_raised,
                done=gettext_lazy("Escalation level changed."),
            ),
        ],
    )
)

# The center works its follow-ups; HQ, who set them, may move them too.
FOLLOW_UP = register(
    Workflow(
        name="support.follow_up",
        label=gettext_lazy("Follow-up"),
        model=FollowUp,
        states=FollowUpStatus.choices,
        steps=[
            Step(
                "start",
                gettext_lazy("Start the follow-up"),
                frozenset({FollowUpStatus.OPEN}),
                FollowUpStatus.IN_PROGRESS,
                roles.HQ | roles.CENTER_STAFF,
            ),
            Step(
                "finish",
                gettext_lazy("Mark the follow-up done"),
                frozenset({FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS}),
                FollowUpStatus.DONE,
                roles.HQ | roles.CENTER_STAFF,
                notify=_visitors_of,
            ),
            Step(
                "reopen",
                gettext_lazy("Reopen the follow-up"),
                frozenset({FollowUpStatus.IN_PROGRESS, FollowUpStatus.DONE}),
                FollowUpStatus.OPEN,
                roles.HQ | roles.CENTER_STAFF,
                notify=_center_of,
            ),
            Step(
                "resume",
                gettext_lazy("Resume the follow-up"),
                frozenset({FollowUpStatus.DONE}),
                FollowUpStatus.IN_PROGRESS,
                roles.HQ | roles.CENTER_STAFF,
                notify=_center_of,
            ),
        ],
    )
)


def set_escalation(visit: Visit, *, user, level: int, reason: str) -> Visit:
    """Move the visit to ``level`` with a reason; raising it notifies the center's bureau.

    The change is kept in the visit's history with the user and the reason.
    """
    ESCALATION.check_role("escalate", user)
    if level not in EscalationLevel.values:
        raise StepRefused(_("Choose an escalation level."))
    with ESCALATION.taking(visit, "escalate", user=user, reason=reason, to=level) as taken:
        locked = taken.obj
        if level == taken.source:
            raise StepRefused(_("The visit is already at this level."))
        locked.escalation_reason = taken.reason
        locked.escalated_by = user
        locked.escalated_at = timezone.now()
        if level > taken.source:
            locked._raised = True  # the step's notification goes to the bureau
            _record_notice(locked, previous=taken.source, user=user, level=level)
    return locked


def _record_notice(visit: Visit, *, previous: int, user, level: int) -> EscalationNotice:
    """The notice on the bureau's panel; the bureau's mail is the step's notification."""
    center = Center.objects.select_related("prefecture__bureau").get(pk=visit.center_id)
    bureau = center.prefecture.bureau
    notice = EscalationNotice.objects.create(
        bureau=bureau,
        center=center,
        visit=visit,
        from_level=previous,
        to_level=level,
        reason=visit.escalation_reason,
        raised_by=user,
    )
    return notice


def escalated_centers(centers):
    """Centers among ``centers`` whose latest visit is above the normal level."""
    return latest_levels(centers).filter(escalation_level__gt=EscalationLevel.NORMAL)
