"""Terms of office: what a nomination or an appointment writes to the staff records, and the
center's results during a term (shown beside a renewal candidate).

A term runs by fiscal year: it ends on the 31 March closing one. A chief
coordinator's nomination closes the previous holder's assignment the day before
the new term starts, or, when the nominee already holds the office, extends
their assignment to the new end. These functions run inside the caller's
transaction and raise ``StepRefused`` for anything the staff records cannot take.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils.translation import gettext as _

from consultations.indicators import STANDARD, compute, priority_indicator
from core.fiscal import Period, fiscal_year_of
from core.workflow import StepRefused
from organizations.models import Assignment, Center, Person, Role

from .models import Term


def term_problems(start: datetime.date | None, end: datetime.date | None) -> dict[str, str]:
    """Problems with a term's dates, by field: terms run by fiscal year."""
    problems = {}
    if start and end and end <= start:
        problems["end"] = _("The term must end after it starts.")
    elif end and end != Period.fiscal_year(fiscal_year_of(end)).end:
        problems["end"] = _("A term ends on the 31 March that closes a fiscal year.")
    return problems


def _save(obj, user):
    obj._history_user = user
    obj.save()


def current_chief(center: Center, on: datetime.date | None = None) -> Assignment | None:
    """The chief coordinator's assignment at ``center`` on a day (today by default)."""
    on = on or datetime.date.today()
    return (
        Assignment.objects.filter(center=center, role=Role.CHIEF_COORDINATOR)
        .active_on(on)
        .select_related("person")
        .order_by("-start_date")
        .first()
    )


def appoint_chief(*, center: Center, person: Person, start, end, user, selection_round) -> Term:
    """Make ``person`` the chief coordinator of ``center`` from ``start`` to ``end``.

    The holder whose assignment runs into the new term has it closed the day before
    ``start``; if that holder is ``person`` (a renewal), the assignment is extended
    instead. Either way the new term is recorded, pointing at the assignment.
    """
    problems = term_problems(start, end)
    if problems:
        raise StepRefused(" ".join(problems.values()))
    day_before = start - datetime.timedelta(days=1)
    chiefs = Assignment.objects.select_for_update(of=("self",)).filter(
        center=center, role=Role.CHIEF_COORDINATOR
    )
    later = chiefs.filter(start_date__gte=start)
    if later.exists():
        holder = later.select_related("person").first()
        raise StepRefused(
            _("%(name)s's term as chief coordinator already starts on %(date)s; change it first.")
            % {"name": holder.person.name, "date": holder.start_date.isoformat()}
        )
    # Assignments still running on the day before the new term (or later).
    running = chiefs.filter(Q(end_date__isnull=True) | Q(end_date__gte=day_before))
    extended = None
    for assignment in running.select_related("person"):
        if assignment.person_id == person.pk:
            assignment.end_date = end
            extended = assignment
        else:
            assignment.end_date = day_before
        _save(assignment, user)
        # Its terms so far (a round's, or the roster's without an end) end before the new one.
        for term in Term.objects.filter(assignment=assignment).filter(
            Q(end_date__isnull=True) | Q(end_date__gt=day_before)
        ):
            term.end_date = day_before
            _save(term, user)
    assignment = extended or Assignment(
        person=person, center=center, role=Role.CHIEF_COORDINATOR, start_date=start, end_date=end
    )
    if extended is None:
        _save(assignment, user)
    previous = (
        Term.objects.filter(assignment=assignment, end_date__lt=start).order_by("-end_date").first()
        if extended
        else None
    )
    term = Term(
        center=center,
        person=person,
        role=Role.CHIEF_COORDINATOR,
        start_date=start,
        end_date=end,
        assignment=assignment,
        selection_round=selection_round,
        renews=previous,
        created_by=user,
    )
    _save(term, user)
    return term


def undo_chief(term: Term, *, user) -> None:
    """Take back what a nomination wrote: its term goes, and its assignment with it, or,
    for a renewal that extended the holder's assignment, that assignment ends again where
    the term being renewed ended (the day before the term). Used by a corrected decision."""
    assignment = term.assignment
    term._history_user = user
    term.delete()
    if assignment is None:
        return
    if assignment.start_date < term.start_date:
        assignment.end_date = term.start_date - datetime.timedelta(days=1)
        _save(assignment, user)
    else:
        assignment._history_user = user
        assignment.delete()


