"""Visits: what is still open when HQ visits a center again, and the escalation ladder.

``open_items_for_visit`` builds the "open for this visit" panel from the sources in
``OPEN_ITEM_SOURCES``: each source is a plain function that returns one ``Section``.
A later area (focused guidance) adds its own source to the list.
"""

import datetime
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.scoping import CHANGE, role_of
from organizations.models import Center

from .models import (
    HQ_VISITORS,
    EscalationLevel,
    EscalationNotice,
    Feedback,
    FollowUp,
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


class EscalationError(Exception):
    """An escalation change that is not allowed; the message is for the user."""


def current_level(center: Center) -> int:
    """The level of the center's latest visit: a new visit starts where the last one left off."""
    latest = Visit.objects.filter(center=center).order_by("-date", "-pk").first()
    return latest.escalation_level if latest else EscalationLevel.NORMAL


def latest_levels(centers):
    """``centers`` annotated with ``escalation_level``: the level of each one's latest visit."""
    latest = Visit.objects.filter(center=OuterRef("pk")).order_by("-date", "-pk")
    return centers.annotate(escalation_level=Subquery(latest.values("escalation_level")[:1]))


ESCALATION_EDIT = gettext_lazy("Only HQ can change the escalation level.")


@transaction.atomic
def set_escalation(visit: Visit, *, user, level: int, reason: str) -> Visit:
    """Move the visit to ``level`` with a reason; raising it notifies the center's bureau.

    The change is kept in the visit's history with the user and the reason.
    """
    if role_of(user) not in HQ_VISITORS:
        raise EscalationError(str(ESCALATION_EDIT))
    locked = (
        Visit.objects.for_user(user, CHANGE)
        .select_for_update(of=("self",))
        .filter(pk=visit.pk)
        .first()
    )
    if locked is None:
        raise EscalationError(_("This visit is outside your scope."))
    if level not in EscalationLevel.values:
        raise EscalationError(_("Choose an escalation level."))
    reason = (reason or "").strip()
    if not reason:
        raise EscalationError(_("Give the reason for changing the escalation level."))
    if level == locked.escalation_level:
        raise EscalationError(_("The visit is already at this level."))
    previous = locked.escalation_level
    locked.escalation_level = level
    locked.escalation_reason = reason
    locked.escalated_by = user
    locked.escalated_at = timezone.now()
    locked._history_user = user
    locked._change_reason = reason
    locked.save()
    if level > previous:
        _notify_bureau(locked, previous=previous, user=user)
    return locked


def _notify_bureau(visit: Visit, *, previous: int, user) -> EscalationNotice:
    from accounts.models import User, UserRole

    center = Center.objects.select_related("prefecture__bureau").get(pk=visit.center_id)
    bureau = center.prefecture.bureau
    notice = EscalationNotice.objects.create(
        bureau=bureau,
        center=center,
        visit=visit,
        from_level=previous,
        to_level=visit.escalation_level,
        reason=visit.escalation_reason,
        raised_by=user,
    )
    recipients = list(
        User.objects.filter(role=UserRole.BUREAU_OFFICER, bureau=bureau, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    if recipients:
        transaction.on_commit(lambda: _send_notice(notice, recipients))
    return notice


def _send_notice(notice: EscalationNotice, recipients: list[str]) -> None:
    # The bureau reads Japanese whatever language the expert's screen was in.
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("[Yorozu] Escalation raised: %(center)s") % {"center": notice.center.name}
        body = _(
            "HQ raised the escalation level of %(center)s from %(from)s to %(to)s "
            "at the visit of %(date)s.\n\nReason:\n%(reason)s\n\n%(url)s"
        ) % {
            "center": notice.center.name,
            "from": notice.get_from_level_display(),
            "to": notice.get_to_level_display(),
            "date": f"{notice.visit.date:%Y-%m-%d}",
            "reason": notice.reason,
            "url": reverse("support:visit_detail", args=[notice.visit_id]),
        }
    try:
        send_mail(subject, body, None, recipients)
    except Exception:  # the notice is saved and shown; a mail server problem must not undo it
        logger.exception("escalation notice %s: e-mail not sent", notice.pk)


def escalated_centers(centers):
    """Centers among ``centers`` whose latest visit is above the normal level."""
    return latest_levels(centers).filter(escalation_level__gt=EscalationLevel.NORMAL)
