"""Every role, every group of roles, and who may change what: the one place they are named.

Querysets (``core.scoping``), workflows (``core.workflow`` declarations), views and the
menu read the roles from here; a role's stored value (the string in ``User.role``) is
written nowhere else but in migrations (``core/tests/test_roles.py`` greps the code).
Domain brief §6.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENCY_ADMIN = "agency_admin", _("Agency administrator")
    BUREAU_OFFICER = "bureau_officer", _("Bureau officer")
    HQ_STAFF = "hq_staff", _("HQ staff")
    HQ_EXPERT = "hq_expert", _("HQ expert")
    # サポーター: an HQ expert who advises a center on request; sees only the requests given to it.
    SUPPORTER = "supporter", _("HQ supporter")
    CENTER_MANAGER = "center_manager", _("Center manager")
    COORDINATOR = "coordinator", _("Coordinator")
    COMMITTEE_MEMBER = "committee_member", _("Review committee member")
    # 実施機関: the organisation that runs a center under contract; reads its centers'
    # plans, progress, results and budget, and agrees to coordinator appointments.
    IMPLEMENTING_BODY = "implementing_body", _("Implementing body")
    # アドバイザリーボード: advises HQ, reviews the national evaluation and the experts'
    # meeting report, and sits on review committees. The account of an HQ staff record
    # with a current advisory-board assignment (organizations.Person.objects.advisory_board).
    BOARD_MEMBER = "board_member", _("Advisory board member")


AGENCY_ADMIN = Role.AGENCY_ADMIN
BUREAU_OFFICER = Role.BUREAU_OFFICER
HQ_STAFF = Role.HQ_STAFF
HQ_EXPERT = Role.HQ_EXPERT
SUPPORTER = Role.SUPPORTER
CENTER_MANAGER = Role.CENTER_MANAGER
COORDINATOR = Role.COORDINATOR
COMMITTEE_MEMBER = Role.COMMITTEE_MEMBER
IMPLEMENTING_BODY = Role.IMPLEMENTING_BODY
BOARD_MEMBER = Role.BOARD_MEMBER

# --- Groups -----------------------------------------------------------------------------

ALL = frozenset(Role)
# Scope: the whole nation.
NATIONAL = frozenset({AGENCY_ADMIN, HQ_STAFF})
AGENCY = frozenset({AGENCY_ADMIN})
BUREAU = frozenset({BUREAU_OFFICER})
# HQ on the ground: records visits, raises the escalation, assigns supporters.
HQ = frozenset({HQ_STAFF, HQ_EXPERT})
# The center's own people (a user of these roles has a center).
CENTER_STAFF = frozenset({CENTER_MANAGER, COORDINATOR})
CENTER = frozenset({CENTER_MANAGER})  # the center as an organisation: its manager acts for it
BOARD = frozenset({BOARD_MEMBER})
# Who sits on a selection round's review committee (the board's seats and the bureau's picks).
COMMITTEE = frozenset({COMMITTEE_MEMBER}) | BOARD
SUPPORTERS = frozenset({SUPPORTER})
BODY = frozenset({IMPLEMENTING_BODY})
# What the implementing body reads of its centers, and nothing else: no client, case,
# session, staff or visit record (``core.scoping.ScopedQuerySet`` applies it).
BODY_READS = frozenset(
    {
        "organizations.Center",
        "organizations.ImplementingBody",
        "planning.BusinessPlan",
        "planning.PlanVersion",
        "planning.PlanChangeRequest",
        "evaluation.CenterEvaluation",
        "evaluation.BudgetLine",
        "contracts.Contract",
        "selection.CoordinatorAppointment",
    }
)
# Everyone who works on the centers' records (the menu's main sections).
CENTER_WORK = NATIONAL | BUREAU | HQ | CENTER_STAFF
# Roles that work on centers, scoped to some of them (feedback to all centers reaches them).
CENTER_SCOPED = BUREAU | frozenset({HQ_EXPERT}) | CENTER_STAFF
# Who evaluates centers (domain brief §5).
EVALUATORS = AGENCY | BUREAU | HQ
# Who organises training.
TRAINING_ORGANISERS = NATIONAL
# Who may undo an import (``core.imports.undo``): the Agency, and the importing center's
# own staff, each only for a kind they may import.
IMPORT_UNDO = AGENCY | CENTER_STAFF
# Who reads the HQ experts' meeting (the advisory board reviews its report).
MEETING_READERS = NATIONAL | BUREAU | frozenset({HQ_EXPERT}) | BOARD
# Who works on selection rounds and appointments.
SELECTION = NATIONAL | BUREAU | COMMITTEE
APPOINTMENTS = NATIONAL | BUREAU | CENTER | BODY
# Who records the bureau's contracts with the implementing bodies (委託契約).
CONTRACTS = AGENCY | BUREAU
# Who reads the contracts (each within their scope): the parties and the center run.
CONTRACT_READERS = NATIONAL | BUREAU | BODY | CENTER
# Who reads the budget once it is decided (each its own lines; a draft is the Agency's and HQ's).
BUDGET_READERS = NATIONAL | BUREAU | CENTER | BODY
# HQ's own liaison with the national institutions and its publicity (the Agency reads it).
LIAISON = frozenset({HQ_STAFF})

# --- Who may change what (within their scope) -------------------------------------------
# Each scoped queryset names its ``editor_roles`` from this table (by model label); each
# workflow step names its own roles in the app's workflow declaration, from the groups above.

EDITORS = {
    "accounts.User": AGENCY,
    # A bureau's own settings (how appointments are agreed): the Agency or the bureau.
    "organizations.Bureau": AGENCY | BUREAU,
    "organizations.Prefecture": NATIONAL,
    "organizations.ImplementingBody": AGENCY | BUREAU,
    "organizations.Center": AGENCY | BUREAU,
    "organizations.SupportInstitution": NATIONAL | BUREAU | CENTER,
    "organizations.Person": NATIONAL | CENTER,
    # A center's records: its own staff (and the Agency, for corrections).
    "consultations.Client": AGENCY | CENTER_STAFF,
    "planning.FiscalYear": AGENCY,
    "planning.ActivityPolicy": NATIONAL,
    # Who may act on a plan at all; each step names its own roles (planning/workflow.py).
    "planning.BusinessPlan": AGENCY | BUREAU | CENTER | HQ,
    "evaluation.EvaluationRules": AGENCY,
    "evaluation.ChecklistTemplate": NATIONAL,
    "evaluation.Hearing": AGENCY | BUREAU | {HQ_STAFF},
    "evaluation.EvaluationRun": AGENCY,
    "evaluation.CenterEvaluation": AGENCY | BUREAU,
    "evaluation.BudgetAllocation": AGENCY,
    "evaluation.BudgetLine": AGENCY,
    "evaluation.GuidancePlan": EVALUATORS | CENTER,
    "support.Visit": HQ,
    # Only HQ moves a center's escalation level (support/visits.py).
    "support.Escalation": HQ,
    # HQ sets the year's visit plan.
    "support.VisitPlan": NATIONAL,
    # HQ writes follow-ups; the center works them (status and note).
    "support.FollowUp": HQ | CENTER_STAFF,
    "support.ExpertsMeeting": frozenset({HQ_STAFF}),
    "support.Feedback": frozenset({HQ_STAFF}),
    # Each step names its own roles (support/requests.py); these may take some step.
    "support.SupportRequest": HQ | CENTER_STAFF | SUPPORTERS,
    "support.TrainingEvent": TRAINING_ORGANISERS,
    "support.TrainingRegistration": TRAINING_ORGANISERS | CENTER,
    "selection.SelectionRound": BUREAU,
    # Who may act at all; each step names its own roles (selection/appointments.py).
    "selection.CoordinatorAppointment": BUREAU | CENTER | BODY,
    "contracts.Contract": CONTRACTS,
    "liaison.NationalInstitution": NATIONAL,
    "liaison.HQActivity": LIAISON,
    "liaison.PublicityRequest": LIAISON,
    "surveys.SurveyTemplate": NATIONAL,
    # The center runs its own campaigns; the Agency and HQ run any, nationwide ones too.
    "surveys.Campaign": NATIONAL | CENTER,
    # A client's figures (成果) are the center's records, like its sessions.
    "casestudies.ImpactRecord": AGENCY | CENTER_STAFF,
    # The center drafts a case study, HQ edits and approves it (casestudies/workflow.py).
    "casestudies.CaseStudy": NATIONAL | CENTER_STAFF,
}


def editors(label: str) -> frozenset:
    """The roles that may change records of the model ``label`` (e.g. "planning.BusinessPlan")."""
    return EDITORS[label]


# How a refusal names who may take a step ("Only the bureau can …").
_WHO = [
    (AGENCY, _("the Agency")),
    (BUREAU, _("the bureau")),
    (HQ, _("HQ")),
    (NATIONAL, _("the Agency and HQ")),
    (CENTER, _("the center")),
    (CENTER_STAFF, _("the center")),
    (COMMITTEE, _("the committee member")),
    (BOARD, _("the advisory board")),
    (SUPPORTERS, _("the assigned supporter")),
    (BODY, _("the implementing body")),
    (CENTER | BODY, _("the center or the implementing body")),
]


def who(roles) -> str:
    """A plain name for the people of ``roles``: a group's name, or the roles' labels."""
    roles = frozenset(roles)
    for group, name in _WHO:
        if roles == group:
            return str(name)
    return "、".join(str(Role(r).label) for r in sorted(roles))
