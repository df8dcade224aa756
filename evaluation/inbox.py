"""What the evaluation hands to people: results to review, the evaluation to sign off,
hearings to hold and focused-guidance actions due; and the guidance panel of home pages."""

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from core import roles
from core.home import InboxKind, Panel, register_kind, register_panel
from core.scoping import CHANGE, role_of

from . import workflow
from .models import (
    ActionStatus,
    CenterEvaluation,
    EvaluationRun,
    GuidanceAction,
    Hearing,
    RunStatus,
)


def _runs_to_review(user, today):
    # A result the bureau asked to re-check waits for the Agency, not for the bureau.
    unreviewed = CenterEvaluation.objects.for_user(user, CHANGE).filter(
        run=OuterRef("pk"), reviewed_at__isnull=True, recheck_requested_at__isnull=True
    )
    return EvaluationRun.objects.filter(status=RunStatus.DRAFT).filter(Exists(unreviewed))


def _runs_to_recheck(user, today):
    asked = CenterEvaluation.objects.filter(run=OuterRef("pk"), recheck_requested_at__isnull=False)
    return EvaluationRun.objects.for_user(user).filter(status=RunStatus.DRAFT).filter(Exists(asked))


def _runs_for_the_board(user, today):
    # Once every bureau agreed, until the board has reviewed (or the Agency waived it).
    unreviewed = CenterEvaluation.objects.filter(run=OuterRef("pk"), reviewed_at__isnull=True)
    return (
        workflow.RUN.queryset(user)
        .filter(
            status=RunStatus.DRAFT, board_reviewed_at__isnull=True, board_waived_at__isnull=True
        )
        .exclude(Exists(unreviewed))
    )


register_kind(
    InboxKind(
        "evaluation.results_to_review",
        _("Evaluation results to review"),
        _("Review"),
        roles.BUREAU,
        _runs_to_review,
        lambda run: run.get_absolute_url(),
        due_field="fiscal_year__evaluation_until",
        related=("fiscal_year",),
        order=30,
    )
)
register_kind(
    InboxKind(
        "evaluation.results_to_recheck",
        _("Evaluation inputs to re-check"),
        _("Open"),
        roles.AGENCY,
        _runs_to_recheck,
        lambda run: run.get_absolute_url(),
        due_field="fiscal_year__evaluation_until",
        related=("fiscal_year",),
        order=30,
    )
)
register_kind(
    InboxKind(
        "evaluation.board_review",
        _("Evaluation to review as the advisory board"),
        _("Review"),
        roles.BOARD,
        _runs_for_the_board,
        lambda run: run.get_absolute_url(),
        due_field="fiscal_year__evaluation_until",
        related=("fiscal_year",),
        order=30,
    )
)
register_kind(
    InboxKind(
        "evaluation.run_to_sign_off",
        _("Evaluation to sign off"),
        _("Finalise"),
        roles.AGENCY,
        lambda user, today: EvaluationRun.objects.for_user(user).filter(status=RunStatus.DRAFT),
        lambda run: run.get_absolute_url(),
        due_field="fiscal_year__evaluation_until",
        related=("fiscal_year",),
        order=31,
    )
)


def _hearings(user, today):
    # A hearing is entered with its date; one still ahead is one to hold.
    return Hearing.objects.for_user(user, CHANGE).filter(held_on__gte=today)


register_kind(
    InboxKind(
        "evaluation.hearing_to_hold",
        _("Hearing to hold"),
        _("Open"),
        roles.BUREAU,
        _hearings,
        lambda hearing: hearing.get_absolute_url(),
        title=lambda hearing: str(hearing.center.name),
        due_field="held_on",
        related=("center",),
        order=32,
    )
)


def _actions(user, today):
    actions = GuidanceAction.objects.for_user(user).filter(status=ActionStatus.OPEN)
    if role_of(user) in roles.CENTER_STAFF | {roles.HQ_EXPERT}:
        return actions
    # The bureau and the national roles are shown the overdue ones.
    return actions.filter(due_on__lt=today)


register_kind(
    InboxKind(
        "evaluation.guidance_action",
        _("Guidance action due"),
        _("Open"),
        roles.CENTER | roles.BUREAU | roles.HQ | roles.AGENCY,
        _actions,
        lambda action: action.get_absolute_url(),
        title=lambda action: f"{action.plan.center.name}: {action.action}",
        due_field="due_on",
        related=("plan__center",),
        order=33,
    )
)

register_panel(
    Panel("evaluation.guidance", "evaluation/_home_guidance.html", roles.CENTER_WORK, order=70)
)
