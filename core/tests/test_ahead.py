"""``core.ahead``: the next item is made on a helper thread while the caller works."""

import threading
import time

import pytest
from django.utils import translation

from core.ahead import ahead


def made_by(count, fail_at=None):
    """Items (number, the thread that made it); raises at ``fail_at``."""
    for number in range(count):
        if number == fail_at:
            raise ValueError(f"item {number}")
        yield number, threading.current_thread().name


def test_it_yields_every_item_in_order_the_later_ones_made_by_a_helper():
    caller = threading.current_thread().name

    items = list(ahead(made_by(4)))

    assert [number for number, _thread in items] == [0, 1, 2, 3]
    assert items[0][1] == caller  # a query it starts runs on the caller's connection
    assert {thread for _number, thread in items[1:]} - {caller}
    assert list(ahead(made_by(0))) == []


def test_the_next_item_is_made_while_the_caller_works_on_the_current_one():
    making = threading.Event()

    def items():
        yield 1
        making.set()
        yield 2

    chunks = ahead(items())
    assert next(chunks) == 1
    # The caller has not asked for the second item yet; the helper is making it.
    assert making.wait(timeout=5)
    assert list(chunks) == [2]


def test_an_error_of_the_iterator_is_raised_in_the_caller():
    seen = []
    with pytest.raises(ValueError, match="item 2"):
        for number, _thread in ahead(made_by(5, fail_at=2)):
            seen.append(number)
    assert seen == [0, 1]


def test_closing_it_waits_for_the_helper_and_stops_it():
    events = []

    def items():
        yield 0
        events.append("making 1")
        time.sleep(0.2)  # the helper is still at work when the caller closes
        events.append("made 1")
        yield 1
        events.append("making 2")
        yield 2

    chunks = ahead(items())
    assert next(chunks) == 0
    chunks.close()

    # close() returned only after the helper had finished, and it made nothing more.
    assert events == ["making 1", "made 1"]


def test_the_helper_speaks_the_callers_language():
    def languages():
        for _number in range(3):
            yield translation.get_language()

    with translation.override("en"):
        assert list(ahead(languages())) == ["en", "en", "en"]
    with translation.override("ja"):
        assert list(ahead(languages())) == ["ja", "ja", "ja"]
