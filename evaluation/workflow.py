"""Evaluation steps, each one transaction that records who and when.

The Agency sets the rules and runs the evaluation; each bureau reviews its
centers; the Agency finalises, which locks the rules, opens focused guidance
for the low-graded centers and makes the results visible to the centers.
A finalised evaluation is never changed: a correction is a new version with a
reason. The steps are declared once (``RUN``, ``BUDGET``, ``GUIDANCE``,
``GUIDANCE_ACTION``) and taken through ``core.workflow``; a refused attempt to change
something final is recorded (``EvaluationEvent.refused``), and every refusal raises
``StepRefused`` with a message for the user.
"""

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.scoping import VIEW, board_members, role_of, sits_on_board, users_for_center
from core.workflow import Step, StepRefused, Workflow, refuse, register
from organizations.models import Center
from planning.models import FiscalYear

from . import budget, inputs, scoring
from .models import (
    ActionStatus,
    BoardComment,
    BudgetAllocation,
    BudgetLine,
    CenterEvaluation,
    EvaluationEvent,
    EvaluationRules,
    EvaluationRun,
    GuidanceAction,
    GuidancePlan,
    GuidanceStatus,
    RecheckInput,
    RunStatus,
)

RULE_FIELDS = [
    "weight_consultations",
    "weight_visitors",
    "weight_cases_solved",
    "weight_network_activities",
    "weight_priority",
    "weight_clients_value_added_up",
    "weight_value_added_growth",
    "weight_jobs_created",
    "weight_funding_obtained",
    "achievement_cap",
    "client_survey_points",
    "institution_survey_points",
    "hearing_points",
    "min_survey_answers",
    "threshold_s",
    "threshold_a",
    "threshold_b",
    "threshold_c",
    "factor_s",
    "factor_a",
    "factor_b",
    "factor_c",
    "factor_d",
    "guidance_grade",
]


def _active(role_set):
    from accounts.models import User

    return User.objects.filter(role__in=role_set, is_active=True)


def _run_scope(user):
    # A board member's account acts on the evaluation only while its staff record sits
    # on the board; everyone else as the declaration's roles say.
    runs = EvaluationRun.objects.for_user(user, VIEW)
    if role_of(user) in roles.BOARD and not sits_on_board(user):
        return runs.none()
    return runs


def _run_explained(run, step, state):
    if state == RunStatus.FINALISED:
        if step.name == "finalise":
            return _("This evaluation is already finalised.")
        return _("A finalised evaluation cannot be changed; start a correction.")
    if step.name == "correct":
        return _("Only a finalised evaluation is corrected; a draft is simply run again.")
    return None


RUN = register(
    Workflow(
        name="evaluation.run",
        label=gettext_lazy("Evaluation"),
        model=EvaluationRun,
        states=RunStatus.choices,
        # Runs are national records: every step names its roles (a bureau reviews).
        scope_action=VIEW,
        scope=_run_scope,
        final_states=frozenset({RunStatus.FINALISED}),
        explain=_run_explained,
        steps=[
            Step(
                "start",
                gettext_lazy("Run the evaluation"),
                frozenset(),
                RunStatus.DRAFT,
                roles.AGENCY,
                notify=lambda run: _active(roles.BUREAU),
            ),
            Step(
                "run",
                gettext_lazy("Run the evaluation again"),
                frozenset({RunStatus.DRAFT}),
                None,
                roles.AGENCY,
            ),
            Step(
                "review",
                gettext_lazy("Review a center's result"),
                frozenset({RunStatus.DRAFT}),
                None,
                roles.BUREAU | roles.AGENCY,
                notify=lambda run: _active(roles.AGENCY),
            ),
            Step(
                "board_comment",
                gettext_lazy("Comment as the advisory board"),
                frozenset({RunStatus.DRAFT}),
                None,
                roles.BOARD,
            ),
            Step(
                "board_review",
                gettext_lazy("Complete the advisory board's review"),
                frozenset({RunStatus.DRAFT}),
                None,
                roles.BOARD,
                notify=lambda run: _active(roles.AGENCY),
                done=gettext_lazy(
                    "The advisory board's review is recorded; the Agency can sign off."
                ),
            ),
            Step(
                "waive_board_review",
                gettext_lazy("Sign off without the advisory board's review"),
                frozenset({RunStatus.DRAFT}),
                None,
                roles.AGENCY,
                reason_required=True,
                notify=lambda run: board_members(),
                done=gettext_lazy("The advisory board's review is waived."),
            ),
            Step(
                "finalise",
                gettext_lazy("Finalise"),
                frozenset({RunStatus.DRAFT}),
                RunStatus.FINALISED,
                roles.AGENCY,
                notify=lambda run: _active(roles.BUREAU | roles.CENTER),
            ),
            Step(
                "correct",
                gettext_lazy("Start a correction"),
                frozenset({RunStatus.FINALISED}),
                None,
                roles.AGENCY,
                reason_required=True,
            ),
        ],
    )
)


