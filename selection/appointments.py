"""Coordinator appointments: a small state machine, one transactional function per step.

    proposed (chief coordinator) → agreed (implementing body) → approved (bureau,
    after consultation) → term created (center)

Each step records who took it and when (``AppointmentEvent`` and the record's
history); a step taken out of turn is refused with the step that is missing.

Who acts for the implementing body is the bureau's choice (``Bureau.appointment_agreement``):
the body's own account agrees (and a center manager is refused), or the center records the
body's agreement with the signed document uploaded (the body's account may still agree
itself). Either way the record keeps the signatory's name and the date, and the step the
user who took it. The term is then created
by the center (who keeps the staff records) once the bureau has approved.
Either party may decline at its own step (the implementing body before
agreeing, the bureau before approving), with a reason.
"""

import datetime

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.scoping import role_of, users_for_center
from core.workflow import Step, StepRefused, Workflow, register
from organizations.models import AgreementBy, Center, Person

from .models import AppointmentStatus, CoordinatorAppointment
from .terms import already_coordinator, appoint_coordinator, term_problems

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
CLOSED = frozenset({AppointmentStatus.APPOINTED, AppointmentStatus.DECLINED})


def _explain(appointment, step, state):
    if state in CLOSED:
        return _("This appointment is closed (%(status)s).") % {
            "status": appointment.get_status_display()
        }
    if step.target == AppointmentStatus.DECLINED:
        return _("This appointment can no longer be declined.")
    order = list(AppointmentStatus)
    if order.index(state) < order.index(min(step.sources, key=order.index)):
        return str(MISSING[state])
    return _("This step has already been recorded.")


def _bureau_of(appointment):
    return users_for_center(appointment.center, roles.BUREAU)


def _center_of(appointment):
    return users_for_center(appointment.center, roles.CENTER)


def _body_of(appointment):
    return users_for_center(appointment.center, roles.BODY)


# The implementing body's own steps: whoever takes them follows the bureau's choice.
BODY_STEPS = frozenset({"agree", "decline"})


def _permits(appointment, step, user):
    """Where the bureau wants the body's own account, a center manager may not act for it."""
    if step.name not in BODY_STEPS or role_of(user) not in roles.CENTER:
        return None
    if appointment.center.prefecture.bureau.appointment_agreement == AgreementBy.BODY_ACCOUNT:
        return _(
            "%(bureau)s asks the implementing body to agree with its own account: "
            "the center cannot record this step for it."
        ) % {"bureau": appointment.center.prefecture.bureau.name}
    return None


def needs_document(appointment, user) -> bool:
    """Whether ``user`` records the agreement for the body (then with the signed document)."""
    return role_of(user) in roles.CENTER


