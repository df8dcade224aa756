from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import roles as r
from core.scoping import role_of

CENTER_WORK = r.CENTER_WORK

# The menu, in the order of the yearly cycle: groups of (url name, label, roles that
# see it; None = every signed-in role). A group a role sees one entry of is shown as
# that entry's link; the others open as menus (25 links in one row were too many).
NAVIGATION = [
    (_("Home"), [("home", _("Home"), None)]),
    (
        pgettext_lazy("navigation", "Plans & progress"),
        [
            ("planning:dashboard", _("Progress"), CENTER_WORK | r.BODY),
            ("planning:plan_list", _("Plans"), CENTER_WORK | r.BODY),
            ("consultations:indicator_table", _("Indicators"), CENTER_WORK),
            ("planning:year_list", _("Fiscal years"), r.NATIONAL),
        ],
    ),
    (
        pgettext_lazy("navigation", "Records"),
        [
            ("consultations:consultation_list", _("Consultations"), CENTER_WORK),
            ("consultations:client_list", _("Clients"), CENTER_WORK),
            (
                "consultations:cross_center_duplicates",
                _("Clients at several centers"),
                r.NATIONAL,
            ),
            ("consultations:case_list", _("Cases"), CENTER_WORK),
            ("consultations:activity_list", _("Network"), CENTER_WORK),
            ("organizations:institution_list", _("Support institutions"), CENTER_WORK),
            (
                "imports:start",
                _("Import"),
                r.NATIONAL | r.CENTER_STAFF,
            ),
        ],
    ),
    (
        pgettext_lazy("navigation", "Support"),
        [
            ("support:visit_list", _("Visits"), CENTER_WORK),
            ("support:visit_plans", _("Visit plan"), CENTER_WORK),
            ("support:request_list", _("Support requests"), CENTER_WORK | r.SUPPORTERS),
            (
                "support:meeting_list",
                _("Experts' meetings"),
                r.MEETING_READERS,
            ),
            ("support:training_list", _("Training"), CENTER_WORK),
            ("support:calendar", _("Calendar"), CENTER_WORK | r.SUPPORTERS),
            ("support:expert_assignments", _("HQ experts"), r.NATIONAL),
            ("liaison:activity_list", _("HQ liaison"), r.NATIONAL),
            ("casestudies:list", _("Case studies"), CENTER_WORK),
        ],
    ),
    (
        pgettext_lazy("navigation", "Evaluation & surveys"),
        [
            # The advisory board reviews the national evaluation.
            ("evaluation:run_list", _("Evaluation"), CENTER_WORK | r.BODY | r.BOARD),
            ("evaluation:hearing_list", _("Hearings"), CENTER_WORK - {r.COORDINATOR}),
            (
                "evaluation:checklist_list",
                _("Hearing checklists"),
                r.NATIONAL | r.BUREAU,
            ),
            ("surveys:campaign_list", _("Surveys"), CENTER_WORK),
            ("surveys:results", _("Survey results"), CENTER_WORK),
        ],
    ),
    (
        pgettext_lazy("navigation", "Organisation"),
        [
            (
                "organizations:center_list",
                pgettext_lazy("navigation", "Centers"),
                CENTER_WORK | r.BODY,
            ),
            ("contracts:list", _("Contracts"), r.CONTRACT_READERS),
            ("organizations:person_list", _("Staff"), CENTER_WORK),
            (
                "organizations:qualification_stats",
                _("Qualifications"),
                CENTER_WORK - {r.COORDINATOR},
            ),
            (
                "organizations:block_list",
                _("Training blocks"),
                r.NATIONAL | r.BUREAU | {r.HQ_EXPERT},
            ),
            (
                "selection:round_list",
                _("Selection"),
                r.SELECTION,
            ),
            (
                "selection:appointment_list",
                _("Appointments"),
                r.APPOINTMENTS,
            ),
            ("accounts:user_list", _("Accounts"), r.AGENCY),
            ("core:access_log", _("Access log"), r.AGENCY | r.CENTER),
        ],
    ),
]


def navigation(request):
    """The navigation groups, with the entries the signed-in user's role may open."""
    if not request.user.is_authenticated:
        return {"navigation": [], "roles": r}
    role = role_of(request.user)
    current = getattr(request.resolver_match, "view_name", "") or ""
    section = current.split(":")[0] + ":" + current.split(":")[-1].split("_")[0]
    groups = []
    for label, entries in NAVIGATION:
        items = [
            {"url_name": name, "label": item_label, "active": name.startswith(section)}
            for name, item_label, roles in entries
            if roles is None or role in roles
        ]
        if items:
            groups.append(
                {"label": label, "items": items, "active": any(i["active"] for i in items)}
            )
    # ``roles`` lets a template compare ``user_role == roles.CENTER_MANAGER``.
    return {"navigation": groups, "user_role": role, "roles": r}