def _budget_state(allocation) -> str:
    return "decided" if allocation.is_decided else "draft"


def _decided_message(allocation: BudgetAllocation) -> str:
    return _("The budget for %(year)s was decided on %(date)s; it can no longer change.") % {
        "year": allocation.fiscal_year,
        "date": timezone.localtime(allocation.decided_at).strftime("%Y-%m-%d"),
    }


def _budget_explained(allocation, step, state):
    if step.name == "decide_budget":
        return _("This budget is already decided.")
    return _decided_message(allocation)


BUDGET = register(
    Workflow(
        name="evaluation.budget",
        label=gettext_lazy("Budget allocation"),
        model=BudgetAllocation,
        states=[("draft", gettext_lazy("Draft")), ("decided", gettext_lazy("Decided"))],
        state_field=None,
        state_of=_budget_state,
        # The budget's steps are shown with the evaluation it follows.
        event_owner=lambda allocation: allocation.run,
        final_states=frozenset({"decided"}),
        explain=_budget_explained,
        steps=[
            Step(
                "create_budget",
                gettext_lazy("Allocate the budget"),
                frozenset(),
                "draft",
                roles.AGENCY,
            ),
            Step(
                "allocate_budget",
                gettext_lazy("Allocate the budget"),
                frozenset({"draft"}),
                None,
                roles.AGENCY,
            ),
            Step(
                "adjust_budget",
                gettext_lazy("Adjust a center's amount"),
                frozenset({"draft"}),
                None,
                roles.AGENCY,
            ),
            Step(
                "decide_budget",
                gettext_lazy("Decide the budget"),
                frozenset({"draft"}),
                "decided",
                roles.AGENCY,
                notify=lambda allocation: _active(roles.BUREAU | roles.CENTER),
                done=gettext_lazy("Budget decided: the bureaus and centers now see it."),
            ),
        ],
    )
)


def _guidance_people(plan) -> list:
    return users_for_center(plan.center, roles.CENTER | roles.BUREAU | {roles.HQ_EXPERT})


# The plan itself is the evaluators'; the center works its actions.
GUIDANCE = register(
    Workflow(
        name="evaluation.guidance",
        label=gettext_lazy("Focused guidance"),
        model=GuidancePlan,
        states=GuidanceStatus.choices,
        steps=[
            Step(
                "start",
                gettext_lazy("Start the guidance"),
                frozenset({GuidanceStatus.OPEN}),
                GuidanceStatus.IN_PROGRESS,
                roles.EVALUATORS,
                notify=_guidance_people,
            ),
            Step(
                "close",
                gettext_lazy("Close the guidance"),
                frozenset({GuidanceStatus.OPEN, GuidanceStatus.IN_PROGRESS}),
                GuidanceStatus.CLOSED,
                roles.EVALUATORS,
                notify=_guidance_people,
            ),
            Step(
                "reopen",
                gettext_lazy("Reopen the guidance"),
                frozenset({GuidanceStatus.CLOSED, GuidanceStatus.IN_PROGRESS}),
                GuidanceStatus.OPEN,
                roles.EVALUATORS,
                notify=_guidance_people,
            ),
            Step(
                "resume",
                gettext_lazy("Resume the guidance"),
                frozenset({GuidanceStatus.CLOSED}),
                GuidanceStatus.IN_PROGRESS,
                roles.EVALUATORS,
                notify=_guidance_people,
            ),
        ],
    )
)

GUIDANCE_ACTION = register(
    Workflow(
        name="evaluation.guidance_action",
        label=gettext_lazy("Guidance action"),
        model=GuidanceAction,
        states=ActionStatus.choices,
        steps=[
            Step(
                "done",
                gettext_lazy("Mark the action done"),
                frozenset({ActionStatus.OPEN}),
                ActionStatus.DONE,
                roles.EVALUATORS | roles.CENTER,
                notify=lambda action: _guidance_people(action.plan),
            ),
            Step(
                "reopen",
                gettext_lazy("Reopen the action"),
                frozenset({ActionStatus.DONE}),
                ActionStatus.OPEN,
                roles.EVALUATORS | roles.CENTER,
                notify=lambda action: _guidance_people(action.plan),
            ),
        ],
    )
)


