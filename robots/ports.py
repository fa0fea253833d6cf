"""The worker's ports: what the bots need of the two outside systems, and nothing more. Batch-shaped: a
bot hands over many items and gets each one's result (or error) back as it comes, so each adapter owns
its concurrency — threads for HTTP, one session for a browser working the case system's pages.

Adapters: connectors/casesystem/client.py and connectors/ssbtek/client.py (HTTP), connectors/casesystem/screens.py
(the case system's web pages, through a browser); tests/fakes.py (in
memory, for the bots' unit tests). The stand-in's other calls (submissions, seeding) are not the robot's
and live apart (connectors/casesystem/standin.py)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol

from connectors.ssbtek.client import HouseholdAnswers, HouseholdRequest, RegisterGateway

__all__ = ["CaseSystem", "HouseholdAnswers", "HouseholdRequest", "RegisterGateway"]


class CaseSystem(Protocol):
    """Errors are connectors.errors: Unavailable/BadAnswer (try later), Conflict/NotFound/Rejected (it refused)."""

    def applications(self, status: str = "submitted", page_size: int = 100) -> Iterator[dict]:
        """Summaries (application_id, period, received_at) of every application with the status, oldest first."""
        ...

    def claim_many(self, claims: Sequence[tuple[str, Sequence[str]]], robot: str,
                   lease_seconds: int) -> Iterator[tuple[int, object, Exception | None]]:
        """Claim each (application id, earlier claimants this one takes over) for `robot`;
        (index, the application's record with its history, or None; error or None), as each comes."""
        ...

    def put_many(self, writes: Sequence[tuple[str, str, dict]]) -> Iterator[tuple[int, object, Exception | None]]:
        """Record each (application id, decision id, decision); (index, True when recorded now and False
        when it was already there, or None; error or None), as each comes."""
        ...

    def release(self, application_id: str, robot: str) -> None:
        """Give back `robot`'s claim on the application unhandled (an operator's `casebot items release`)."""
        ...

    def reopen(self, application_id: str, caseworker: str, note: str) -> None:
        """Give a referred application back to the robot: submitted again, to be claimed and decided anew
        (the console's "send back"). Idempotent; Conflict when it is claimed or decided."""
        ...

    def use_log_dir(self, folder: Path) -> None:
        """Where a run's own record of the adapter's steps and its evidence of failures go (the screens
        adapter's screens.log and screenshots); an adapter with nothing to keep ignores it."""
        ...

    def close(self) -> None: ...
