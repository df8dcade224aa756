"""The home page and the inbox page: built from what the apps register in ``core.home``."""

from django.shortcuts import render

from core import home as registry
from core.scoping import role_of, scope_rule


@scope_rule("each inbox kind and panel reads its model's for_user(user) queryset")
def home(request):
    """The signed-in user's home page: their inbox (やること), then their role's panels."""
    groups = registry.inbox(request.user, limit=5)
    panels = registry.panels_for(request)
    context = {
        "role": role_of(request.user),
        "groups": groups,
        "items": registry.items(groups),
        "inbox_total": registry.total(groups),
        # Panels ordered before 10 come before the inbox (a coordinator's latest entries).
        "lead_panels": [(p, c) for p, c in panels if p.order < 10],
        "panels": [(p, c) for p, c in panels if p.order >= 10],
    }
    return render(request, "home/home.html", context)


@scope_rule("each inbox kind reads its model's for_user(user) queryset")
def inbox(request):
    """Everything waiting for the user, kind by kind, overdue first."""
    groups = registry.inbox(request.user, limit=100)
    context = {
        "groups": groups,
        "items": registry.items(groups),
        "inbox_total": registry.total(groups),
    }
    return render(request, "home/inbox.html", context)
