"""Business-plan workflow: each step one transactional function that records who and when.

Who may take each step follows domain brief §6: the center drafts, submits and
revises; the bureau schedules and holds the kick-off interview, confirms, and
decides change requests. The steps are declared once (``PLAN``, ``CHANGE``) and taken
through ``core.workflow``; an illegal step raises ``StepRefused`` with a message for the
user and changes nothing.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.indicators import STANDARD, compute
from consultations.models import PriorityField
from core import roles
from core.fiscal import Period
from core.scoping import users_for_center
from core.workflow import Step, StepRefused, Workflow, record, register
from organizations.models import Center

from .models import (
    BusinessPlan,
    ChangeRequestStatus,
    FiscalYear,
    FiscalYearState,
    KickoffInterview,
    PlanChangeRequest,
    PlanPriority,
    PlanStatus,
    PlanTarget,
    PlanVersion,
)

EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.INTERVIEW_HELD})
SECTIONS = ("regional_analysis", "support_landscape", "strategy", "staffing")
MAX_PRIORITIES = 5


def bureau_of(plan) -> list:
    return users_for_center(plan.center, roles.BUREAU)


def center_of(plan) -> list:
    return users_for_center(plan.center, roles.CENTER)


PLAN = register(
    Workflow(
        name="planning.plan",
        label=gettext_lazy("Business plan"),
        model=BusinessPlan,
        states=PlanStatus.choices,
        steps=[
            Step(
                "create",
                gettext_lazy("Draft the business plan"),
                frozenset(),
                PlanStatus.DRAFT,
                roles.CENTER,
            ),
            Step(
                "submit",
                gettext_lazy("Submit to the bureau"),
                frozenset({PlanStatus.DRAFT}),
                PlanStatus.SUBMITTED,
                roles.CENTER,
                notify=bureau_of,
                done=gettext_lazy("Submitted to the bureau."),
            ),
            Step(
                "schedule",
                gettext_lazy("Schedule the kick-off interview"),
                frozenset({PlanStatus.SUBMITTED}),
                PlanStatus.INTERVIEW_SCHEDULED,
                roles.BUREAU,
                notify=center_of,
                done=gettext_lazy("Kick-off interview scheduled."),
            ),
            Step(
                "interview",
                gettext_lazy("Record the kick-off interview"),
                frozenset({PlanStatus.INTERVIEW_SCHEDULED}),
                PlanStatus.INTERVIEW_HELD,
                roles.BUREAU,
                notify=center_of,
                done=gettext_lazy("Kick-off interview recorded."),
            ),
            Step(
                "revise",
                gettext_lazy("Mark as revised"),
                frozenset({PlanStatus.INTERVIEW_HELD}),
                PlanStatus.REVISED,
                roles.CENTER,
                notify=bureau_of,
                done=gettext_lazy("Marked as revised."),
            ),
            Step(
                "confirm",
                gettext_lazy("Confirm the plan"),
                frozenset({PlanStatus.INTERVIEW_HELD, PlanStatus.REVISED}),
                PlanStatus.CONFIRMED,
                roles.BUREAU,
                notify=center_of,
                done=gettext_lazy("The plan is confirmed."),
            ),
        ],
    )
)


def _change_decided(change, step, state):
    return _("This change request has already been decided.")


CHANGE = register(
    Workflow(
        name="planning.change_request",
        label=gettext_lazy("Plan change request"),
        model=PlanChangeRequest,
        states=ChangeRequestStatus.choices,
        explain=_change_decided,
        steps=[
            Step(
                "request",
                gettext_lazy("Request a change"),
                frozenset(),
                ChangeRequestStatus.PENDING,
                roles.CENTER,
                notify=lambda change: bureau_of(change.plan),
            ),
            Step(
                "approve",
                gettext_lazy("Approve the change"),
                frozenset({ChangeRequestStatus.PENDING}),
                ChangeRequestStatus.APPROVED,
                roles.BUREAU,
                notify=lambda change: center_of(change.plan),
                done=gettext_lazy("Decision recorded."),
            ),
            Step(
                "reject",
                gettext_lazy("Reject the change"),
                frozenset({ChangeRequestStatus.PENDING}),
                ChangeRequestStatus.REJECTED,
                roles.BUREAU,
                notify=lambda change: center_of(change.plan),
                done=gettext_lazy("Decision recorded."),
            ),
        ],
    )
)


def snapshot(plan: BusinessPlan) -> dict:
    """The plan's content as plain data: what a version keeps and a comparison shows."""
    return {
        "sections": {name: getattr(plan, name) for name in SECTIONS},
        "targets": {t.indicator: t.target for t in plan.targets.all()},
        "priorities": [
            {
                "field": p.priority_field_id,
                "name": p.priority_field.name,
                "metric": p.metric,
                "target": p.target,
            }
            for p in plan.priorities.select_related("priority_field")
        ],
    }


