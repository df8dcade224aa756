"""Which HQ experts look after which centers: project managers are given whole regions
(a bureau's centers) or single centers; the scope of an HQ expert is exactly that."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q

from core import roles
from core.scoping import role_of
from organizations.models import Center

ASSIGNERS = roles.NATIONAL


@transaction.atomic
def assign_centers(expert, *, user, bureaus=(), centers=(), replace: bool = False) -> int:
    """Add the centers of ``bureaus`` and ``centers`` to the expert's (or replace them);
    returns how many centers the expert looks after now. The change is in the account's history."""
    if role_of(user) not in ASSIGNERS or expert.role != roles.HQ_EXPERT:
        raise PermissionDenied("Only the Agency administrator and HQ staff assign HQ experts.")
    wanted = set(
        Center.objects.filter(
            Q(prefecture__bureau__in=list(bureaus)) | Q(pk__in=[c.pk for c in centers])
        ).values_list("pk", flat=True)
    )
    expert._history_user = user
    if replace:
        expert.assigned_centers.set(wanted)
    else:
        expert.assigned_centers.add(*wanted)
    return expert.assigned_centers.count()
