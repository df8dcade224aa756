"""What the yearly planning hands to people: plans to submit, interviews, change requests."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import roles
from core.home import InboxKind, register_kind

from .models import (
    BusinessPlan,
    ChangeRequestStatus,
    FiscalYearState,
    PlanChangeRequest,
    PlanStatus,
)


def _plans(user, *states):
    return (
        BusinessPlan.objects.for_user(user)
        .filter(status__in=states)
        .exclude(fiscal_year__state=FiscalYearState.CLOSED)
    )


register_kind(
    InboxKind(
        "planning.plan_to_submit",
        _("Business plan to submit"),
        _("Submit"),
        roles.CENTER,
        lambda user, today: _plans(user, PlanStatus.DRAFT),
        lambda plan: plan.get_absolute_url(),
        title=str,
        due_field="fiscal_year__plan_due",
        related=("center", "fiscal_year"),
        order=10,
    )
)
register_kind(
    InboxKind(
        "planning.interview_to_schedule",
        _("Kick-off interview to schedule"),
        _("Schedule"),
        roles.BUREAU,
        lambda user, today: _plans(user, PlanStatus.SUBMITTED),
        lambda plan: plan.get_absolute_url(),
        due_field="fiscal_year__interview_until",
        related=("center", "fiscal_year"),
        order=11,
    )
)
register_kind(
    InboxKind(
        "planning.interview_to_hold",
        _("Kick-off interview to hold"),
        _("Record"),
        roles.BUREAU,
        lambda user, today: _plans(user, PlanStatus.INTERVIEW_SCHEDULED),
        lambda plan: plan.get_absolute_url(),
        due_field="fiscal_year__interview_until",
        related=("center", "fiscal_year"),
        order=12,
    )
)
register_kind(
    InboxKind(
        "planning.plan_to_confirm",
        _("Business plan to confirm"),
        _("Confirm"),
        roles.BUREAU,
        lambda user, today: _plans(user, PlanStatus.INTERVIEW_HELD, PlanStatus.REVISED),
        lambda plan: plan.get_absolute_url(),
        related=("center", "fiscal_year"),
        order=13,
    )
)
register_kind(
    InboxKind(
        "planning.change_to_decide",
        _("Plan change request to decide"),
        _("Decide"),
        roles.BUREAU,
        lambda user, today: PlanChangeRequest.objects.for_user(user).filter(
            status=ChangeRequestStatus.PENDING
        ),
        lambda change: reverse("planning:plan_detail", args=[change.plan_id]),
        title=lambda change: str(change.plan),
        related=("plan__center", "plan__fiscal_year"),
        order=14,
    )
)
