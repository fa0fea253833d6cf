"""Client for the case system. Every write is idempotent: a submission carries an Idempotency-Key, a
claim by the same robot is the same claim, a decision is put under its own id."""

from __future__ import annotations

from collections.abc import Iterator

from connectors.http import CallPolicy, HttpClient


class CaseSystemClient:
    def __init__(self, base_url: str, *, policy: CallPolicy | None = None, max_concurrency: int = 8):
        self.http = HttpClient(base_url, name="casesystem", policy=policy, max_concurrency=max_concurrency)

    def submit(self, application: dict, idempotency_key: str) -> str:
        """File an application as the e-service does; the same key again returns the same id."""
        _, body = self.http.call("POST", "/applications", json=application, headers={"Idempotency-Key": idempotency_key},
                                 safe_to_repeat=True, ok=(200, 201))
        return body["application_id"]  # type: ignore[index]

    def applications(self, status: str = "submitted", page_size: int = 100) -> Iterator[dict]:
        """Every application with the status, oldest first, fetched a page at a time."""
        after = 0
        while True:
            _, page = self.http.call("GET", "/applications", params={"status": status, "limit": page_size, "after": after}, safe_to_repeat=True)
            yield from page["items"]  # type: ignore[index]
            if page["next"] is None:  # type: ignore[index]
                return
            after = page["next"]  # type: ignore[index]

    def claim(self, application_id: str, robot: str, lease_seconds: int = 600, replaces: str | None = None) -> dict:
        """Take the application for handling; returns it with its history. Conflict if someone else holds it.
        `replaces`: an earlier claimant (a crashed instance of this robot) whose claim this one takes over."""
        claim = {"robot": robot, "lease_seconds": lease_seconds} | ({"replaces": replaces} if replaces else {})
        _, body = self.http.call("POST", f"/applications/{application_id}/claim", json=claim, safe_to_repeat=True)
        return body  # type: ignore[return-value]

    def release(self, application_id: str, robot: str) -> None:
        self.http.call("POST", f"/applications/{application_id}/release", json={"robot": robot}, safe_to_repeat=True)

    def get(self, application_id: str) -> dict:
        _, body = self.http.call("GET", f"/applications/{application_id}", safe_to_repeat=True)
        return body  # type: ignore[return-value]

    def put_decision(self, application_id: str, decision_id: str, decision: dict) -> bool:
        """Record the decision; True when this call recorded it, False when it was already there.
        Conflict when the application has another decision."""
        status, _ = self.http.call("PUT", f"/applications/{application_id}/decisions/{decision_id}", json=decision,
                                   safe_to_repeat=True, ok=(200, 201))
        return status == 201

    def payments(self, *, household: str | None = None, application_id: str | None = None) -> dict:
        params = {k: v for k, v in (("household", household), ("application_id", application_id)) if v}
        _, body = self.http.call("GET", "/payments", params=params | {"limit": 10_000}, safe_to_repeat=True)
        return body  # type: ignore[return-value]

    def household_history(self, personnummer: str) -> dict:
        _, body = self.http.call("GET", f"/households/{personnummer}/history", safe_to_repeat=True)
        return body  # type: ignore[return-value]

    def set_household_history(self, personnummer: str, history: dict) -> None:
        """Seeding only: what the case system's records would say about the household."""
        self.http.call("PUT", f"/admin/households/{personnummer}/history", json=history, safe_to_repeat=True)