# --- Rules -----------------------------------------------------------------------------


def latest_rules(fiscal_year: FiscalYear) -> EvaluationRules:
    """The latest rules version of the year, or the defaults of §5 unsaved (a read never writes)."""
    rules = fiscal_year.evaluation_rules.order_by("-version").first()
    return rules or EvaluationRules(fiscal_year=fiscal_year, version=1)


def current_rules(fiscal_year: FiscalYear, user=None) -> EvaluationRules:
    """The latest rules version of the year; the defaults of §5 when there is none yet."""
    rules = fiscal_year.evaluation_rules.order_by("-version").first()
    if rules is None:
        rules = EvaluationRules.objects.create(
            fiscal_year=fiscal_year,
            version=1,
            reason=_("Defaults of the evaluation guidelines"),
            created_by=user,
        )
    return rules


def save_rules(fiscal_year: FiscalYear, *, user, values: dict, reason: str) -> EvaluationRules:
    """A new rules version; refused (and the refusal recorded) once an evaluation of the
    year has been finalised."""
    if role_of(user) not in roles.AGENCY:
        raise StepRefused(_("Only the Agency sets the evaluation rules."))
    latest = current_rules(fiscal_year, user)
    if latest.is_locked or fiscal_year.evaluation_runs.filter(status=RunStatus.FINALISED).exists():
        refuse(
            latest,
            action="change_rules",
            user=user,
            message=_("The rules of %(year)s were used by a finalised evaluation and are locked.")
            % {"year": fiscal_year},
        )
    with transaction.atomic():
        rules = EvaluationRules(
            fiscal_year=fiscal_year,
            version=latest.version + 1,
            reason=reason,
            created_by=user,
            **{name: values[name] for name in RULE_FIELDS},
        )
        rules.full_clean()
        rules._history_user = user
        rules.save()
        EvaluationEvent.objects.create(rules=rules, action="change_rules", note=reason, user=user)
    return rules


def rules_from(base: EvaluationRules, values: dict) -> EvaluationRules:
    """An unsaved copy of ``base`` with some values changed: what the what-if view scores with."""
    copy = EvaluationRules(**{name: getattr(base, name) for name in RULE_FIELDS})
    copy.version = base.version
    for name, value in values.items():
        setattr(copy, name, value)
    return copy


# --- The run ---------------------------------------------------------------------------


REVIEW_FIELDS = ("reviewed_by", "reviewed_at", "review_comment")


def _compute(run: EvaluationRun) -> None:
    """(Re)compute every center's result of a draft run from the records of now.

    A bureau's agreement stays with a result whose inputs and points did not change; a
    changed result (a re-check asked, an input corrected) waits for its bureau again,
    and then for the advisory board, whose review is of the numbers it saw.
    """
    before = {result.center_id: result for result in run.results.all()}
    run.results.all().delete()
    gathered = inputs.gather(run.fiscal_year)
    results, changed = [], not before
    for center in Center.objects.order_by("code"):
        center_inputs = gathered[center.pk]
        score = scoring.score(center_inputs, run.rules)
        result = CenterEvaluation(
            run=run,
            center=center,
            indicator_points=score.indicator_points,
            survey_points=score.survey_points,
            hearing_points=score.hearing_points,
            total=score.total,
            grade=score.grade,
            breakdown=score.breakdown,
            inputs=center_inputs,
        )
        old = before.get(center.pk)
        if old is not None and _same(old, result):
            for name in REVIEW_FIELDS + ("recheck_input", "recheck_requested_at"):
                setattr(result, name, getattr(old, name))
        else:
            changed = True
        results.append(result)
    CenterEvaluation.objects.bulk_create(results)
    run.computed_at = timezone.now()
    if changed:
        run.board_reviewed_by = run.board_reviewed_at = None
    run.save()


def _same(old: CenterEvaluation, new: CenterEvaluation) -> bool:
    # Stored JSON compared with JSON: the fresh inputs go through the same encoding.
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    def encoded(value):
        return json.loads(json.dumps(value, cls=DjangoJSONEncoder))

    return (
        encoded(old.inputs) == encoded(new.inputs)
        and old.total == new.total
        and old.grade == new.grade
    )


