"""Business-plan workflow: each step one transactional function that records who and when.

Who may take each step follows domain brief §6: the center drafts, submits and
revises; the bureau schedules and holds the kick-off interview, confirms, and
decides change requests. An illegal step raises ``TransitionError`` with a
message for the user and changes nothing.
"""

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consultations.indicators import STANDARD, Period, compute
from consultations.models import PriorityField
from core.scoping import role_of
from organizations.models import Center

from .models import (
    BusinessPlan,
    ChangeRequestStatus,
    FiscalYear,
    KickoffInterview,
    PlanChangeRequest,
    PlanEvent,
    PlanPriority,
    PlanStatus,
    PlanTarget,
    PlanVersion,
)

CENTER = frozenset({"center_manager"})
BUREAU = frozenset({"bureau_officer"})
EDITABLE = frozenset({PlanStatus.DRAFT, PlanStatus.INTERVIEW_HELD})
SECTIONS = ("regional_analysis", "support_landscape", "strategy", "staffing")
MAX_PRIORITIES = 5


class TransitionError(Exception):
    """A workflow step that is not allowed; the message is for the user."""


def _check(user, plan: BusinessPlan, roles: frozenset, action: str) -> BusinessPlan:
    """Lock the plan and check the user's role and scope; returns the locked row."""
    if role_of(user) not in roles:
        names = {"center_manager": _("the center"), "bureau_officer": _("the bureau")}
        who = "、".join(str(names.get(r, r)) for r in sorted(roles))
        raise TransitionError(
            _("Only %(who)s can %(action)s this plan.") % {"who": who, "action": action}
        )
    locked = BusinessPlan.objects.for_user(user).select_for_update().filter(pk=plan.pk).first()
    if locked is None:
        raise TransitionError(_("This plan is outside your scope."))
    return locked


ACTION_LABELS = {
    "submit": gettext_lazy("submit"),
    "schedule": gettext_lazy("schedule the kick-off interview of"),
    "interview": gettext_lazy("record the kick-off interview of"),
    "revise": gettext_lazy("revise"),
    "confirm": gettext_lazy("confirm"),
}


def _move(plan, user, *, action: str, allowed: set, to: str, note: str = "") -> None:
    if plan.status not in allowed:
        raise TransitionError(
            _("A plan that is “%(status)s” cannot be %(action)s.")
            % {"status": plan.get_status_display(), "action": ACTION_LABELS[action]}
        )
    PlanEvent.objects.create(
        plan=plan, action=action, from_status=plan.status, to_status=to, user=user, note=note
    )
    plan.status = to
    plan._history_user = user
    plan.save()


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
    if role_of(user) not in CENTER or user.center_id != center.pk:
        raise TransitionError(_("Only the center can draft its business plan."))
    if BusinessPlan.objects.filter(center=center, fiscal_year=fiscal_year).exists():
        raise TransitionError(_("This center already has a plan for that fiscal year."))
    plan = BusinessPlan(center=center, fiscal_year=fiscal_year)
    plan._history_user = user
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError as exc:  # a second click raced the first
        raise TransitionError(_("This center already has a plan for that fiscal year.")) from exc
    for code, value in proposed_targets(center, fiscal_year.year).items():
        PlanTarget.objects.create(plan=plan, indicator=code, target=value)
    PlanEvent.objects.create(
        plan=plan,
        action="create",
        from_status=PlanStatus.DRAFT,
        to_status=PlanStatus.DRAFT,
        user=user,
    )
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
    plan = _check(user, plan, CENTER, _("edit"))
    if plan.status not in EDITABLE:
        if plan.is_frozen:
            raise TransitionError(_("A confirmed plan is frozen: submit a change request instead."))
        raise TransitionError(
            _("The plan cannot be edited while it is “%(status)s”.")
            % {"status": plan.get_status_display()}
        )
    problems = validate_content(targets=targets, priorities=priorities)
    if problems:
        raise TransitionError(" ".join(problems))
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


@transaction.atomic
def submit_plan(plan: BusinessPlan, *, user) -> BusinessPlan:
    plan = _check(user, plan, CENTER, _("submit"))
    problems = validate_content(
        targets=snapshot(plan)["targets"], priorities=snapshot(plan)["priorities"]
    )
    if problems:
        raise TransitionError(" ".join(problems))
    _move(plan, user, action="submit", allowed={PlanStatus.DRAFT}, to=PlanStatus.SUBMITTED)
    _keep_version(plan, user, _("Submitted"))
    return plan


