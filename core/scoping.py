"""The one place that decides which records a user may see and change.

Every center-owned model's queryset derives from ``ScopedQuerySet`` and names the
lookup from the model to its center. Views, exports and imports call
``Model.objects.for_user(user, action)``; nothing else filters by scope.
"""

from django.apps import apps
from django.db import models

from core import roles as r

# Roles whose scope is the whole nation (domain brief §6).
NATIONAL_ROLES = r.NATIONAL
VIEW = "view"
CHANGE = "change"


def role_of(user) -> str:
    if not user.is_authenticated:
        return ""
    if user.is_superuser:
        return r.AGENCY_ADMIN
    return user.role or ""


def is_national(user) -> bool:
    return role_of(user) in NATIONAL_ROLES


def users_for_center(center, roles) -> models.QuerySet:
    """The active users of ``roles`` whose scope includes ``center``: whom a step on one of
    the center's records may tell (and nobody outside the record's scope)."""
    roles = frozenset(roles)
    wanted = models.Q(role__in=roles & r.NATIONAL)
    if r.BUREAU_OFFICER in roles:
        wanted |= models.Q(role=r.BUREAU_OFFICER, bureau_id=center.prefecture.bureau_id)
    if r.HQ_EXPERT in roles:
        wanted |= models.Q(role=r.HQ_EXPERT, assigned_centers=center)
    wanted |= models.Q(role__in=roles & r.CENTER_STAFF, center=center)
    if r.IMPLEMENTING_BODY in roles:
        wanted |= models.Q(
            role=r.IMPLEMENTING_BODY, implementing_body_id=center.implementing_body_id
        )
    user_model = apps.get_model("accounts", "User")
    return user_model.objects.filter(wanted, is_active=True).distinct()


def board_members() -> models.QuerySet:
    """The active accounts of the advisory board's sitting members: a board member's
    account whose staff record has a current advisory-board assignment."""
    person_model = apps.get_model("organizations", "Person")
    user_model = apps.get_model("accounts", "User")
    return user_model.objects.filter(
        role__in=r.BOARD, is_active=True, person__in=person_model.objects.advisory_board()
    )


def sits_on_board(user) -> bool:
    """Whether ``user`` may act for the advisory board now (its steps check this)."""
    return role_of(user) in r.BOARD and board_members().filter(pk=user.pk).exists()


def scope_centers(user) -> models.QuerySet:
    """Centers within the user's scope, as a queryset usable in a subquery."""
    center_model = apps.get_model("organizations", "Center")
    ids = scope_center_ids(user)
    return center_model.objects.all() if ids is None else center_model.objects.filter(pk__in=ids)


def scope_center_ids(user) -> list[int] | None:
    """The ids of the centers within the user's scope; None for the whole nation.

    A list of ids rather than a subquery, so that the planner knows how many
    centers a filter names (a bureau's subquery through its prefectures was taken
    for 2 centers instead of 11, and a month of the bureau's sessions was joined
    and sorted whole). Kept on the user object for the request, keyed by what
    decides it; an HQ expert's assignments are read every time."""
    role = role_of(user)
    if role in NATIONAL_ROLES:
        return None
    center_model = apps.get_model("organizations", "Center")
    if role == r.HQ_EXPERT:
        return list(user.assigned_centers.values_list("pk", flat=True))
    key = (role, getattr(user, "center_id", None), getattr(user, "bureau_id", None))
    cached = getattr(user, "_scope_center_ids", None)
    if cached and cached[0] == key:
        return cached[1]
    ids = []
    if role == r.BUREAU_OFFICER and user.bureau_id:
        ids = list(
            center_model.objects.filter(prefecture__bureau_id=user.bureau_id).values_list(
                "pk", flat=True
            )
        )
    elif role in r.CENTER_STAFF and user.center_id:
        ids = [user.center_id]
    user._scope_center_ids = (key, ids)
    return ids


def body_center_ids(user) -> list[int]:
    """The centers the implementing body of ``user`` runs (none for any other role).

    Not part of ``scope_center_ids``: the body reads only ``roles.BODY_READS`` of them, so
    a queryset that filters by the scope alone (clients, sessions) keeps it out."""
    if role_of(user) != r.IMPLEMENTING_BODY or not user.implementing_body_id:
        return []
    center_model = apps.get_model("organizations", "Center")
    return list(
        center_model.objects.filter(implementing_body_id=user.implementing_body_id).values_list(
            "pk", flat=True
        )
    )


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows how to restrict itself to a user's scope.

    ``center_lookup`` is the path from the model to its center's primary key;
    ``editor_roles`` are the roles that may change records (within their scope).
    """

    center_lookup: str = "center"
    editor_roles: frozenset[str] = r.AGENCY

    def for_user(self, user, action: str = VIEW):
        role = role_of(user)
        if not role:
            return self.none()
        if action == CHANGE and role not in self.editor_roles:
            return self.none()
        if role in NATIONAL_ROLES:
            return self
        centers = scope_center_ids(user)
        if role == r.IMPLEMENTING_BODY:
            centers = body_center_ids(user) if self.model._meta.label in r.BODY_READS else []
        if "__" in self.center_lookup:
            # A multi-valued path (e.g. a person's assignments): filter by a subquery
            # so the rows are not duplicated.
            inner = self.model._base_manager.filter(**{f"{self.center_lookup}__in": centers})
            return self.filter(pk__in=inner.values("pk"))
        return self.filter(**{f"{self.center_lookup}__in": centers})


def may_edit(user, model) -> bool:
    """Whether the user's role may change records of ``model`` at all (scope aside)."""
    return role_of(user) in model.objects.none().editor_roles


def scope_rule(description: str):
    """Declare how a view that is not a scoped model view limits what it shows.

    The generated authorization test requires every view to be either a scoped
    model view or to carry such a declaration (and its own scoping test).
    """

    def decorate(view):
        view.scope_rule = description
        return view

    return decorate


def centers_editable_for(user, model) -> models.QuerySet:
    """Centers in which the user may create or change records of ``model``."""
    if may_edit(user, model):
        return scope_centers(user)
    return apps.get_model("organizations", "Center").objects.none()


class NationalQuerySet(ScopedQuerySet):
    """Records that belong to the whole network (a fiscal year, the activity policy):
    every role reads them, only ``editor_roles`` change them."""

    def for_user(self, user, action: str = VIEW):
        role = role_of(user)
        if not role or (action == CHANGE and role not in self.editor_roles):
            return self.none()
        return self
