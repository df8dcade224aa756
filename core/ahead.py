"""Work one step ahead on a second core: ``ahead(items)`` yields the items of an
iterator while a helper thread makes the next one. The database and Python then work
side by side instead of taking turns (an export reads the next rows while it writes
the last; an import checks the next rows while the database writes the last)."""

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
_END = object()


def ahead(items: Iterator[T]) -> Iterator[T]:
    """The items of ``items``, each next one made by a helper thread while the caller
    works on the current one.

    The first item is made here, so that a query the iterator starts runs on this
    thread's database connection and in its transaction; the helper only advances the
    iterator, one item at a time, and is waited for before this generator yields,
    returns or raises, so it never runs beside anything but the caller's own work.
    Whatever the helper runs must not use this thread's database connection (the
    helper would get a connection of its own, outside the caller's transaction).
    An exception of the iterator is raised here, in the caller's thread."""
    item = next(items, _END)
    if item is _END:
        return
    with ThreadPoolExecutor(max_workers=1) as helper:
        while item is not _END:
            upcoming = helper.submit(next, items, _END)
            try:
                yield item
            finally:
                item = upcoming.result()  # never leave the helper working
