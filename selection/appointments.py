"""Coordinator appointments: a small state machine, one transactional function per step.

    proposed (chief coordinator) → agreed (implementing body) → approved (bureau,
    after consultation) → term created (center)

Each step records who took it and when (``AppointmentEvent`` and the record's
history); a step taken out of turn is refused with the step that is missing.

Who acts for the implementing body: the system has no accounts for implementing
bodies, and the chief coordinator works inside the implementing body that runs
the center. So a center manager of that center records the implementing body's
agreement, with the name of the person who signed it and the date; the record
shows both the signatory and the user who entered it. The term is then created
by the center (who keeps the staff records) once the bureau has approved.
Either party may decline at its own step (the implementing body before
agreeing, the bureau before approving), with a reason.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.scoping import role_of
from organizations.models import Center, Person

from .models import AppointmentEvent, AppointmentStatus, CoordinatorAppointment
from .terms import TransitionError, already_coordinator, appoint_coordinator, term_problems

CENTER = "center_manager"
BUREAU = "bureau_officer"

# What each step needs: the role that takes it, and the status it starts from.
STEPS = {
    "agree": (CENTER, AppointmentStatus.PROPOSED, AppointmentStatus.AGREED),
    "approve": (BUREAU, AppointmentStatus.AGREED, AppointmentStatus.APPROVED),
    "appoint": (CENTER, AppointmentStatus.APPROVED, AppointmentStatus.APPOINTED),
}
STEP_LABELS = {
    "propose": gettext_lazy("Proposed by the chief coordinator"),
    "agree": gettext_lazy("Agreed by the implementing body"),
    "approve": gettext_lazy("Approved by the bureau"),
    "appoint": gettext_lazy("Term created"),
    "decline": gettext_lazy("Declined"),
}
# The message when a step is tried too early: the step that is still missing.
MISSING = {
    AppointmentStatus.PROPOSED: gettext_lazy(
        "The implementing body has not agreed to this appointment yet."
    ),
    AppointmentStatus.AGREED: gettext_lazy("The bureau has not approved this appointment yet."),
}


def _locked(appointment, user, role: str) -> CoordinatorAppointment:
    names = {CENTER: _("the center"), BUREAU: _("the bureau")}
    if role_of(user) != role:
        raise TransitionError(_("Only %(who)s can take this step.") % {"who": names[role]})
    locked = (
        CoordinatorAppointment.objects.for_user(user)
        .select_for_update(of=("self",))
        .filter(pk=appointment.pk)
        .first()
    )
    if locked is None:
        raise TransitionError(_("This appointment is outside your scope."))
    return locked


def _move(appointment, user, action: str, to: str, note: str = "") -> None:
    AppointmentEvent.objects.create(
        appointment=appointment,
        action=action,
        from_status=appointment.status,
        to_status=to,
        user=user,
        note=note,
    )
    appointment.status = to
    appointment._history_user = user
    appointment.save()


def _step(appointment, user, action: str):
    role, needed, to = STEPS[action]
    appointment = _locked(appointment, user, role)
    if appointment.status != needed:
        if appointment.status in (AppointmentStatus.APPOINTED, AppointmentStatus.DECLINED):
            raise TransitionError(
                _("This appointment is closed (%(status)s).")
                % {"status": appointment.get_status_display()}
            )
        order = list(AppointmentStatus)
        if order.index(appointment.status) < order.index(needed):
            raise TransitionError(str(MISSING[appointment.status]))
        raise TransitionError(_("This step has already been recorded."))
    return appointment, to


def proposal_problems(
    *, center, person, name, staff_code, start_date, end_date, exclude=None
) -> dict[str, str]:
    """Problems with a proposal, by field name (shared by the form and the workflow)."""
    problems = {}
    if (
        person is not None
        and start_date
        and end_date
        and already_coordinator(person, center, start_date, end_date)
    ):
        problems["person"] = _("%(name)s is already a coordinator at this center then.") % {
            "name": person.name
        }
    if person is None:
        if not (name or "").strip():
            problems["name"] = _("Enter the name, or choose the staff record.")
        if not (staff_code or "").strip():
            problems["staff_code"] = _(
                "Someone not yet on the staff records needs a staff code for the new record."
            )
        elif Person.objects.filter(staff_code=staff_code.strip()).exists():
            problems["staff_code"] = _(
                "This staff code is already in use: choose that staff record instead."
            )
    dates = term_problems(start_date, end_date)
    if "end" in dates:
        problems["end_date"] = dates["end"]
    return problems


@transaction.atomic
def propose(
    *,
    center: Center,
    user,
    reason: str,
    start_date: datetime.date,
    end_date: datetime.date,
    person: Person | None = None,
    name: str = "",
    kana: str = "",
    staff_code: str = "",
    career: str = "",
) -> CoordinatorAppointment:
    """The chief coordinator proposes a coordinator for their center."""
    if role_of(user) != CENTER or user.center_id != center.pk:
        raise TransitionError(_("Only the center's chief coordinator can propose a coordinator."))
    if not reason.strip():
        raise TransitionError(_("Give the reason for the proposal."))
    if person is not None and not Person.objects.for_user(user).filter(pk=person.pk).exists():
        raise TransitionError(_("This staff record is outside your scope."))
    problems = proposal_problems(
        center=center,
        person=person,
        name=name,
        staff_code=staff_code,
        start_date=start_date,
        end_date=end_date,
    )
    if problems:
        raise TransitionError(" ".join(problems.values()))
    appointment = CoordinatorAppointment(
        center=center,
        person=person,
        name=person.name if person else name.strip(),
        kana=person.kana if person else kana.strip(),
        staff_code=person.staff_code if person else staff_code.strip(),
        career=career,
        reason=reason.strip(),
        start_date=start_date,
        end_date=end_date,
    )
    appointment._history_user = user
    appointment.save()
    AppointmentEvent.objects.create(
        appointment=appointment,
        action="propose",
        from_status="",
        to_status=AppointmentStatus.PROPOSED,
        user=user,
    )
    return appointment


@transaction.atomic
def agree(appointment, *, user, signatory: str, agreed_on: datetime.date, note: str = ""):
    """The implementing body's agreement, recorded by the center with the signatory's name."""
    appointment, to = _step(appointment, user, "agree")
    if not signatory.strip():
        raise TransitionError(_("Enter the name of the implementing body's signatory."))
    appointment.signatory, appointment.agreed_on = signatory.strip(), agreed_on
    _move(appointment, user, "agree", to, note)
    return appointment


@transaction.atomic
def approve(appointment, *, user, note: str = ""):
    """The bureau, consulted, approves the appointment."""
    appointment, to = _step(appointment, user, "approve")
    appointment.consultation_note = note.strip()
    _move(appointment, user, "approve", to, note)
    return appointment


@transaction.atomic
def create_term(appointment, *, user):
    """After the bureau's approval, the coordinator's term goes into the staff records."""
    appointment, to = _step(appointment, user, "appoint")
    person = appointment.person
    if person is None:
        if Person.objects.filter(staff_code=appointment.staff_code).exists():
            raise TransitionError(
                _("The staff code %(code)s has been taken since the proposal.")
                % {"code": appointment.staff_code}
            )
        person = Person(
            staff_code=appointment.staff_code, name=appointment.name, kana=appointment.kana
        )
        person._history_user = user
        person.save()
        appointment.person = person
    term = appoint_coordinator(appointment=appointment, person=person, user=user)
    appointment.assignment = term.assignment
    _move(appointment, user, "appoint", to)
    return appointment


@transaction.atomic
def decline(appointment, *, user, reason: str):
    """The implementing body (before agreeing) or the bureau (before approving) declines."""
    role = role_of(user)
    current = (
        CoordinatorAppointment.objects.filter(pk=appointment.pk)
        .values_list("status", flat=True)
        .first()
    )
    decider = {AppointmentStatus.PROPOSED: CENTER, AppointmentStatus.AGREED: BUREAU}.get(current)
    if decider is None:
        raise TransitionError(_("This appointment can no longer be declined."))
    if role != decider:
        who = _("the implementing body") if decider == CENTER else _("the bureau")
        raise TransitionError(_("At this step only %(who)s can decline.") % {"who": who})
    appointment = _locked(appointment, user, decider)
    if not reason.strip():
        raise TransitionError(_("Give the reason for declining."))
    appointment.decline_reason = reason.strip()
    _move(appointment, user, "decline", AppointmentStatus.DECLINED, reason.strip())
    return appointment