def _keep_version(plan, user, reason: str) -> PlanVersion:
    number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return PlanVersion.objects.create(
        plan=plan, number=number, snapshot=snapshot(plan), reason=reason, created_by=user
    )


def proposed_targets(center: Center, fiscal_year: int) -> dict[str, int]:
    """Last year's results, which the plan form proposes as this year's targets."""
    return compute(
        STANDARD,
        period=Period.fiscal_year(fiscal_year - 1),
        centers=Center.objects.filter(pk=center.pk),
    )


@transaction.atomic
def create_plan(*, center: Center, fiscal_year: FiscalYear, user) -> BusinessPlan:
    PLAN.check_role("create", user)
    if user.center_id != center.pk:
        raise StepRefused(_("Only the center can draft its business plan."))
    if BusinessPlan.objects.filter(center=center, fiscal_year=fiscal_year).exists():
        raise StepRefused(_("This center already has a plan for that fiscal year."))
    plan = BusinessPlan(center=center, fiscal_year=fiscal_year)
    plan._history_user = user
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:  # a second click raced the first
        raise StepRefused(_("This center already has a plan for that fiscal year.")) from exc
    for code, value in proposed_targets(center, fiscal_year.year).items():
        PlanTarget.objects.create(plan=plan, indicator=code, target=value)
    PLAN.created(plan, "create", user=user)
    return plan


def validate_content(*, targets: dict, priorities: list) -> list[str]:
    problems = []
    for indicator in STANDARD:
        value = targets.get(indicator.code)
        if value is None or value < 0:
            problems.append(
                _("Enter a target of 0 or more for “%(name)s”.") % {"name": indicator.label}
            )
    if not 1 <= len(priorities) <= MAX_PRIORITIES:
        problems.append(_("Choose one to five priority fields."))
    fields = [p["field"] for p in priorities]
    if len(fields) != len(set(fields)):
        problems.append(_("A priority field appears twice."))
    return problems


@transaction.atomic
def save_content(
    plan: BusinessPlan, *, user, sections: dict, targets: dict, priorities: list
) -> BusinessPlan:
    """Replace the plan's text, targets and priority fields (only while it may be edited)."""
    plan = PLAN.lock(plan, user=user, roles=roles.CENTER, action=_("Edit the plan"))
    if plan.status not in EDITABLE:
        if plan.is_frozen:
            raise StepRefused(_("A confirmed plan is frozen: submit a change request instead."))
        raise StepRefused(
            _("The plan cannot be edited while it is “%(status)s”.")
            % {"status": plan.get_status_display()}
        )
    problems = validate_content(targets=targets, priorities=priorities)
    if problems:
        raise StepRefused(" ".join(problems))
    _write_content(plan, user, sections, targets, priorities)
    return plan


def _write_content(plan, user, sections, targets, priorities):
    for name in SECTIONS:
        setattr(plan, name, sections.get(name, ""))
    plan._history_user = user
    plan.save()
    for code, value in targets.items():
        PlanTarget.objects.update_or_create(plan=plan, indicator=code, defaults={"target": value})
    plan.priorities.exclude(priority_field_id__in=[p["field"] for p in priorities]).delete()
    for p in priorities:
        PlanPriority.objects.update_or_create(
            plan=plan,
            priority_field_id=p["field"],
            defaults={"metric": p["metric"], "target": p["target"]},
        )


def submit_plan(plan: BusinessPlan, *, user) -> BusinessPlan:
    with PLAN.taking(plan, "submit", user=user) as taken:
        plan = taken.obj
        if plan.fiscal_year.state == FiscalYearState.CLOSED:
            raise StepRefused(
                _("%(year)s is closed: no plan can be submitted for it.")
                % {"year": plan.fiscal_year}
            )
        content = snapshot(plan)
        problems = validate_content(targets=content["targets"], priorities=content["priorities"])
        if problems:
            raise StepRefused(" ".join(problems))
        _keep_version(plan, user, _("Submitted"))
    return plan


def schedule_interview(
    plan: BusinessPlan, *, user, scheduled_for: datetime.datetime, place: str = ""
) -> BusinessPlan:
    with PLAN.taking(plan, "schedule", user=user) as taken:
        KickoffInterview.objects.update_or_create(
            plan=taken.obj, defaults={"scheduled_for": scheduled_for, "place": place}
        )
    return taken.obj


