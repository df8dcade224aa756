"""What selection hands to people: a committee member's rounds to score; and the committee
member's home-page panel (their rounds)."""

from django.utils.translation import gettext_lazy as _

from core import roles
from core.home import InboxKind, Panel, register_kind, register_panel

from .models import AppointmentStatus, CoordinatorAppointment, RoundStatus, SelectionRound


def _to_score(user, today):
    return SelectionRound.objects.for_user(user).filter(
        status=RoundStatus.SCORING, members__user=user, members__submitted_at__isnull=True
    )


register_kind(
    InboxKind(
        "selection.round_to_score",
        _("Selection round to score"),
        _("Score"),
        roles.COMMITTEE,
        _to_score,
        lambda selection: selection.get_absolute_url(),
        related=("center",),
        order=40,
    )
)


def _my_rounds(request):
    rounds = SelectionRound.objects.for_user(request.user).select_related("center")
    return {"rounds": rounds.order_by("-term_start", "-id")}


register_panel(
    Panel("selection.my_rounds", "selection/_home_rounds.html", roles.COMMITTEE, _my_rounds)
)


def _to_agree(user, today):
    return CoordinatorAppointment.objects.for_user(user).filter(status=AppointmentStatus.PROPOSED)


# The implementing body's own step (where its bureau asks for its account).
register_kind(
    InboxKind(
        "selection.appointment_to_agree",
        _("Coordinator appointment to agree to"),
        _("Agree"),
        roles.BODY,
        _to_agree,
        lambda appointment: appointment.get_absolute_url(),
        related=("center",),
        order=41,
    )
)
