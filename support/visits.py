"""Visits: what is still open when HQ visits a center again, and the escalation ladder.

``open_items_for_visit`` builds the "open for this visit" panel from the sources in
``OPEN_ITEM_SOURCES``: each source is a plain function that returns one ``Section``.
A later area (focused guidance) adds its own source to the list.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.db.models import Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.scoping import VIEW, users_for_center
from core.workflow import Step, StepRefused, Workflow, register
from organizations.models import Center

from .models import (
    Escalation,
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


def escalation_of(center: Center) -> Escalation:
    """The center's escalation record (at the normal level until HQ first moves it)."""
    escalation, _created = Escalation.objects.get_or_create(center=center)
    return escalation


def current_level(center: Center) -> int:
    """The center's current level, from its escalation record."""
    level = Escalation.objects.filter(center=center).values_list("level", flat=True).first()
    return EscalationLevel.NORMAL if level is None else level


def latest_levels(centers):
    """``centers`` annotated with ``escalation_level``: each one's current level."""
    return centers.annotate(
        escalation_level=Coalesce("escalation__level", Value(EscalationLevel.NORMAL))
    )


def _bureau_of(escalation) -> list:
    # Raised or lowered, the bureau is told: a lowered level ends what it was warned of.
    return users_for_center(escalation.center, roles.BUREAU)


def _center_of(obj) -> list:
    center = obj.center if hasattr(obj, "center") else obj.visit.center
    return users_for_center(center, roles.CENTER_STAFF)


def _visitors_of(follow_up) -> list:
    return follow_up.visit.experts.filter(is_active=True)


ESCALATION = register(
    Workflow(
        name="support.escalation",
        label=gettext_lazy("Escalation"),
        model=Escalation,
        states=EscalationLevel.choices,
        state_field="level",
        # Whoever sees the center's level is told plainly that only HQ changes it.
        scope_action=VIEW,
        steps=[
            Step(
                "escalate",
                gettext_lazy("Change the escalation level"),
                frozenset(EscalationLevel.values),
                frozenset(EscalationLevel.values),
                roles.HQ,
                reason_required=True,
                notify=_bureau_of,
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


def set_escalation(escalation: Escalation, *, user, level: int, reason: str, visit=None):
    """Move the center's level to ``level`` with a reason, at ``visit`` if given.

    One step of ``ESCALATION``: the event keeps who, when, from, to and the reason; the
    bureau is told (its notice on the dashboard, and the notification) whether the level
    goes up or down; the visit it was set at keeps the new level as its own.
    """
    ESCALATION.check_role("escalate", user)
    if level not in EscalationLevel.values:
        raise StepRefused(_("Choose an escalation level."))
    if visit is not None and visit.center_id != escalation.center_id:
        raise StepRefused(_("The visit is not one of this center's."))
    with ESCALATION.taking(escalation, "escalate", user=user, reason=reason, to=level) as taken:
        locked = taken.obj
        if level == taken.source:
            raise StepRefused(_("The center is already at this level."))
        locked.reason = taken.reason
        locked.changed_by = user
        locked.changed_at = timezone.now()
        locked.visit = visit
        if visit is not None:
            Visit.objects.filter(pk=visit.pk).update(escalation_level=level)
        _record_notice(locked, previous=taken.source, user=user, level=level)
    return locked


def _record_notice(escalation: Escalation, *, previous: int, user, level: int):
    """The notice on the bureau's panel; the bureau's mail is the step's notification."""
    center = Center.objects.select_related("prefecture__bureau").get(pk=escalation.center_id)
    return EscalationNotice.objects.create(
        bureau=center.prefecture.bureau,
        center=center,
        visit=escalation.visit,
        from_level=previous,
        to_level=level,
        reason=escalation.reason,
        raised_by=user,
    )


@dataclass
class LevelChange:
    """One change of a center's level, as its history shows it."""

    at: datetime.datetime
    user: object
    from_label: str
    to_label: str
    reason: str
    refused: bool


def escalation_changes(escalation: Escalation) -> list[LevelChange]:
    """Every change of the center's level, newest first (the workflow's events)."""
    label = {str(value): name for value, name in EscalationLevel.choices}
    return [
        LevelChange(
            e.at,
            e.user,
            label.get(e.from_status, ""),
            label.get(e.to_status, ""),
            e.note,
            e.refused,
        )
        for e in escalation.events.select_related("user").order_by("-at", "-pk")
    ]


def escalated_centers(centers):
    """Centers among ``centers`` that HQ holds above the normal level now."""
    return latest_levels(centers).filter(escalation__level__gt=EscalationLevel.NORMAL)
