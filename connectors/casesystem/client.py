"""Client for the case system: the robot's side of it, the CaseSystem port (robots/ports.py) over HTTP.
Every write is idempotent: a claim by the same robot instance is the same claim, a decision is put under
its own id. The stand-in's other users (the e-service's submissions, seeding, tests) are in standin.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

from connectors.http import CallPolicy, HttpClient


class CaseSystemClient:
    """Concurrency is the client's own: the batch calls (claim_many, put_many) run on its pool of
    `max_concurrency` threads and hand each result back as it comes."""

    def __init__(self, base_url: str, *, policy: CallPolicy | None = None, max_concurrency: int = 8):
        self.http = HttpClient(base_url, name="casesystem", policy=policy, max_concurrency=max_concurrency)
        self._pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="casesystem")

    def use_log_dir(self, folder: Path) -> None:
        """Nothing of a run's to keep: the connector's errors go to the worker's log."""

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.http.close()

    def _each(self, call: Callable, args: Sequence[tuple]) -> Iterator[tuple[int, object, Exception | None]]:
        """(index, result, None) or (index, None, error) for each call, in the order they finish."""
        futures = {self._pool.submit(call, *a): i for i, a in enumerate(args)}
        for future in as_completed(futures):
            try:
                yield futures[future], future.result(), None
            except Exception as e:  # noqa: BLE001 - handed to the bot, which knows what each error means
                yield futures[future], None, e

    def claim_many(self, claims: Sequence[tuple[str, Sequence[str]]], robot: str, lease_seconds: int) -> Iterator[tuple[int, object, Exception | None]]:
        """Claim each (application id, earlier claimants to take over); (index, record or None, error or None)."""
        return self._each(lambda application_id, replaces: self.claim(application_id, robot, lease_seconds, replaces), claims)

    def put_many(self, writes: Sequence[tuple[str, str, dict]]) -> Iterator[tuple[int, object, Exception | None]]:
        """Put each (application id, decision id, decision); (index, recorded now or None, error or None)."""
        return self._each(self.put_decision, writes)

    def applications(self, status: str = "submitted", page_size: int = 100) -> Iterator[dict]:
        """Every application with the status, oldest first, fetched a page at a time."""
        after = 0
        while True:
            _, page = self.http.call("GET", "/applications", params={"status": status, "limit": page_size, "after": after}, safe_to_repeat=True)
            yield from page["items"]  # type: ignore[index]
            if page["next"] is None:  # type: ignore[index]
                return
            after = page["next"]  # type: ignore[index]

    def claim(self, application_id: str, robot: str, lease_seconds: int = 600, replaces: Sequence[str] = ()) -> dict:
        """Take the application for handling; returns it with its history. Conflict if someone else holds it.
        `replaces`: earlier claimants (crashed instances of this robot) whose claim this one takes over."""
        claim = {"robot": robot, "lease_seconds": lease_seconds} | ({"replaces": list(replaces)} if replaces else {})
        _, body = self.http.call("POST", f"/applications/{application_id}/claim", json=claim, safe_to_repeat=True)
        return body  # type: ignore[return-value]

    def release(self, application_id: str, robot: str) -> None:
        self.http.call("POST", f"/applications/{application_id}/release", json={"robot": robot}, safe_to_repeat=True)

    def get(self, application_id: str) -> dict:
        _, body = self.http.call("GET", f"/applications/{application_id}", safe_to_repeat=True)
        return body  # type: ignore[return-value]

    def reopen(self, application_id: str, caseworker: str, note: str) -> None:
        """Give a referred application back to the robot (a caseworker's call): it is submitted again.
        Idempotent: one submitted already stays as it is."""
        self.http.call("POST", f"/applications/{application_id}/reopen", json={"caseworker": caseworker, "note": note}, safe_to_repeat=True)

    def put_decision(self, application_id: str, decision_id: str, decision: dict) -> bool:
        """Record the decision; True when this call recorded it, False when it was already there.
        Conflict when the application has another decision."""
        status, _ = self.http.call("PUT", f"/applications/{application_id}/decisions/{decision_id}", json=decision,
                                   safe_to_repeat=True, ok=(200, 201))
        return status == 201
