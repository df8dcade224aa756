"""What HQ support hands to people: follow-ups due, support requests to assign or answer;
and this app's home-page panels (escalations, an expert's overview, a center's follow-ups)."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import roles
from core.home import InboxKind, Panel, register_kind, register_panel
from core.scoping import role_of, scope_centers

from . import visit_plans
from .meetings import MEETING
from .models import FollowUp, RequestStatus, SupportRequest


def follow_ups_for(user, today):
    """Open follow-ups: the center works all of its own; the HQ expert follows those set at
    their visits; the bureau (and national HQ staff) sees the overdue ones of its centers."""
    follow_ups = FollowUp.objects.for_user(user).open().filter(due_date__isnull=False)
    role = role_of(user)
    if role == roles.HQ_EXPERT:
        return follow_ups.filter(visit__experts=user)
    if role in roles.CENTER_STAFF:
        return follow_ups
    return follow_ups.filter(due_date__lt=today)


register_kind(
    InboxKind(
        "support.follow_up",
        _("Follow-up due"),
        _("Work on it"),
        roles.CENTER_STAFF | roles.HQ | roles.BUREAU,
        follow_ups_for,
        lambda follow_up: follow_up.get_absolute_url(),
        title=lambda f: f"{f.visit.center.name}: {f.description}",
        due_field="due_date",
        related=("visit__center",),
        order=20,
    )
)


def behind_plan_for(user, today):
    """Centers in the user's scope that have held fewer HQ visits than planned by now."""
    return visit_plans.behind_for_inbox(scope_centers(user), today=today)


register_kind(
    InboxKind(
        "support.visit_plan_behind",
        _("Visits behind plan"),
        _("See the visit plan"),
        roles.NATIONAL | roles.HQ,
        behind_plan_for,
        lambda center: reverse("support:visit_plans") + f"#center-{center.pk}",
        title=lambda c: (
            _("%(center)s: %(held)s of %(planned)s visits held, %(expected)s expected")
            % {"center": c.name, "held": c.held, "planned": c.planned, "expected": c.expected}
        ),
        due_field="due",
        order=19,
    )
)


def _requests(status):
    return lambda user, today: SupportRequest.objects.for_user(user).filter(status=status)


register_kind(
    InboxKind(
        "support.request_to_assign",
        _("Support request to assign"),
        _("Assign"),
        roles.HQ,
        _requests(RequestStatus.REQUESTED),
        lambda request: request.get_absolute_url(),
        title=lambda r: f"{r.center.name}: {r.title}",
        related=("center",),
        order=21,
    )
)
register_kind(
    InboxKind(
        "support.request_to_answer",
        _("Support request to answer"),
        _("Advise"),
        roles.SUPPORTERS,
        _requests(RequestStatus.ASSIGNED),
        lambda request: request.get_absolute_url(),
        title=lambda r: f"{r.center.name}: {r.title}",
        related=("center",),
        order=22,
    )
)
register_kind(
    InboxKind(
        "support.request_to_close",
        _("Advice received: close the request"),
        _("Close"),
        roles.CENTER_STAFF,
        _requests(RequestStatus.ADVISED),
        lambda request: request.get_absolute_url(),
        title=lambda r: r.title,
        related=("center",),
        order=23,
    )
)

register_panel(
    Panel("support.escalations", "support/_home_escalations.html", roles.BUREAU, order=20)
)
register_panel(
    Panel(
        "support.expert_overview",
        "support/_home_expert_overview.html",
        frozenset({roles.HQ_EXPERT}) | roles.SUPPORTERS,
        order=20,
    )
)
register_panel(
    Panel("support.follow_ups", "support/_home_follow_ups.html", roles.CENTER_STAFF, order=60)
)


register_kind(
    InboxKind(
        "support.meeting_report",
        _("Experts' meeting report to review"),
        _("Review"),
        roles.BOARD,
        lambda user, today: (
            MEETING.queryset(user)
            .filter(board_reviewed_at__isnull=True)
            .exclude(report_to_agency="")
        ),
        lambda meeting: meeting.get_absolute_url(),
        due_field=None,
        order=35,
    )
)
