"""In-memory fakes of the worker's ports (robots/ports.py), for the bots' unit tests: no process, no
socket, milliseconds a test. They keep the rules of the real systems that the bots depend on — a claim
held by another claimant is a Conflict, a decision id is recorded once and paid once, the ledger pays a
person once a month — and let a test make them fail on purpose."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from connectors.errors import Conflict, NotFound, Unavailable
from robots.ports import HouseholdAnswers, HouseholdRequest


class FakeCaseSystem:
    def __init__(self) -> None:
        self.records: dict[str, dict] = {}  # application id -> {application, status, claimed_by, received_at}
        self.decisions: dict[str, tuple[str, dict]] = {}  # decision id -> (application id, decision)
        self.payments: list[tuple[str, int]] = []  # (application id, amount)
        self.paid: dict[tuple[str, str], str] = {}  # (person, period) -> application id
        self.down = False  # every call fails as an outage would
        self.claims_down = False  # only claims fail so

    def file(self, application: dict, received_at: str = "2023-10-23T08:00:00+00:00") -> str:
        self.records[application["application_id"]] = {"application": application, "status": "submitted", "claimed_by": None,
                                                       "received_at": received_at}
        return application["application_id"]

    def _outage(self) -> None:
        if self.down:
            raise Unavailable("casesystem: did not answer (fake outage)")

    def applications(self, status: str = "submitted", page_size: int = 100) -> Iterator[dict]:
        self._outage()
        for application_id, r in list(self.records.items()):
            if r["status"] == status:
                yield {"application_id": application_id, "period": r["application"]["period"], "status": status, "received_at": r["received_at"]}

    def _claim(self, application_id: str, replaces: Sequence[str], robot: str) -> dict:
        self._outage()
        if self.claims_down:
            raise Unavailable("casesystem: claim did not answer (fake outage)")
        r = self.records.get(application_id)
        if r is None:
            raise NotFound(f"no application {application_id}", 404)
        if r["status"] in ("referred", "decided"):
            raise Conflict(f"application {application_id} is already {r['status']}", 409)
        if r["claimed_by"] not in (None, robot, *replaces):
            raise Conflict(f"application {application_id} is held by {r['claimed_by']}", 409)
        r["status"], r["claimed_by"] = "claimed", robot
        return {"application": r["application"], "status": "claimed", "claimed_by": robot}

    def _put(self, application_id: str, decision_id: str, decision: dict) -> bool:
        self._outage()
        r = self.records[application_id]
        if decision_id in self.decisions:
            if self.decisions[decision_id] == (application_id, decision):
                return False
            raise Conflict(f"decision id {decision_id} is already used for another decision", 409)
        if r["status"] == "decided" or (r["status"] == "referred" and not decision["decided_by"].startswith("caseworker:")):
            last = next(d for d, (a, _) in reversed(self.decisions.items()) if a == application_id)
            raise Conflict(f"application {application_id} is already {r['status']}", 409,
                           {"code": "ALREADY_DECIDED", "message": "already decided", "decision_id": last,
                            "decided_by": self.decisions[last][1]["decided_by"]})
        members = [m["personnummer"].replace("-", "") for m in r["application"]["household"]["members"]]
        if decision["outcome"] == "granted":
            elsewhere = {p: self.paid[(p, decision["period"])] for p in members if (p, decision["period"]) in self.paid}
            if elsewhere:
                raise Conflict("already paid elsewhere", 409, {"code": "ALREADY_PAID", "message": "already paid", "granted_elsewhere": elsewhere})
            self.payments.append((application_id, decision["amount"]))
            self.paid.update({(p, decision["period"]): application_id for p in members})
        self.decisions[decision_id] = (application_id, decision)
        r["status"], r["claimed_by"] = ("decided" if decision["outcome"] == "granted" else "referred"), None
        return True

    def _each(self, call, args: Sequence[tuple]) -> Iterator[tuple[int, object, Exception | None]]:
        for i, a in enumerate(args):
            try:
                yield i, call(*a), None
            except Exception as e:  # noqa: BLE001 - as the HTTP adapter hands errors over
                yield i, None, e

    def claim_many(self, claims: Sequence[tuple[str, Sequence[str]]], robot: str, lease_seconds: int) -> Iterator[tuple[int, object, Exception | None]]:
        return self._each(lambda application_id, replaces: self._claim(application_id, replaces, robot), claims)

    def put_many(self, writes: Sequence[tuple[str, str, dict]]) -> Iterator[tuple[int, object, Exception | None]]:
        return self._each(self._put, writes)

    def release(self, application_id: str, robot: str) -> None:
        self._outage()
        r = self.records[application_id]
        if r["status"] == "claimed" and r["claimed_by"] == robot:
            r["status"], r["claimed_by"] = "submitted", None
        elif r["status"] != "submitted":
            raise Conflict(f"application {application_id} is {r['status']}", 409)

    def decide_by_hand(self, application_id: str, caseworker: str, outcome: str = "refused") -> None:
        """A caseworker decides in the case system itself, outside casebot."""
        self.decisions[f"manual-{application_id}"] = (application_id, {"outcome": outcome, "decided_by": f"caseworker:{caseworker}"})
        self.records[application_id]["status"], self.records[application_id]["claimed_by"] = "decided", None

    def reopen(self, application_id: str, caseworker: str, note: str) -> None:
        self._outage()
        r = self.records[application_id]
        if r["status"] not in ("referred", "submitted"):
            raise Conflict(f"application {application_id} is {r['status']}", 409)
        r["status"], r["claimed_by"] = "submitted", None

    def use_log_dir(self, folder) -> None:
        pass

    def close(self) -> None:
        pass


class FakeGateway:
    """Register answers by personnummer; `failing` holds people for whom every agency answers with an error."""

    def __init__(self, answers: Sequence[dict] = ()) -> None:
        self.answers = {a["personnummer"]: a for a in answers}
        self.failing: set[str] = set()
        self.asked = 0

    def query(self, personnummer: str, *, case_id: str, period: str, agencies: Sequence[str]) -> dict:
        self.asked += 1
        answer = self.answers.get(personnummer, {"personnummer": personnummer, "period": period, "sources": {}})
        if personnummer in self.failing:
            return answer | {"sources": {a: {"status": "error", "error": "timeout from agency"} for a in agencies}}
        return answer

    def fetch(self, requests: Sequence[HouseholdRequest]) -> list[HouseholdAnswers]:
        return [result for _, result in self.fetch_each(requests)]

    def fetch_each(self, requests: Sequence[HouseholdRequest]) -> Iterator[tuple[int, HouseholdAnswers]]:
        for i, r in enumerate(requests):
            yield i, HouseholdAnswers(answers=[self.query(p, case_id=r.case_id, period=r.period, agencies=agencies) for p, agencies in r.members])