def follow_correction(selection_round, *, person: Person | None, end, user) -> Term | None:
    """The chief coordinator's term after a corrected decision: the same holder keeps the
    term with its new end; another holder (or none) replaces it."""
    problems = term_problems(selection_round.term_start, end)
    if problems:
        raise StepRefused(" ".join(problems.values()))
    term = (
        Term.objects.select_for_update(of=("self",))
        .filter(selection_round=selection_round, role=Role.CHIEF_COORDINATOR)
        .select_related("assignment")
        .first()
    )
    if term is not None and person is not None and term.person_id == person.pk:
        later = Term.objects.filter(
            center=term.center, role=Role.CHIEF_COORDINATOR, start_date__gt=term.start_date
        ).first()
        if later is not None and later.start_date <= end:
            raise StepRefused(
                _(
                    "%(name)s's term as chief coordinator already starts on %(date)s; change it first."
                )
                % {"name": later.person.name, "date": later.start_date.isoformat()}
            )
        term.end_date = end
        _save(term, user)
        if term.assignment is not None:
            term.assignment.end_date = end
            _save(term.assignment, user)
        return term
    if term is not None:
        undo_chief(term, user=user)
    if person is None:
        return None
    return appoint_chief(
        center=selection_round.center,
        person=person,
        start=selection_round.term_start,
        end=end,
        user=user,
        selection_round=selection_round,
    )


def roster_term(assignment: Assignment, *, user, save=None) -> Term | None:
    """The term of a chief coordinator recorded by the roster import: every chief
    coordinator's term is listed with the others, whatever wrote it. Kept equal to its
    assignment's dates; a term a round or an appointment wrote is left to them."""
    if assignment.role != Role.CHIEF_COORDINATOR or assignment.center_id is None:
        return None
    terms = Term.objects.filter(assignment=assignment)
    if terms.filter(Q(selection_round__isnull=False) | Q(appointment__isnull=False)).exists():
        return None
    term = terms.first() or Term(
        center_id=assignment.center_id,
        person_id=assignment.person_id,
        role=Role.CHIEF_COORDINATOR,
        assignment=assignment,
        created_by=user,
    )
    if term.pk and (term.start_date, term.end_date) == (assignment.start_date, assignment.end_date):
        return term
    term.start_date, term.end_date = assignment.start_date, assignment.end_date
    if save is not None:  # an import's own save (its batch's history stamp)
        save(term)
    else:
        _save(term, user)
    return term


def backfill_roster_terms(*, user=None) -> int:
    """A term for every chief coordinator's assignment that has none (written before the
    system, or by the demo data): how many were added."""
    missing = Assignment.objects.filter(
        role=Role.CHIEF_COORDINATOR, center__isnull=False, terms__isnull=True
    )
    added = 0
    for assignment in missing:
        added += roster_term(assignment, user=user) is not None
    return added


