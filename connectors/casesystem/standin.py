"""The reference case system's other users than the robot: the e-service's submissions, seeding and
tests. Kept apart from the robot's client, so that the robot's port (robots/ports.py) holds only what the
robot does, and an adapter for a real case system (or its web pages) owes nothing more."""

from __future__ import annotations

from connectors.casesystem.client import CaseSystemClient


class StandIn(CaseSystemClient):
    """Everything the robot's client does, and the calls only the stand-in offers."""

    def submit(self, application: dict, idempotency_key: str) -> str:
        """File an application as the e-service does; the same key (or the same content) returns the same id."""
        _, body = self.http.call("POST", "/applications", json=application, headers={"Idempotency-Key": idempotency_key},
                                 safe_to_repeat=True, ok=(200, 201))
        return body["application_id"]  # type: ignore[index]

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
