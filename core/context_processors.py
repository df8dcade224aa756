from django.utils.translation import gettext_lazy as _

from core.scoping import role_of

# (url name, label, roles that see it; None = every signed-in role)
NAVIGATION = [
    ("home", _("Home"), None),
    (
        "organizations:center_list",
        _("Centers"),
        {
            "agency_admin",
            "hq_staff",
            "bureau_officer",
            "hq_expert",
            "center_manager",
            "coordinator",
        },
    ),
    (
        "organizations:person_list",
        _("Staff"),
        {
            "agency_admin",
            "hq_staff",
            "bureau_officer",
            "hq_expert",
            "center_manager",
            "coordinator",
        },
    ),
    (
        "organizations:qualification_stats",
        _("Qualifications"),
        {"agency_admin", "hq_staff", "bureau_officer", "hq_expert", "center_manager"},
    ),
    (
        "organizations:block_list",
        _("Training blocks"),
        {"agency_admin", "hq_staff", "bureau_officer", "hq_expert"},
    ),
    ("accounts:user_list", _("Accounts"), {"agency_admin"}),
]


def navigation(request):
    """The navigation entries for the signed-in user's role."""
    if not request.user.is_authenticated:
        return {"navigation": []}
    role = role_of(request.user)
    current = getattr(request.resolver_match, "view_name", "")
    items = [
        {
            "url_name": name,
            "label": label,
            "active": current == name or current.startswith(name.rsplit("_", 1)[0] + "_"),
        }
        for name, label, roles in NAVIGATION
        if roles is None or role in roles
    ]
    return {"navigation": items, "user_role": role}