def record_interview(
    plan: BusinessPlan,
    *,
    user,
    held_on: datetime.date,
    minutes: str,
    changes_requested: str = "",
    bureau_participants: str = "",
    hq_participants: str = "",
    center_participants: str = "",
) -> BusinessPlan:
    with PLAN.taking(plan, "interview", user=user) as taken:
        if not minutes.strip():
            raise StepRefused(_("Write the minutes of the interview."))
        taken.note = changes_requested
        interview = taken.obj.interview
        for name, value in {
            "held_on": held_on,
            "minutes": minutes,
            "changes_requested": changes_requested,
            "bureau_participants": bureau_participants,
            "hq_participants": hq_participants,
            "center_participants": center_participants,
        }.items():
            setattr(interview, name, value)
        interview._history_user = user
        interview.save()
    return taken.obj


def mark_revised(plan: BusinessPlan, *, user, note: str = "") -> BusinessPlan:
    with PLAN.taking(plan, "revise", user=user) as taken:
        if not taken.obj.interview.changes_requested.strip():
            raise StepRefused(
                _(
                    "No changes were requested at the interview; the bureau can confirm the plan as it is."
                )
            )
        taken.note = note
        _keep_version(taken.obj, user, _("Revised after the kick-off interview"))
    return taken.obj


def confirm_plan(plan: BusinessPlan, *, user) -> BusinessPlan:
    with PLAN.taking(plan, "confirm", user=user) as taken:
        plan = taken.obj
        if taken.source == PlanStatus.INTERVIEW_HELD and plan.interview.changes_requested.strip():
            raise StepRefused(
                _("Changes were requested at the interview: the center must revise the plan first.")
            )
        plan.confirmed_at = timezone.now()
        plan.version = _keep_version(plan, user, _("Confirmed")).number
    return plan


@transaction.atomic
def request_change(
    plan: BusinessPlan, *, user, sections: dict, targets: dict, priorities: list, reason: str
) -> PlanChangeRequest:
    CHANGE.check_role("request", user)
    plan = PLAN.lock(plan, user=user, roles=roles.CENTER, action=_("Request a change"))
    if not plan.is_frozen:
        raise StepRefused(
            _("Only a confirmed plan needs a change request; edit the draft directly.")
        )
    if not reason.strip():
        raise StepRefused(_("Explain the reason for the change."))
    if plan.change_requests.filter(status=ChangeRequestStatus.PENDING).exists():
        raise StepRefused(_("A change request for this plan is already waiting for the bureau."))
    problems = validate_content(targets=targets, priorities=priorities)
    if problems:
        raise StepRefused(" ".join(problems))
    proposed = {"sections": sections, "targets": targets, "priorities": priorities}
    change = PlanChangeRequest.objects.create(
        plan=plan, proposed=proposed, reason=reason, requested_by=user
    )
    CHANGE.created(change, "request", user=user, note=reason)
    return change


def decide_change(
    change: PlanChangeRequest, *, user, approve: bool, note: str = ""
) -> PlanChangeRequest:
    with CHANGE.taking(change, "approve" if approve else "reject", user=user) as taken:
        change = taken.obj
        taken.note = note
        change.decided_by, change.decided_at, change.decision_note = user, timezone.now(), note
        if approve:
            plan = PLAN.lock(change.plan, user=user)
            proposed = change.proposed
            _write_content(
                plan,
                user,
                proposed["sections"],
                {k: int(v) for k, v in proposed["targets"].items()},
                proposed["priorities"],
            )
            version = _keep_version(
                plan, user, _("Change request approved: %(reason)s") % {"reason": change.reason}
            )
            plan.version = version.number
            plan.save(update_fields=["version"])
            # The plan's own steps show the approved change too (its state stays).
            record(
                plan,
                action="change",
                user=user,
                source=plan.status,
                target=plan.status,
                note=change.reason,
            )
    return change


def compare(older: dict, newer: dict) -> list[tuple[str, object, object]]:
    """What changed between two snapshots, as (item, before, after) rows."""
    rows = []
    for name in SECTIONS:
        before, after = older["sections"].get(name, ""), newer["sections"].get(name, "")
        if before != after:
            rows.append((BusinessPlan._meta.get_field(name).verbose_name, before, after))
    labels = {i.code: i.label for i in STANDARD}
    for code in labels:
        before, after = older["targets"].get(code), newer["targets"].get(code)
        if before != after:
            rows.append((labels[code], before, after))
    names = dict(PriorityField.objects.values_list("pk", "name"))

    def fmt(items):
        return "、".join(f"{names.get(p['field'], '?')} {p['target']}" for p in items) or "—"

    if fmt(older["priorities"]) != fmt(newer["priorities"]):
        rows.append((_("Priority fields"), fmt(older["priorities"]), fmt(newer["priorities"])))
    return rows