def _check_window(fiscal_year: FiscalYear, override: str) -> None:
    """Before the year's evaluation window opens the Agency runs it only with a reason."""
    if not fiscal_year.evaluation_window_open() and not (override or "").strip():
        raise StepRefused(
            _(
                "The evaluation window of %(year)s opens on %(date)s; to run it earlier, "
                "give the reason."
            )
            % {"year": fiscal_year, "date": f"{fiscal_year.evaluation_from:%Y-%m-%d}"}
        )


def run_evaluation(fiscal_year: FiscalYear, *, user, override: str = "") -> EvaluationRun:
    """Compute the year's draft evaluation (again) under the latest rules.

    Before the fiscal year's evaluation window opens, ``override`` (the Agency's reason)
    is required; it is kept on the step's event.
    """
    latest = fiscal_year.evaluation_runs.order_by("-version").first()
    if latest is not None:
        with RUN.taking(latest, "run", user=user, reason=override) as taken:
            _check_window(fiscal_year, override)
            run = taken.obj
            run.rules = current_rules(fiscal_year, user)
            _compute(run)
        return run
    RUN.check_role("start", user)
    _check_window(fiscal_year, override)
    with transaction.atomic():
        run = EvaluationRun(
            fiscal_year=fiscal_year,
            version=1,
            rules=current_rules(fiscal_year, user),
            created_by=user,
        )
        run._history_user = user
        run.save()
        _compute(run)
        RUN.created(run, "start", user=user, note=override)
    return run


def start_correction(run: EvaluationRun, *, user, reason: str) -> EvaluationRun:
    """A new draft version of a finalised evaluation, recomputed; the old one is kept."""
    with RUN.taking(run, "correct", user=user, reason=reason) as taken:
        if taken.obj.fiscal_year.evaluation_runs.filter(version__gt=run.version).exists():
            raise StepRefused(_("This evaluation already has a newer version."))
        correction = EvaluationRun.objects.create(
            fiscal_year=run.fiscal_year,
            version=run.version + 1,
            rules=run.rules,
            corrects=run,
            reason=taken.reason,
            created_by=user,
        )
        _compute(correction)
        taken.owner = correction  # the correction's page shows why it exists
    return correction


def review_result(
    result: CenterEvaluation,
    *,
    user,
    agree: bool,
    comment: str = "",
    recheck_input: str = "",
) -> CenterEvaluation:
    """The bureau's review of one center's result: it agrees (with an optional comment),
    or comments and asks the Agency to re-check one input. Taken again, it replaces the
    bureau's earlier answer for that center."""
    comment = (comment or "").strip()
    with RUN.taking(result.run, "review", user=user) as taken:
        locked = (
            CenterEvaluation.objects.for_user(user, "change")
            .select_for_update(of=("self",))
            .filter(pk=result.pk, run=taken.obj)
            .select_related("center")
            .first()
        )
        if locked is None:
            raise StepRefused(_("This center's result is outside your scope."))
        now = timezone.now()
        if agree:
            locked.reviewed_by, locked.reviewed_at = user, now
            locked.recheck_input, locked.recheck_requested_at = "", None
            note = _("%(center)s: agreed.") % {"center": locked.center.name}
        else:
            if recheck_input not in RecheckInput.values:
                raise StepRefused(_("Choose the input to re-check."))
            if not comment:
                raise StepRefused(_("Say what should be re-checked."))
            locked.reviewed_by, locked.reviewed_at = user, None
            locked.recheck_input, locked.recheck_requested_at = recheck_input, now
            note = _("%(center)s: re-check asked (%(input)s).") % {
                "center": locked.center.name,
                "input": RecheckInput(recheck_input).label,
            }
        locked.review_comment = comment
        locked._history_user = user
        locked.save()
        taken.note = " ".join(part for part in (str(note), comment) if part)
    return locked


def _unreviewed(run: EvaluationRun):
    return run.results.filter(reviewed_at__isnull=True).select_related("center")


def _refuse_unreviewed(run: EvaluationRun) -> None:
    pending = _unreviewed(run)
    if pending.exists():
        names = "、".join(result.center.name for result in pending[:10])
        raise StepRefused(
            _("%(count)s centers are not yet reviewed by their bureau: %(names)s")
            % {"count": pending.count(), "names": names}
        )


