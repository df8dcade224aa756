"""Work one step ahead on a second core: ``ahead(items)`` yields the items of an
iterator while a helper thread makes the next one. The database and Python then work
side by side instead of taking turns (an export reads the next rows while it writes
the last; an import checks the next rows while the database writes the last)."""

import contextvars
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.utils import translation

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
    helper would get a connection of its own, outside the caller's transaction). It
    speaks the caller's language (an import's problems are written there) and sees
    the caller's context variables. An exception of the iterator is raised here, in
    the caller's thread."""
    item = next(items, _END)
    if item is _END:
        return
    language = translation.get_language()  # Django keeps it per thread, not per context
    with ThreadPoolExecutor(max_workers=1) as helper:
        while item is not _END:
            context = contextvars.copy_context()
            upcoming = helper.submit(context.run, _next_in, language, items)
            try:
                yield item
            finally:
                item = upcoming.result()  # never leave the helper working


def _next_in(language, items):
    with translation.override(language):
        return next(items, _END)
