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

from consultations.indicators import STANDARD, Period, compute, fiscal_year_of
from core.workflow import StepRefused
from organizations.models import Assignment, Center, Person, Role

from .models import Term


def fiscal_year_end(day: datetime.date) -> datetime.date:
    """The 31 March that closes the fiscal year of ``day``."""
    return datetime.date(fiscal_year_of(day) + 1, 3, 31)


def term_problems(start: datetime.date | None, end: datetime.date | None) -> dict[str, str]:
    """Problems with a term's dates, by field: terms run by fiscal year."""
    problems = {}
    if start and end and end <= start:
        problems["end"] = _("The term must end after it starts.")
    elif end and (end.month, end.day) != (3, 31):
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

    ``grade`` is left for the year-end evaluation to fill in where it exists.
    """

    fiscal_year: int
    label: str
    as_of: datetime.date
    complete: bool
    items: list = field(default_factory=list)  # planning.progress.Progress
    grade: str | None = None


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
    """The center's results in each fiscal year of a term, up to today.

    Each year counts in full (its targets are for the whole year), up to the
    earlier of its end and today; targets come from the confirmed plan, figures
    from the indicator engine, through the same function as the progress dashboards.
    """
    from planning.models import FiscalYear
    from planning.progress import NO_TARGET, Progress, center_progress

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
        as_of = min(period.end, today)
        if year in known:
            items = center_progress(fiscal_year=known[year], centers=scope, as_of=as_of)[0].items
        else:  # no fiscal year set up (so no plan): the figures alone
            actual = compute(STANDARD, period=Period(period.start, as_of), centers=scope)
            items = [
                Progress(
                    code=i.code,
                    label=str(i.label),
                    target=None,
                    actual=actual.get(i.code, 0),
                    share=1.0,
                    projected=None,
                    status=NO_TARGET,
                )
                for i in STANDARD
            ]
        results.append(
            YearResult(
                fiscal_year=year,
                label=period.label,
                as_of=as_of,
                complete=as_of >= period.end,
                items=items,
                grade=grades.get(year),
            )
        )
    return results