APPOINTMENT = register(
    Workflow(
        name="selection.appointment",
        label=gettext_lazy("Coordinator appointment"),
        model=CoordinatorAppointment,
        states=AppointmentStatus.choices,
        explain=_explain,
        permits=_permits,
        steps=[
            Step(
                "propose",
                gettext_lazy("Propose a coordinator"),
                frozenset(),
                AppointmentStatus.PROPOSED,
                roles.CENTER,
                notify=_body_of,
            ),
            # The body agrees, or the center records it with the document (the module doc).
            Step(
                "agree",
                gettext_lazy("Record the implementing body's agreement"),
                frozenset({AppointmentStatus.PROPOSED}),
                AppointmentStatus.AGREED,
                roles.CENTER | roles.BODY,
                notify=_bureau_of,
                done=gettext_lazy("Agreed by the implementing body"),
            ),
            Step(
                "approve",
                gettext_lazy("Approve the appointment"),
                frozenset({AppointmentStatus.AGREED}),
                AppointmentStatus.APPROVED,
                roles.BUREAU,
                notify=_center_of,
                done=gettext_lazy("Approved by the bureau"),
            ),
            Step(
                "appoint",
                gettext_lazy("Create the term"),
                frozenset({AppointmentStatus.APPROVED}),
                AppointmentStatus.APPOINTED,
                roles.CENTER,
                notify=_bureau_of,
                done=gettext_lazy("Term created"),
            ),
            Step(
                "decline",
                gettext_lazy("Decline (implementing body)"),
                frozenset({AppointmentStatus.PROPOSED}),
                AppointmentStatus.DECLINED,
                roles.CENTER | roles.BODY,
                reason_required=True,
                done=gettext_lazy("Declined"),
            ),
            Step(
                "decline_approval",
                gettext_lazy("Decline (bureau)"),
                frozenset({AppointmentStatus.AGREED}),
                AppointmentStatus.DECLINED,
                roles.BUREAU,
                reason_required=True,
                notify=_center_of,
                done=gettext_lazy("Declined"),
            ),
        ],
    )
)


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
    if role_of(user) not in roles.CENTER or user.center_id != center.pk:
        raise StepRefused(_("Only the center's chief coordinator can propose a coordinator."))
    if not reason.strip():
        raise StepRefused(_("Give the reason for the proposal."))
    if person is not None and not Person.objects.for_user(user).filter(pk=person.pk).exists():
        raise StepRefused(_("This staff record is outside your scope."))
    problems = proposal_problems(
        center=center,
        person=person,
        name=name,
        staff_code=staff_code,
        start_date=start_date,
        end_date=end_date,
    )
    if problems:
        raise StepRefused(" ".join(problems.values()))
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
    APPOINTMENT.created(appointment, "propose", user=user)
    return appointment


def agree(
    appointment,
    *,
    user,
    signatory: str,
    agreed_on: datetime.date,
    note: str = "",
    document=None,
):
    """The implementing body's agreement with the signatory's name: by the body's own
    account, or recorded by the center with the signed ``document`` (a checked upload,
    ``core.uploads.checked_document``), as the bureau chose (``_permits``)."""
    with APPOINTMENT.taking(appointment, "agree", user=user) as taken:
        if not signatory.strip():
            raise StepRefused(_("Enter the name of the implementing body's signatory."))
        if document is None and needs_document(taken.obj, user):
            raise StepRefused(
                _("Upload the agreement signed by the implementing body (PDF or a scan).")
            )
        taken.obj.signatory, taken.obj.agreed_on = signatory.strip(), agreed_on
        if document is not None:
            taken.obj.agreement_document_name = document.name[:200]
            taken.obj.agreement_document_type = document.content_type
            taken.obj.agreement_document = document.read()
        taken.note = note
    return taken.obj


def approve(appointment, *, user, note: str = ""):
    """The bureau, consulted, approves the appointment."""
    with APPOINTMENT.taking(appointment, "approve", user=user) as taken:
        taken.obj.consultation_note = note.strip()
        taken.note = note
    return taken.obj


def create_term(appointment, *, user):
    """After the bureau's approval, the coordinator's term goes into the staff records."""
    with APPOINTMENT.taking(appointment, "appoint", user=user) as taken:
        appointment = taken.obj
        person = appointment.person
        if person is None:
            if Person.objects.filter(staff_code=appointment.staff_code).exists():
                raise StepRefused(
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
    return appointment


def decline(appointment, *, user, reason: str):
    """The implementing body (before agreeing) or the bureau (before approving) declines."""
    current = (
        CoordinatorAppointment.objects.filter(pk=appointment.pk)
        .values_list("status", flat=True)
        .first()
    )
    step = {
        AppointmentStatus.PROPOSED: "decline",
        AppointmentStatus.AGREED: "decline_approval",
    }.get(current)
    if step is None:
        raise StepRefused(_("This appointment can no longer be declined."))
    if role_of(user) not in APPOINTMENT.step(step).roles:
        who = _("the implementing body") if step == "decline" else _("the bureau")
        raise StepRefused(_("At this step only %(who)s can decline.") % {"who": who})
    with APPOINTMENT.taking(appointment, step, user=user, reason=reason) as taken:
        taken.obj.decline_reason = taken.reason
    return taken.obj
