"""Evaluation steps, each one transaction that records who and when.

The Agency sets the rules and runs the evaluation; each bureau reviews its
centers; the Agency finalises, which locks the rules, opens focused guidance
for the low-graded centers and makes the results visible to the centers.
A finalised evaluation is never changed: a correction is a new version with a
reason. A refused attempt is recorded (``EvaluationEvent.refused``) and raises
``FinalisedError`` or ``StepError`` with a message for the user.
"""

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.scoping import role_of
from organizations.models import Center
from planning.models import FiscalYear

from . import budget, inputs, scoring
from .models import (
    BudgetAllocation,
    BudgetLine,
    CenterEvaluation,
    EvaluationEvent,
    EvaluationRules,
    EvaluationRun,
    FinalisedError,
    GuidancePlan,
    RunStatus,
)

RULE_FIELDS = [
    "weight_consultations",
    "weight_visitors",
    "weight_cases_solved",
    "weight_network_activities",
    "weight_priority",
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


class StepError(Exception):
    """A step that is not allowed now; the message is for the user."""


def _require(user, roles: set, message: str):
    if role_of(user) not in roles:
        raise StepError(message)


def _refuse(user, message: str, *, action: str, run=None, rules=None):
    """Record a refused change to something finalised, then refuse it."""
    EvaluationEvent.objects.create(
        run=run, rules=rules, action=action, refused=True, note=message, user=user
    )
    raise FinalisedError(message)


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


def save_rules(fiscal_year: FiscalYear, user, values: dict, reason: str) -> EvaluationRules:
    """A new rules version; refused once an evaluation of the year has been finalised."""
    _require(user, {"agency_admin"}, _("Only the Agency sets the evaluation rules."))
    latest = current_rules(fiscal_year, user)
    if latest.is_locked or fiscal_year.evaluation_runs.filter(status=RunStatus.FINALISED).exists():
        _refuse(
            user,
            _("The rules of %(year)s were used by a finalised evaluation and are locked.")
            % {"year": fiscal_year},
            action="change_rules",
            rules=latest,
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


def _compute(run: EvaluationRun) -> None:
    """(Re)compute every center's result of a draft run from the records of now."""
    run.results.all().delete()
    gathered = inputs.gather(run.fiscal_year)
    results = []
    for center in Center.objects.order_by("code"):
        center_inputs = gathered[center.pk]
        score = scoring.score(center_inputs, run.rules)
        results.append(
            CenterEvaluation(
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
        )
    CenterEvaluation.objects.bulk_create(results)
    run.computed_at = timezone.now()
    run.save()


def run_evaluation(fiscal_year: FiscalYear, user) -> EvaluationRun:
    """Compute the year's draft evaluation (again) under the latest rules."""
    _require(user, {"agency_admin"}, _("Only the Agency runs the evaluation."))
    latest = fiscal_year.evaluation_runs.order_by("-version").first()
    if latest is not None and latest.is_final:
        _refuse(
            user,
            _("The evaluation of %(year)s is finalised; start a correction to change it.")
            % {"year": fiscal_year},
            action="run",
            run=latest,
        )
    with transaction.atomic():
        rules = current_rules(fiscal_year, user)
        if latest is None:
            latest = EvaluationRun.objects.create(
                fiscal_year=fiscal_year, version=1, rules=rules, created_by=user
            )
        else:
            latest = EvaluationRun.objects.select_for_update(of=("self",)).get(pk=latest.pk)
            latest.rules = rules
        latest._history_user = user
        _compute(latest)
        EvaluationEvent.objects.create(run=latest, action="run", user=user)
    return latest


def start_correction(run: EvaluationRun, user, reason: str) -> EvaluationRun:
    """A new draft version of a finalised evaluation, recomputed; the old one is kept."""
    _require(user, {"agency_admin"}, _("Only the Agency corrects an evaluation."))
    if not reason.strip():
        raise StepError(_("A correction needs a reason."))
    if not run.is_final:
        raise StepError(_("Only a finalised evaluation is corrected; a draft is simply run again."))
    if run.fiscal_year.evaluation_runs.filter(version__gt=run.version).exists():
        raise StepError(_("This evaluation already has a newer version."))
    with transaction.atomic():
        correction = EvaluationRun.objects.create(
            fiscal_year=run.fiscal_year,
            version=run.version + 1,
            rules=run.rules,
            corrects=run,
            reason=reason,
            created_by=user,
        )
        _compute(correction)
        EvaluationEvent.objects.create(run=correction, action="correct", note=reason, user=user)
    return correction


def review(run: EvaluationRun, user, centers, comment: str = "") -> int:
    """The bureau's review of its centers' results; returns how many were marked."""
    _require(user, {"bureau_officer", "agency_admin"}, _("Only a bureau reviews its centers."))
    if run.is_final:
        _refuse(
            user,
            _("A finalised evaluation cannot be changed; start a correction."),
            action="review",
            run=run,
        )
    with transaction.atomic():
        results = CenterEvaluation.objects.for_user(user, "change").filter(
            run=run, center__in=centers
        )
        count = results.update(reviewed_by=user, reviewed_at=timezone.now(), review_comment=comment)
        EvaluationEvent.objects.create(
            run=run, action="review", note=f"{count}: {comment}".strip(), user=user
        )
    return count


def finalise(run: EvaluationRun, user) -> list[GuidancePlan]:
    """Finalise the run: locks it and its rules, and opens focused guidance where due."""
    _require(user, {"agency_admin"}, _("Only the Agency finalises the evaluation."))
    if run.is_final:
        raise StepError(_("This evaluation is already finalised."))
    pending = run.results.filter(reviewed_at__isnull=True).select_related("center")
    if pending.exists():
        names = "、".join(result.center.name for result in pending[:10])
        raise StepError(
            _("%(count)s centers are not yet reviewed by their bureau: %(names)s")
            % {"count": pending.count(), "names": names}
        )
    with transaction.atomic():
        locked = EvaluationRun.objects.select_for_update(of=("self",)).get(pk=run.pk)
        if locked.is_final:
            raise StepError(_("This evaluation is already finalised."))
        for target in (locked, run):
            target.status = RunStatus.FINALISED
            target.finalised_by, target.finalised_at = user, timezone.now()
        locked._history_user = user
        locked.save()  # allowed: the row is still a draft in the database
        plans = open_guidance(locked)
        EvaluationEvent.objects.create(run=run, action="finalise", user=user)
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


def _decided_message(allocation: BudgetAllocation) -> str:
    return _("The budget for %(year)s was decided on %(date)s; it can no longer change.") % {
        "year": allocation.fiscal_year,
        "date": timezone.localtime(allocation.decided_at).strftime("%Y-%m-%d"),
    }


def _refuse_if_decided(allocation, user, action: str) -> None:
    if allocation is not None and allocation.is_decided:
        _refuse(user, _decided_message(allocation), action=action, run=allocation.run)


def _lock_undecided(allocation: BudgetAllocation) -> BudgetAllocation:
    """The allocation, locked; refused if it was decided meanwhile (inside the transaction,
    so the refusal is not audited: the audited check ran just before)."""
    locked = BudgetAllocation.objects.select_for_update(of=("self",)).get(pk=allocation.pk)
    if locked.is_decided:
        raise FinalisedError(_decided_message(locked))
    return locked


def allocate_budget(run: EvaluationRun, user, envelope: int, bases: dict) -> BudgetAllocation:
    """Next year's allocation from a finalised evaluation; ``bases`` by center id."""
    _require(user, {"agency_admin"}, _("Only the Agency allocates the budget."))
    if not run.is_final:
        raise StepError(_("The budget follows a finalised evaluation; finalise it first."))
    next_year, _created = FiscalYear.objects.get_or_create(year=run.fiscal_year.year + 1)
    existing = BudgetAllocation.objects.filter(fiscal_year=next_year).first()
    _refuse_if_decided(existing, user, "allocate_budget")
    with transaction.atomic():
        if existing is not None:
            _lock_undecided(existing)
        allocation, _new = BudgetAllocation.objects.update_or_create(
            fiscal_year=next_year,
            defaults={"run": run, "envelope": envelope, "created_by": user},
        )
        kept = {line.center_id: line for line in allocation.lines.all()}
        for result in run.results.select_related("center"):
            line = kept.get(result.center_id) or BudgetLine(
                allocation=allocation, center=result.center
            )
            line.base = bases[result.center_id]
            line.grade = result.grade
            line.factor = run.rules.factor(result.grade)
            line.amount = 0
            line._history_user = user
            line.save()
        _lines_for(allocation)
    return allocation


def adjust_line(line: BudgetLine, user, amount: int | None, reason: str) -> BudgetAllocation:
    """Set (or, with ``None``, clear) a manual amount; the other lines absorb the difference."""
    _require(user, {"agency_admin"}, _("Only the Agency adjusts the budget."))
    if amount is not None and not reason.strip():
        raise StepError(_("A manual adjustment needs a written reason."))
    _refuse_if_decided(line.allocation, user, "adjust_budget")
    with transaction.atomic():
        _lock_undecided(line.allocation)
        line.adjusted_amount = amount
        line.adjustment_reason = reason if amount is not None else ""
        line._history_user = user
        line.save()
        _lines_for(line.allocation)  # raises AllocationError, rolling the change back
    return line.allocation


def decide_budget(allocation: BudgetAllocation, user) -> BudgetAllocation:
    """Decide the budget: the bureaus and centers see it from now on, and it is final."""
    _require(user, {"agency_admin"}, _("Only the Agency decides the budget."))
    if allocation.is_decided:
        raise StepError(_("This budget is already decided."))
    with transaction.atomic():
        locked = _lock_undecided(allocation)
        total = locked.lines.aggregate(total=Sum("amount"))["total"] or 0
        if total != locked.envelope:  # the workflow keeps them equal; a hand edit may not
            raise StepError(
                _("The lines add up to %(total)s yen, not to the envelope of %(envelope)s yen.")
                % {"total": f"{total:,}", "envelope": f"{locked.envelope:,}"}
            )
        locked.decided_at, locked.decided_by = timezone.now(), user
        locked._history_user = user
        locked.save()
        EvaluationEvent.objects.create(run=locked.run, action="decide_budget", user=user)
    return locked


# --- Guidance ---------------------------------------------------------------------------


def open_guidance_for(user):
    """Open guidance plans in the user's scope, for the dashboards."""
    return GuidancePlan.objects.for_user(user).open().select_related("center", "fiscal_year")


def open_actions_at(center: Center):
    """The open guidance actions of a center: what every HQ visit to it follows up."""
    from .models import ActionStatus, GuidanceAction

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
