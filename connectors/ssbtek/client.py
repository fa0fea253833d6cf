"""Client for the register gateway, behind the RegisterGateway interface so that a SOAP SSBTEK client,
or its successor GIF, can replace this one without touching the bots."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol

from connectors.errors import ConnectorError
from connectors.http import CallPolicy, HttpClient
from robots.contract import validator
from robots.privacy import mask

log = logging.getLogger("casebot.connectors.ssbtek")


@dataclass(frozen=True)
class HouseholdRequest:
    case_id: str  # the application id; at most 31 characters
    period: str  # YYYY-MM
    members: Sequence[tuple[str, Sequence[str]]]  # (personnummer, agencies to ask)


@dataclass
class HouseholdAnswers:
    """What came back for one household. Complete only when every member got a usable answer; an
    answer may still carry agencies that failed (status "error"): that is data, never "no income"."""

    answers: list[dict] = field(default_factory=list)
    failures: dict[str, str] = field(default_factory=dict)  # personnummer -> why no usable answer came

    @property
    def complete(self) -> bool:
        return not self.failures


class RegisterGateway(Protocol):
    def query(self, personnummer: str, *, case_id: str, period: str, agencies: Sequence[str]) -> dict: ...

    def store_population(self, answers: Sequence[dict], batch: int = 500) -> None:
        """Seeding only: put register answers into the stub's synthetic population."""
        for start in range(0, len(answers), batch):
            self.http.call("PUT", "/admin/population", json={"answers": list(answers[start:start + batch])}, safe_to_repeat=True)

    def fetch(self, requests: Sequence[HouseholdRequest]) -> list[HouseholdAnswers]: ...


def answer_problem(answer: object, personnummer: str, period: str, agencies: Sequence[str]) -> str | None:
    """Why a gateway answer cannot be used for this query, or None."""
    v = validator("registry")
    if not v.is_valid(answer):
        return "; ".join(f"{'.'.join(map(str, e.instance_path)) or 'answer'}: {e.message}" for e in list(v.iter_errors(answer))[:3])
    if answer["personnummer"].replace("-", "") != personnummer.replace("-", "") or answer["period"] != period:  # type: ignore[index]
        return "the answer is for another person or period"
    missing = set(agencies) - set(answer["sources"])  # type: ignore[index]
    if missing:
        return f"agencies asked but missing from the answer: {sorted(missing)}"
    return None


class GatewayClient:
    """HTTP client for the gateway stub (or anything speaking its API)."""

    def __init__(self, base_url: str, *, policy: CallPolicy | None = None, max_concurrency: int = 16):
        self.http = HttpClient(base_url, name="ssbtek", policy=policy, max_concurrency=max_concurrency)
        self._pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="ssbtek")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, personnummer: str, *, case_id: str, period: str, agencies: Sequence[str]) -> dict:
        """One person's register answer; raises Unavailable, BadAnswer or Rejected (connectors.errors)."""
        _, body = self.http.call(
            "POST", "/v1/queries",
            json={"personnummer": personnummer, "case_id": case_id, "period": period,
                  "purpose": "ekonomiskt bistånd", "agencies": list(agencies)},
            safe_to_repeat=True,  # a query only reads
            check=lambda body: answer_problem(body, personnummer, period, agencies),
        )
        return body  # type: ignore[return-value]

    def store_population(self, answers: Sequence[dict], batch: int = 500) -> None:
        """Seeding only: put register answers into the stub's synthetic population."""
        for start in range(0, len(answers), batch):
            self.http.call("PUT", "/admin/population", json={"answers": list(answers[start:start + batch])}, safe_to_repeat=True)

    def fetch(self, requests: Sequence[HouseholdRequest]) -> list[HouseholdAnswers]:
        """Every member of every household, concurrently within the client's cap; one result per household."""
        jobs = [
            (i, pnr, self._pool.submit(self.query, pnr, case_id=r.case_id, period=r.period, agencies=agencies))
            for i, r in enumerate(requests)
            for pnr, agencies in r.members
        ]
        results = [HouseholdAnswers() for _ in requests]
        for i, pnr, future in jobs:
            try:
                results[i].answers.append(future.result())
            except ConnectorError as e:
                results[i].failures[pnr] = str(e)
                log.warning("case %s: no usable register answer for %s: %s", requests[i].case_id, mask(pnr), e)
        return results