def comment_as_board(result: CenterEvaluation, *, user, text: str) -> BoardComment:
    """A board member's comment on one center's result of a draft evaluation."""
    text = (text or "").strip()
    with RUN.taking(result.run, "board_comment", user=user) as taken:
        if not text:
            raise StepRefused(_("Write the comment."))
        comment = BoardComment(run=taken.obj, center=result.center, author=user, text=text)
        comment._history_user = user
        comment.save()
        taken.note = f"{result.center.name}: {text}"
    return comment


def complete_board_review(run: EvaluationRun, *, user, comment: str = "") -> EvaluationRun:
    """The advisory board's review of the whole evaluation, after every bureau agreed."""
    with RUN.taking(run, "board_review", user=user) as taken:
        locked = taken.obj
        _refuse_unreviewed(locked)
        if locked.board_done:
            raise StepRefused(_("The advisory board's review is already done or waived."))
        locked.board_reviewed_by, locked.board_reviewed_at = user, timezone.now()
        locked.save()
        taken.note = (comment or "").strip()
    return locked


def waive_board_review(run: EvaluationRun, *, user, reason: str) -> EvaluationRun:
    """The Agency signs off without the board's review, and says why."""
    with RUN.taking(run, "waive_board_review", user=user, reason=reason) as taken:
        locked = taken.obj
        if locked.board_done:
            raise StepRefused(_("The advisory board's review is already done or waived."))
        locked.board_waived_by, locked.board_waived_at = user, timezone.now()
        locked.board_waiver_reason = taken.reason
        locked.save()
    return locked


def finalise(run: EvaluationRun, *, user) -> list[GuidancePlan]:
    """Finalise the run: locks it and its rules, and opens focused guidance where due.

    Refused until every bureau agreed with its centers' results and the advisory board
    reviewed the evaluation (or the Agency waived that review with a reason)."""
    with RUN.taking(run, "finalise", user=user) as taken:
        locked = taken.obj
        _refuse_unreviewed(locked)
        if not locked.board_done:
            raise StepRefused(
                _(
                    "The advisory board has not yet reviewed this evaluation; wait for its "
                    "review or waive it with a reason."
                )
            )
        locked.finalised_by, locked.finalised_at = user, timezone.now()
        plans = open_guidance(locked)
    for name in ("status", "finalised_by", "finalised_at"):
        setattr(run, name, getattr(locked, name))
    return plans


def open_guidance(run: EvaluationRun) -> list[GuidancePlan]:
    """A guidance plan for every center at or below the trigger, followed next year."""
    next_year, _created = FiscalYear.objects.get_or_create(year=run.fiscal_year.year + 1)
    plans = []
    due = [r for r in run.results.select_related("center") if run.rules.needs_guidance(r.grade)]
    for result in due:
        if GuidancePlan.objects.filter(center=result.center, fiscal_year=next_year).exists():
            continue  # a correction keeps the plan already opened
        plans.append(
            GuidancePlan.objects.create(
                center=result.center,
                evaluation=result,
                fiscal_year=next_year,
                findings=_("Graded %(grade)s with %(total)s points in %(year)s.")
                % {"grade": result.grade, "total": result.total, "year": run.fiscal_year},
            )
        )
    return plans


def latest_final(fiscal_year: FiscalYear) -> EvaluationRun | None:
    return (
        fiscal_year.evaluation_runs.filter(status=RunStatus.FINALISED).order_by("-version").first()
    )


# --- The budget -------------------------------------------------------------------------


def _lines_for(allocation: BudgetAllocation) -> None:
    """Recompute every line's amount from the envelope, the bases and the adjustments."""
    lines = list(allocation.lines.select_related("center"))
    amounts = budget.allocate(
        allocation.envelope,
        [
            budget.Line(line.center.code, line.base, line.factor, line.adjusted_amount)
            for line in lines
        ],
    )
    for line in lines:
        line.amount = amounts[line.center.code]
    BudgetLine.objects.bulk_update(lines, ["amount"])


def _fill_lines(allocation: BudgetAllocation, run: EvaluationRun, bases: dict, user) -> None:
    kept = {line.center_id: line for line in allocation.lines.all()}
    for result in run.results.select_related("center"):
        line = kept.get(result.center_id) or BudgetLine(allocation=allocation, center=result.center)
        line.base = bases[result.center_id]
        line.grade = result.grade
        line.factor = run.rules.factor(result.grade)
        line.amount = 0
        line._history_user = user
        line.save()
    _shared_out(allocation)


