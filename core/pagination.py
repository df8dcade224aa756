"""Pagination that stays fast at national scale.

A list page counts its rows for "N records" and the page links. Counting every
session of a large center over ten years reads hundreds of thousands of index
entries on every page view (docs/benchmarks.md, 2026-12-07), for a number nobody
reads beyond "a lot": people narrow the filters instead. So the count stops at
``LIST_COUNT_CAP`` rows and the page says "more than N" (Gmail, Jira and GitHub do
the same); the exact figures are the indicators' and the exports' job.
"""

from django.conf import settings
from django.core.paginator import Paginator
from django.utils.functional import cached_property


class CappedPaginator(Paginator):
    """A paginator whose ``count`` stops at the cap; ``capped`` says it did."""

    @cached_property
    def cap(self) -> int:
        return getattr(settings, "LIST_COUNT_CAP", 10_000)

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