def already_coordinator(person: Person, center: Center, start, end) -> bool:
    """Whether ``person`` is a coordinator at ``center`` at some point between the dates."""
    return (
        Assignment.objects.filter(
            person=person, center=center, role=Role.COORDINATOR, start_date__lte=end
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .exists()
    )


def appoint_coordinator(*, appointment, person: Person, user) -> Term:
    """Create the coordinator's assignment and term at the appointment's center."""
    if already_coordinator(
        person, appointment.center, appointment.start_date, appointment.end_date
    ):
        raise StepRefused(
            _("%(name)s is already a coordinator at this center during that period.")
            % {"name": person.name}
        )
    assignment = Assignment(
        person=person,
        center=appointment.center,
        role=Role.COORDINATOR,
        start_date=appointment.start_date,
        end_date=appointment.end_date,
    )
    _save(assignment, user)
    term = Term(
        center=appointment.center,
        person=person,
        role=Role.COORDINATOR,
        start_date=appointment.start_date,
        end_date=appointment.end_date,
        assignment=assignment,
        appointment=appointment,
        created_by=user,
    )
    _save(term, user)
    return term


@dataclass
class YearResult:
    """A fiscal year of a term: the center's indicator results against its confirmed targets.

    A year the term covers in part counts the records of that part only (``start`` to
    ``as_of``), against the targets pro rata by days (``share_of_year``).
    ``grade`` is left for the year-end evaluation to fill in where it exists.
    """

    fiscal_year: int
    label: str
    as_of: datetime.date
    complete: bool
    items: list = field(default_factory=list)  # planning.progress.Progress
    grade: str | None = None
    start: datetime.date | None = None
    share_of_year: float = 1.0

    @property
    def partial(self) -> bool:
        return self.share_of_year < 1


def results_table(years: list[YearResult]) -> list[tuple[str, list]]:
    """The years side by side: one row per indicator (priority fields vary by year), with
    that year's item, or None, in each column."""
    labels = {}
    for year in years:
        for item in year.items:
            labels.setdefault(item.code, item.label)
    by_year = [{item.code: item for item in year.items} for year in years]
    return [(label, [items.get(code) for items in by_year]) for code, label in labels.items()]


def final_grades(center: Center, years) -> dict[int, str]:
    """The center's grade in the latest finalised evaluation of each of ``years``."""
    from evaluation.models import CenterEvaluation, RunStatus

    results = (
        CenterEvaluation.objects.filter(
            center=center, run__status=RunStatus.FINALISED, run__fiscal_year__year__in=list(years)
        )
        .order_by("run__fiscal_year__year", "run__version")
        .values_list("run__fiscal_year__year", "grade")
    )
    return dict(results)  # later versions (corrections) overwrite earlier ones


def term_results(center: Center, start: datetime.date, end: datetime.date | None = None):
    """The center's results during a term: each fiscal year of it, up to today.

    A year inside the term counts in full, through the same function as the progress
    dashboards. A year the term covers in part counts only the records of its days inside
    the term, against the confirmed plan's targets pro rata by those days (a term from
    1 October has half of each yearly target that year): "results during the term".
    """
    from planning.models import FiscalYear

    today = datetime.date.today()
    last = min(end or today, today)
    if last < start:
        return []
    years = range(fiscal_year_of(start), fiscal_year_of(last) + 1)
    known = {fy.year: fy for fy in FiscalYear.objects.filter(year__in=list(years))}
    scope = Center.objects.filter(pk=center.pk)
    grades = final_grades(center, years)
    results = []
    for year in years:
        period = Period.fiscal_year(year)
        first, final = max(period.start, start), min(period.end, end or period.end)
        as_of = min(final, today)
        share = ((final - first).days + 1) / ((period.end - period.start).days + 1)
        items = _year_items(known.get(year), scope, Period(first, as_of), share)
        results.append(
            YearResult(
                fiscal_year=year,
                label=period.label,
                as_of=as_of,
                complete=as_of >= final,
                items=items,
                grade=grades.get(year) if share == 1 else None,
                start=first,
                share_of_year=share,
            )
        )
    return results


def _year_items(fiscal_year, scope, part: Period, share: float) -> list:
    from planning.models import BusinessPlan, PlanStatus
    from planning.progress import NO_TARGET, Progress, center_progress, status_of

    # A whole year: as the progress dashboards show it.
    if fiscal_year is not None and share == 1:
        return center_progress(fiscal_year=fiscal_year, centers=scope, as_of=part.end)[0].items
    plan = (
        BusinessPlan.objects.filter(
            fiscal_year=fiscal_year, center__in=scope, status=PlanStatus.CONFIRMED
        )
        .prefetch_related("targets", "priorities__priority_field")
        .first()
        if fiscal_year is not None
        else None
    )
    indicators = list(STANDARD)
    targets = {}
    if plan is not None:
        for indicator in STANDARD:
            targets[indicator.code] = plan.target_for(indicator.code)
        for priority in plan.priorities.all():
            indicator = priority_indicator(priority.priority_field, priority.metric)
            indicators.append(indicator)
            targets[indicator.code] = priority.target
    actual = compute(indicators, period=part, centers=scope)
    items = []
    for indicator in indicators:
        full = targets.get(indicator.code)
        target = None if full is None else round(full * share)
        value = actual.get(indicator.code, 0)
        items.append(
            Progress(
                code=indicator.code,
                label=str(indicator.label),
                target=target,
                actual=value,
                share=1.0,
                projected=None,
                status=NO_TARGET
                if target is None
                else status_of(target=target, projected=value, share=1.0, margin=0),
            )
        )
    return items
