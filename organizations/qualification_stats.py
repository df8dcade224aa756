"""The qualification table of the source document (保有資格), computed from staff records."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q

from .models import Assignment, Qualification, Role, active_on


@dataclass
class QualificationRow:
    qualification: Qualification
    chief_coordinators: int
    coordinators: int


def qualification_table(*, centers, as_of: datetime.date) -> tuple[list[QualificationRow], dict]:
    """Per qualification, how many chief coordinators and coordinators hold it.

    ``centers`` is a Center queryset (already within the viewer's scope). A person
    counts once per column whatever the number of their assignments; a person
    holding several qualifications counts under each, as in the source table.
    """

    def holders(role):
        return Count(
            "holders",
            filter=active_on(as_of, prefix="holders__assignments__")
            & Q(holders__assignments__role=role, holders__assignments__center__in=centers),
            distinct=True,
        )

    rows = Qualification.objects.annotate(
        chief=holders(Role.CHIEF_COORDINATOR), coord=holders(Role.COORDINATOR)
    ).order_by("order", "id")
    table = [QualificationRow(q, q.chief, q.coord) for q in rows]

    staff = Assignment.objects.filter(active_on(as_of), center__in=centers).aggregate(
        chief=Count("person", filter=Q(role=Role.CHIEF_COORDINATOR), distinct=True),
        coord=Count("person", filter=Q(role=Role.COORDINATOR), distinct=True),
    )
    return table, staff