@transaction.atomic
def schedule_interview(
    plan: BusinessPlan, *, user, scheduled_for: datetime.datetime, place: str = ""
) -> BusinessPlan:
    plan = _check(user, plan, BUREAU, _("schedule the kick-off interview of"))
    _move(
        plan,
        user,
        action="schedule",
        allowed={PlanStatus.SUBMITTED},
        to=PlanStatus.INTERVIEW_SCHEDULED,
    )
    interview, _created = KickoffInterview.objects.update_or_create(
        plan=plan, defaults={"scheduled_for": scheduled_for, "place": place}
    )
    return plan


@transaction.atomic
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
    plan = _check(user, plan, BUREAU, _("record the kick-off interview of"))
    if not minutes.strip():
        raise TransitionError(_("Write the minutes of the interview."))
    _move(
        plan,
        user,
        action="interview",
        allowed={PlanStatus.INTERVIEW_SCHEDULED},
        to=PlanStatus.INTERVIEW_HELD,
        note=changes_requested,
    )
    interview = plan.interview
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
    return plan


@transaction.atomic
def mark_revised(plan: BusinessPlan, *, user, note: str = "") -> BusinessPlan:
    plan = _check(user, plan, CENTER, _("revise"))
    if plan.status == PlanStatus.INTERVIEW_HELD and not plan.interview.changes_requested.strip():
        raise TransitionError(
            _(
                "No changes were requested at the interview; the bureau can confirm the plan as it is."
            )
        )
    _move(
        plan,
        user,
        action="revise",
        allowed={PlanStatus.INTERVIEW_HELD},
        to=PlanStatus.REVISED,
        note=note,
    )
    _keep_version(plan, user, _("Revised after the kick-off interview"))
    return plan


@transaction.atomic
def confirm_plan(plan: BusinessPlan, *, user) -> BusinessPlan:
    plan = _check(user, plan, BUREAU, _("confirm"))
    if plan.status == PlanStatus.INTERVIEW_HELD and plan.interview.changes_requested.strip():
        raise TransitionError(
            _("Changes were requested at the interview: the center must revise the plan first.")
        )
    _move(
        plan,
        user,
        action="confirm",
        allowed={PlanStatus.INTERVIEW_HELD, PlanStatus.REVISED},
        to=PlanStatus.CONFIRMED,
    )
    plan.confirmed_at = timezone.now()
    version = _keep_version(plan, user, _("Confirmed"))
    plan.version = version.number
    plan.save(update_fields=["confirmed_at", "version"])
    return plan


@transaction.atomic
def request_change(
    plan: BusinessPlan, *, user, sections: dict, targets: dict, priorities: list, reason: str
) -> PlanChangeRequest:
    plan = _check(user, plan, CENTER, _("request a change to"))
    if not plan.is_frozen:
        raise TransitionError(
            _("Only a confirmed plan needs a change request; edit the draft directly.")
        )
    if not reason.strip():
        raise TransitionError(_("Explain the reason for the change."))
    if plan.change_requests.filter(status=ChangeRequestStatus.PENDING).exists():
        raise TransitionError(
            _("A change request for this plan is already waiting for the bureau.")
        )
    problems = validate_content(targets=targets, priorities=priorities)
    if problems:
        raise TransitionError(" ".join(problems))
    proposed = {"sections": sections, "targets": targets, "priorities": priorities}
    return PlanChangeRequest.objects.create(
        plan=plan, proposed=proposed, reason=reason, requested_by=user
    )


@transaction.atomic
def decide_change(
    change: PlanChangeRequest, *, user, approve: bool, note: str = ""
) -> PlanChangeRequest:
    plan = _check(user, change.plan, BUREAU, _("decide a change request to"))
    change = PlanChangeRequest.objects.select_for_update().get(pk=change.pk)
    if change.status != ChangeRequestStatus.PENDING:
        raise TransitionError(_("This change request has already been decided."))
    change.status = ChangeRequestStatus.APPROVED if approve else ChangeRequestStatus.REJECTED
    change.decided_by, change.decided_at, change.decision_note = user, timezone.now(), note
    change._history_user = user
    change.save()
    if approve:
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
        PlanEvent.objects.create(
            plan=plan,
            action="change",
            from_status=plan.status,
            to_status=plan.status,
            user=user,
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
