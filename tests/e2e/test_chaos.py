"""Crash chaos in CI: `casebot run` killed with SIGKILL at random moments over 300 applications, on SQLite
and on PostgreSQL, loses nothing, pays nothing twice, leaves nothing stuck, and decides every application
as a run without kills does (tests/chaos.py; the full run is a command, see docs/RELIABILITY.md)."""

import random

import pytest

from tests.chaos import chaos


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_killed_runs_lose_nothing_pay_nothing_twice_and_match_a_run_without_kills(tmp_path, backend):
    report = chaos(tmp_path, backend, applications=300, kills=5, seed=random.Random(backend).randrange(10_000))
    print(report.lines())
    assert report.kills >= 5, "the runs finished before they could be killed; slow the gateway down"
    assert (report.lost, report.duplicated, report.stuck, report.differ) == (0, 0, 0, 0), report.lines()
    assert report.audit_chain_holds
    assert (report.payments, report.kronor) == (report.reference_payments, report.reference_kronor) != (0, 0)


def test_killed_runs_on_the_case_systems_screens_lose_nothing_and_enter_nothing_twice(tmp_path):
    """The same with the screens adapter: the run (and its browser with it) killed while it works the pages,
    between saving a decision and noting it too; the result is the API's without kills."""
    report = chaos(tmp_path, "sqlite", applications=20, kills=3, seed=random.Random("screens").randrange(10_000), adapter="screens")
    print(report.lines())
    assert report.kills >= 3, "the runs finished before they could be killed"
    assert (report.lost, report.duplicated, report.stuck, report.differ) == (0, 0, 0, 0), report.lines()
    assert report.audit_chain_holds
    assert (report.payments, report.kronor) == (report.reference_payments, report.reference_kronor) != (0, 0)
