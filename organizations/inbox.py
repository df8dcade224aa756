"""This app's home-page panels: the network (national roles), a region's or an expert's
centers, and a center's staff tiles."""

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from core import roles
from core.home import Panel, register_panel
from core.scoping import role_of, scope_centers

from .models import Bureau, Role, active_on


def centers_with_staff(user):
    """The centers in the user's scope with today's staff and coordinators counted."""
    current = active_on(datetime.date.today(), "assignments__")
    return (
        scope_centers(user)
        .select_related("prefecture__bureau", "implementing_body")
        .annotate(
            staff_count=Count("assignments", filter=current),
            coordinator_count=Count(
                "assignments", filter=current & Q(assignments__role=Role.COORDINATOR)
            ),
        )
    )


def _network(request):
    today = datetime.date.today()
    context = {
        "center_count": scope_centers(request.user).count(),
        "bureaus": Bureau.objects.annotate(
            center_count=Count("prefectures__center", distinct=True),
            staff_count=Count(
                "prefectures__center__assignments",
                filter=active_on(today, "prefectures__center__assignments__"),
            ),
        ).order_by("order"),
    }
    if role_of(request.user) in roles.AGENCY:
        context["user_count"] = get_user_model().objects.filter(is_active=True).count()
    return context


register_panel(
    Panel("organizations.network", "organizations/_home_network.html", roles.NATIONAL, _network)
)
register_panel(
    Panel(
        "organizations.centers",
        "organizations/_home_centers.html",
        roles.BUREAU | {roles.HQ_EXPERT},
        lambda request: {"centers": centers_with_staff(request.user)},
        order=40,
    )
)
register_panel(
    Panel(
        "organizations.center_staff",
        "organizations/_home_center_staff.html",
        roles.CENTER_STAFF,
        lambda request: {"center": centers_with_staff(request.user).first()},
        order=40,
    )
)
