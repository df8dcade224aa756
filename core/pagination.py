"""Pagination that stays fast at national scale.

A list page counts its rows for "N records" and the page links. Counting every
session of a large center over ten years reads hundreds of thousands of index
entries on every page view (docs/benchmarks.md, 2026-12-07), for a number nobody
reads beyond "a lot": people narrow the filters instead. So the count stops at
``LIST_COUNT_CAP`` rows and the page says "more than N" (Gmail, Jira and GitHub do
the same); the exact figures are the indicators' and the exports' job.

A page's rows are read by key: the keys of the page first, through the list's
order alone, then the 50 rows by key. Read whole on the way, the rows before the
page's last cost their table reads too: Tokyo's newest clients, found by walking
the keys of every center's newest clients, were 86 ms read whole and 13 ms as keys.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator whose ``count`` stops at the cap; ``capped`` says it did."""

    @cached_property
    def cap(self) -> int:
        return settings.LIST_COUNT_CAP

    @cached_property
    def count(self) -> int:
        rows = self.object_list
        if hasattr(rows, "query"):
            # Count the first cap + 1 rows: no annotation, and no sort unless the list
            # runs by its primary key. That order is an index walk which stops at the
            # cap where it finds the rows, the newest; in "any order" the planner may walk
            # the oldest first (the clients a bureau saw this year: 1.3 million index
            # entries read for 10,000 rows, docs/benchmarks.md).
            ordering = tuple(rows.query.order_by)
            by_key = ordering in (("-id",), ("id",), ("-pk",), ("pk",))
            found = (
                rows.order_by(*(ordering if by_key else ())).values("pk")[: self.cap + 1].count()
            )
        else:
            found = len(rows)
        self.capped = found > self.cap
        return min(found, self.cap)

    capped = False

    def page(self, number):
        rows = self.object_list
        if not _by_key(rows):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
        return self._get_page([found[key] for key in keys if key in found], number, self)


def _by_key(rows) -> bool:
    """Whether a page of ``rows`` can be read by key: a queryset of model instances,
    not sliced, combined or distinct (the keys alone would not be its rows)."""
    query = getattr(rows, "query", None)
    return (
        query is not None
        and rows._iterable_class is ModelIterable
        and not query.is_sliced
        and not query.distinct
        and not query.combinator
    )