def _shared_out(allocation: BudgetAllocation) -> None:
    try:
        _lines_for(allocation)
    except budget.AllocationError as error:  # the arithmetic's own error, told to the user
        raise StepRefused(str(error)) from error


def allocate_budget(run: EvaluationRun, *, user, envelope: int, bases: dict) -> BudgetAllocation:
    """Next year's allocation from a finalised evaluation; ``bases`` by center id."""
    BUDGET.check_role("allocate_budget", user)
    if not run.is_final:
        raise StepRefused(_("The budget follows a finalised evaluation; finalise it first."))
    next_year, _created = FiscalYear.objects.get_or_create(year=run.fiscal_year.year + 1)
    existing = BudgetAllocation.objects.filter(fiscal_year=next_year).first()
    if existing is not None:
        with BUDGET.taking(existing, "allocate_budget", user=user) as taken:
            allocation = taken.obj
            allocation.run, allocation.envelope, allocation.created_by = run, envelope, user
            allocation.save()
            _fill_lines(allocation, run, bases, user)
        return allocation
    with transaction.atomic():
        allocation = BudgetAllocation(
            fiscal_year=next_year, run=run, envelope=envelope, created_by=user
        )
        allocation._history_user = user
        allocation.save()
        _fill_lines(allocation, run, bases, user)
        BUDGET.created(allocation, "create_budget", user=user)
    return allocation


def adjust_line(line: BudgetLine, *, user, amount: int | None, reason: str) -> BudgetAllocation:
    """Set (or, with ``None``, clear) a manual amount; the other lines absorb the difference."""
    with BUDGET.taking(line.allocation, "adjust_budget", user=user) as taken:
        if amount is not None and not reason.strip():
            raise StepRefused(_("A manual adjustment needs a written reason."))
        line = BudgetLine.objects.select_for_update(of=("self",)).get(pk=line.pk)
        line.adjusted_amount = amount
        line.adjustment_reason = reason if amount is not None else ""
        line._history_user = user
        line.save()
        shown = "—" if amount is None else _("%(amount)s yen") % {"amount": f"{amount:,}"}
        taken.note = f"{line.center.name}: {shown} {reason}".strip()
        _shared_out(taken.obj)  # a refusal rolls the change back
    return taken.obj


def decide_budget(allocation: BudgetAllocation, *, user) -> BudgetAllocation:
    """Decide the budget: the bureaus and centers see it from now on, and it is final."""
    with BUDGET.taking(allocation, "decide_budget", user=user) as taken:
        locked = taken.obj
        total = locked.lines.aggregate(total=Sum("amount"))["total"] or 0
        if total != locked.envelope:  # the workflow keeps them equal; a hand edit may not
            raise StepRefused(
                _("The lines add up to %(total)s yen, not to the envelope of %(envelope)s yen.")
                % {"total": f"{total:,}", "envelope": f"{locked.envelope:,}"}
            )
        locked.decided_at, locked.decided_by = timezone.now(), user
    return locked


# --- Guidance ---------------------------------------------------------------------------


def open_guidance_for(user):
    """Open guidance plans in the user's scope, for the dashboards."""
    return GuidancePlan.objects.for_user(user).open().select_related("center", "fiscal_year")


def open_actions_at(center: Center):
    """The open guidance actions of a center: what every HQ visit to it follows up."""

    return GuidanceAction.objects.filter(
        plan__in=GuidancePlan.objects.open().filter(center=center), status=ActionStatus.OPEN
    ).select_related("plan")


def guidance_section(center: Center, since, *, until, exclude_visit=None):
    """The open focused-guidance actions of the center, for the panel of every HQ visit
    (registered into ``support.visits.OPEN_ITEM_SOURCES`` by the app config)."""
    from support.visits import OpenItem, Section

    today = datetime.date.today()
    items = [
        OpenItem(
            title=action.action,
            detail=_("Focused guidance %(year)s; owner: %(owner)s; HQ visits per year: %(visits)s")
            % {
                "year": action.plan.fiscal_year,
                "owner": action.owner,
                "visits": action.plan.visits_per_year,
            },
            url=action.get_absolute_url(),
            due=action.due_on,
            overdue=action.due_on < today,
            status=action.get_status_display(),
        )
        for action in open_actions_at(center).select_related("plan__fiscal_year")
    ]
    return Section(
        "guidance",
        _("Open focused-guidance actions"),
        _("No open focused-guidance action."),
        items,
    )
