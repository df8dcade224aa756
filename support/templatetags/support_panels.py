"""Panels of this app shown on other apps' pages (home pages, the bureau dashboard).

Each tag does its own scoped query, so the page that includes it needs one line.
"""

import datetime

from django import template

from core.scoping import may_edit, role_of, scope_centers

from .. import visit_plans
from ..models import EscalationNotice, FollowUp, SupportRequest, Visit, VisitPlan
from ..requests import OPEN_STATUSES
from ..visits import escalated_centers

register = template.Library()


@register.inclusion_tag("support/_bureau_escalations.html")
def bureau_escalations(user, limit=10):
    """For a bureau (or the national roles): escalation notices and the centers HQ
    currently holds above the normal level."""
    centers = scope_centers(user).select_related("prefecture")
    return {
        "notices": EscalationNotice.objects.for_user(user)
        .select_related("center__escalation", "visit", "raised_by")
        .order_by("-created_at", "-id")[:limit],
        "escalated": escalated_centers(centers).order_by("-escalation_level", "code"),
    }


@register.inclusion_tag("support/_center_follow_ups.html")
def center_follow_ups(user, limit=20):
    """For a center's staff: the follow-ups HQ left it, and its open support requests."""
    follow_ups = (
        FollowUp.objects.for_user(user).open().select_related("visit", "owner").order_by("due_date")
    )
    return {
        "follow_ups": follow_ups[:limit],
        "count": follow_ups.count(),
        "today": datetime.date.today(),
        "requests": SupportRequest.objects.for_user(user).filter(status__in=OPEN_STATUSES)[:limit],
    }


@register.inclusion_tag("support/_expert_overview.html")
def expert_overview(user, limit=10):
    """For an HQ expert or supporter: upcoming visits, open follow-ups and requests."""
    today = datetime.date.today()
    return {
        "role": role_of(user),
        "upcoming": Visit.objects.for_user(user)
        .filter(date__gte=today)
        .select_related("center")
        .order_by("date")[:limit],
        "open_follow_ups": FollowUp.objects.for_user(user).open().count(),
        "requests": SupportRequest.objects.for_user(user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("center")[:limit],
    }


@register.inclusion_tag("support/_visit_plan_panel.html")
def visit_plan_panel(user, year, as_of, centers=None, only_behind=False):
    """HQ visits planned against held for the dashboards: ``centers`` (default: the user's
    scope) in the fiscal year ``year`` as of ``as_of``; ``only_behind`` lists only the
    centers behind plan (the national dashboard), with the totals of all."""
    if year is None:
        return {"rows": None}
    scope = scope_centers(user)
    centers = scope if centers is None else centers.filter(pk__in=scope.values("pk"))
    fiscal_year = getattr(year, "year", year)
    rows = visit_plans.plan_rows(centers, fiscal_year=fiscal_year, as_of=as_of)
    return {
        "year": fiscal_year,
        "as_of": as_of,
        "totals": visit_plans.totals(rows),
        "rows": [r for r in rows if r.behind] if only_behind else rows,
        "only_behind": only_behind,
        "may_edit": may_edit(user, VisitPlan),
    }
