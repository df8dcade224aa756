"""What every home page is built from: panels and inbox kinds, each app registering its own.

An app registers, from its ``AppConfig.ready`` (usually by importing its ``inbox.py``):

- ``Panel``: a block of the home page for some roles (a template and the context it needs);
- ``InboxKind``: one kind of thing waiting for a user (やること), as a scoped queryset.

The ``home`` app renders them; ``accounts`` and ``core`` know nothing of any app's page.

The inbox stays cheap on a ten-year database: per kind one count query and one query for
the first rows (with their related rows joined), never a query per item, and every kind
reads workflow records (plans, follow-ups, requests…), never the consultation sessions.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet

from core.scoping import role_of


@dataclass(frozen=True)
class Panel:
    """A block of the home page: ``context(request)`` returns its context (None: hidden)."""

    name: str
    template: str
    roles: frozenset
    context: Callable[[object], dict | None] = lambda request: {}
    order: int = 50


@dataclass(frozen=True)
class InboxKind:
    """One kind of inbox item.

    ``queryset(user, today)``: the records waiting for ``user`` (already in their scope:
    built on the model's ``for_user``). ``due_field``: the date the item is due by (a
    lookup path; None: no date). ``url(obj)``: where the action is taken. ``title(obj)``:
    the item's line. ``related``: joined in the one list query.
    """

    name: str
    label: str
    action: str
    roles: frozenset
    queryset: Callable[[object, datetime.date], QuerySet]
    url: Callable[[object], str]
    title: Callable[[object], str] = str
    due_field: str | None = None
    related: tuple = ()
    order: int = 50


@dataclass
class Item:
    kind: InboxKind
    obj: object
    title: str
    url: str
    due: datetime.date | None
    overdue: bool


@dataclass
class Group:
    kind: InboxKind
    count: int
    overdue: int
    items: list = field(default_factory=list)


panels: list[Panel] = []
kinds: list[InboxKind] = []


def register_panel(panel: Panel) -> Panel:
    if all(p.name != panel.name for p in panels):
        panels.append(panel)
    return panel


def register_kind(kind: InboxKind) -> InboxKind:
    if all(k.name != kind.name for k in kinds):
        kinds.append(kind)
    return kind


def panels_for(request) -> list[tuple[Panel, dict]]:
    role = role_of(request.user)
    shown = []
    for panel in sorted(panels, key=lambda p: p.order):
        if role in panel.roles:
            context = panel.context(request)
            if context is not None:
                shown.append((panel, context))
    return shown


def kinds_for(user) -> list[InboxKind]:
    role = role_of(user)
    return [k for k in sorted(kinds, key=lambda k: k.order) if role in k.roles]


def _due(obj, path: str | None):
    if path is None:
        return None
    value = obj
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


def inbox(user, *, today: datetime.date | None = None, limit: int = 10) -> list[Group]:
    """The groups of items waiting for ``user``, each with its count and first items.

    Within a kind the items come by due date (no date last); ``items(groups)`` merges them
    with the overdue ones first.
    """
    today = today or datetime.date.today()
    groups = []
    for kind in kinds_for(user):
        queryset = kind.queryset(user, today)
        if kind.related:
            queryset = queryset.select_related(*kind.related)
        # One query counts the kind and its overdue items; one more reads the first rows.
        late = Q(**{f"{kind.due_field}__lt": today}) if kind.due_field else Q(pk__in=[])
        counts = queryset.order_by().aggregate(count=Count("pk"), overdue=Count("pk", filter=late))
        if not counts["count"]:
            continue
        if kind.due_field:
            queryset = queryset.order_by(F(kind.due_field).asc(nulls_last=True), "pk")
        group = Group(kind, counts["count"], counts["overdue"])
        for obj in queryset[:limit]:
            due = _due(obj, kind.due_field)
            group.items.append(
                Item(
                    kind, obj, kind.title(obj), kind.url(obj), due, due is not None and due < today
                )
            )
        groups.append(group)
    return groups


def items(groups: list[Group]) -> list[Item]:
    """All items of ``groups`` in one list: overdue first, then by due date, undated last."""
    merged = [item for group in groups for item in group.items]
    return sorted(
        merged,
        key=lambda i: (not i.overdue, i.due is None, i.due or datetime.date.max),
    )


def total(groups: list[Group]) -> int:
    return sum(group.count for group in groups)
