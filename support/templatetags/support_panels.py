"""Panels of this app shown on other apps' pages (home pages, the bureau dashboard).

Each tag does its own scoped query, so the page that includes it needs one line.
"""

import datetime

from django import template

from core.scoping import role_of, scope_centers

from ..models import EscalationNotice, FollowUp, SupportRequest, Visit
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
        .select_related("center", "visit", "raised_by")
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
