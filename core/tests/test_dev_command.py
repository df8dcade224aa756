"""``python3 dev.py test``: one pytest-xdist worker per core, and the ways to one process."""

import importlib.util
from pathlib import Path

import pytest

spec = importlib.util.spec_from_file_location("dev", Path(__file__).parents[2] / "dev.py")
dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dev)


@pytest.mark.parametrize(("cores", "expected"), [(1, []), (2, ["-n", "2"]), (16, ["-n", "4"])])
def test_the_suite_runs_in_one_worker_per_core_and_at_most_four(monkeypatch, cores, expected):
    monkeypatch.delenv("YOROZU_TEST_WORKERS", raising=False)
    monkeypatch.setattr(dev.os, "cpu_count", lambda: cores)
    assert dev.test_workers(["core/tests"]) == expected


@pytest.mark.parametrize(
    "args", [["-n", "0", "x.py"], ["-n0"], ["--numprocesses=3"], ["-p", "no:xdist"]]
)
def test_arguments_that_choose_the_processes_are_left_to_pytest(monkeypatch, args):
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 2)
    assert dev.test_workers(args) == []


def test_the_environment_sets_the_number_and_one_means_this_process(monkeypatch):
    monkeypatch.setattr(dev.os, "cpu_count", lambda: 2)
    monkeypatch.setenv("YOROZU_TEST_WORKERS", "3")
    assert dev.test_workers([]) == ["-n", "3"]
    monkeypatch.setenv("YOROZU_TEST_WORKERS", "1")
    assert dev.test_workers([]) == []
