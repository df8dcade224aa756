"""Training: registration and attendance, a person's history, the share of each center's
staff trained in a fiscal year, and the events held against the plan.

Coverage (研修受講率) of a center = people with a current assignment at the center on
the reference date who attended at least one training event of the fiscal year (up
to that date), divided by all of those people. It is counted in the database.
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import roles
from core.fiscal import Period
from core.scoping import CHANGE, role_of
from core.workflow import Step, StepRefused, Workflow
from core.workflow import register as register_workflow
from organizations.models import CENTER_ROLES, Assignment, Person, TrainingBlock, active_on

from .models import (
    TRAINING_PLAN,
    AttendanceStatus,
    TrainingEvent,
    TrainingKind,
    TrainingRegistration,
)


def _organisers(registration) -> list:
    from accounts.models import User

    return User.objects.filter(role__in=roles.TRAINING_ORGANISERS, is_active=True)


REGISTRATION = register_workflow(
    Workflow(
        name="support.training_registration",
        label=gettext_lazy("Training registration"),
        model=TrainingRegistration,
        states=AttendanceStatus.choices,
        steps=[
            Step(
                "register",
                gettext_lazy("Register for the training"),
                frozenset(),
                AttendanceStatus.REGISTERED,
                roles.TRAINING_ORGANISERS | roles.CENTER,
                notify=_organisers,
            ),
            Step(
                "attend",
                gettext_lazy("Record as attended"),
                frozenset({AttendanceStatus.REGISTERED, AttendanceStatus.ABSENT}),
                AttendanceStatus.ATTENDED,
                roles.TRAINING_ORGANISERS,
            ),
            Step(
                "absent",
                gettext_lazy("Record as absent"),
                frozenset({AttendanceStatus.REGISTERED, AttendanceStatus.ATTENDED}),
                AttendanceStatus.ABSENT,
                roles.TRAINING_ORGANISERS,
            ),
            Step(
                "reset",
                gettext_lazy("Back to registered"),
                frozenset({AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT}),
                AttendanceStatus.REGISTERED,
                roles.TRAINING_ORGANISERS,
            ),
        ],
    )
)


def reference_date(fiscal_year: int, as_of: datetime.date | None = None) -> datetime.date:
    """``as_of`` (default today) kept inside the fiscal year."""
    period = Period.fiscal_year(fiscal_year)
    day = as_of or datetime.date.today()
    return min(max(day, period.start), period.end)


def centers_on(people_ids, day_of) -> dict:
    """``{(person_id, day): center_id}`` for the days asked, from one query of assignments."""
    by_person: dict[int, list[Assignment]] = {}
    for a in Assignment.objects.filter(
        person_id__in=set(people_ids), center__isnull=False
    ).order_by("-start_date"):
        by_person.setdefault(a.person_id, []).append(a)
    found = {}
    for person_id, day in day_of:
        for a in by_person.get(person_id, []):
            if a.start_date <= day and (a.end_date is None or a.end_date >= day):
                found[(person_id, day)] = a.center_id
                break
    return found


@transaction.atomic
def register(event: TrainingEvent, *, user, people) -> int:
    """Register people for an event; returns how many were added (those already
    registered are left alone). HQ registers anyone; a center manager registers the
    current staff of the center, until the event starts."""
    role = role_of(user)
    REGISTRATION.check_role("register", user)
    event = TrainingEvent.objects.select_for_update(of=("self",)).get(pk=event.pk)
    people = list(people)
    if role not in roles.TRAINING_ORGANISERS:
        if event.start_date <= datetime.date.today():
            raise StepRefused(_("Registration is closed: the event has started."))
        mine = set(
            Person.objects.for_user(user, CHANGE)
            .filter(pk__in=[p.pk for p in people])
            .values_list("pk", flat=True)
        )
        outside = [p for p in people if p.pk not in mine]
        if outside:
            raise StepRefused(
                _("You can register only the current staff of your center: %(names)s.")
                % {"names": "、".join(p.staff_code for p in outside)}
            )
    already = set(event.registrations.values_list("person_id", flat=True))
    new = [p for p in people if p.pk not in already]
    taken = len(already)
    if taken + len(new) > event.capacity:
        raise StepRefused(
            _("The event has %(left)s places left; you asked for %(count)s.")
            % {"left": f"{max(event.capacity - taken, 0):,}", "count": f"{len(new):,}"}
        )
    centers = centers_on([p.pk for p in new], [(p.pk, event.start_date) for p in new])
    for person in new:
        registration = TrainingRegistration(
            event=event,
            person=person,
            center_id=centers.get((person.pk, event.start_date)),
            registered_by=user,
        )
        REGISTRATION.created(registration, "register", user=user)
    return len(new)


@transaction.atomic
def record_attendance(event: TrainingEvent, *, user, statuses: dict[int, str]) -> int:
    """Set the attendance of the event's registrations (``{registration id: status}``);
    returns how many changed. HQ records attendance, each change a step."""
    REGISTRATION.check_role("attend", user)
    if any(status not in AttendanceStatus.values for status in statuses.values()):
        raise StepRefused(_("Choose registered, attended or absent."))
    changed = 0
    for registration in event.registrations.filter(pk__in=list(statuses)).order_by("pk"):
        wanted = statuses[registration.pk]
        if registration.status != wanted:
            REGISTRATION.move(registration, wanted, user=user)
            changed += 1
    return changed


def person_history(person: Person):
    """Every training a person registered for, oldest first."""
    return (
        TrainingRegistration.objects.filter(person=person)
        .select_related("event__block", "center")
        .order_by("event__start_date", "event__code")
    )


def _count_people(assignments):
    """Distinct people of an assignment subquery (correlated on the outer center)."""
    counted = (
        assignments.order_by()
        .values("center")
        .annotate(n=Count("person", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def coverage(centers, *, fiscal_year: int, as_of: datetime.date | None = None):
    """``centers`` annotated with ``staff_count`` and ``trained_count`` (see the module doc)."""
    period = Period.fiscal_year(fiscal_year)
    day = reference_date(fiscal_year, as_of)
    staff = Assignment.objects.filter(
        active_on(day), center=OuterRef("pk"), role__in=list(CENTER_ROLES)
    )
    attended = TrainingRegistration.objects.filter(
        person=OuterRef("person"),
        status=AttendanceStatus.ATTENDED,
        event__start_date__gte=period.start,
        event__start_date__lte=day,
    )
    return centers.annotate(
        staff_count=_count_people(staff),
        trained_count=_count_people(staff.filter(Exists(attended))),
    )


@dataclass
class PlanRow:
    label: str
    planned: int
    scheduled: int
    held: int

    @property
    def short(self) -> int:
        return max(self.planned - self.held, 0)


def events_against_plan(fiscal_year: int, as_of: datetime.date | None = None) -> list[PlanRow]:
    """National training, then each block: events planned (two a year), scheduled in the
    fiscal year, and held (ended by the reference date)."""
    period = Period.fiscal_year(fiscal_year)
    day = reference_date(fiscal_year, as_of)
    in_year = Q(start_date__gte=period.start, start_date__lte=period.end)
    national = TrainingEvent.objects.filter(in_year, kind=TrainingKind.NATIONAL).aggregate(
        scheduled=Count("pk"), held=Count("pk", filter=Q(end_date__lte=day))
    )
    rows = [
        PlanRow(
            str(TrainingKind.NATIONAL.label),
            TRAINING_PLAN[TrainingKind.NATIONAL],
            national["scheduled"],
            national["held"],
        )
    ]
    block_events = Q(
        training_events__kind=TrainingKind.BLOCK,
        training_events__start_date__gte=period.start,
        training_events__start_date__lte=period.end,
    )
    blocks = TrainingBlock.objects.annotate(
        scheduled=Count("training_events", filter=block_events),
        held=Count("training_events", filter=block_events & Q(training_events__end_date__lte=day)),
    ).order_by("order", "pk")
    rows += [
        PlanRow(b.name, TRAINING_PLAN[TrainingKind.BLOCK], b.scheduled, b.held) for b in blocks
    ]
    return rows
