"""Python's cycle collector is paused while a file is read and imported, and always
comes back (core.collector): an import that left it off would leave the process
collecting no cycles at all."""

import gc
import threading

import pytest

from consultations.tests.test_imports import CLIENTS, run
from core import tabular
from core.collector import collector_paused
from core.imports import records


@pytest.fixture
def collector_on():
    was = gc.isenabled()
    gc.enable()
    yield
    gc.enable() if was else gc.disable()


def test_reading_and_checking_a_file_run_with_the_collector_paused(
    collector_on, personas, monkeypatch
):
    seen = {}
    fill, check = tabular._fill, records.RecordImporter.check

    def spy_fill(*args):
        seen["reading"] = gc.isenabled()
        return fill(*args)

    def spy_check(self, early):
        seen["checking"] = gc.isenabled()
        return check(self, early)

    monkeypatch.setattr(tabular, "_fill", spy_fill)
    monkeypatch.setattr(records.RecordImporter, "check", spy_check)
    assert run("clients", CLIENTS, personas["admin"]).ok
    assert seen == {"reading": False, "checking": False}
    assert gc.isenabled()


def test_the_collector_comes_back_after_a_failure(collector_on):
    with pytest.raises(ValueError), collector_paused():
        raise ValueError
    assert gc.isenabled()


def test_the_collector_stays_off_if_it_was_off_before():
    was = gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable() if was else gc.disable()


def test_the_collector_resumes_when_the_last_of_two_imports_side_by_side_ends(collector_on):
    first_in, second_done = threading.Event(), threading.Event()
    during = []

    def other_import():
        with collector_paused():
            first_in.set()
            second_done.wait(5)
            during.append(gc.isenabled())

    thread = threading.Thread(target=other_import)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        pass  # this one ends while the other still runs
    second_done.set()
    thread.join(5)
    assert during == [False]
    assert gc.isenabled()
