"""Client for the register gateway, behind the RegisterGateway interface so that a SOAP SSBTEK client,
or its successor GIF, can replace this one without touching the bots."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Protocol

from connectors.errors import ConnectorError
from connectors.http import CallPolicy, HttpClient
from robots.privacy import mask
from robots.rules.people import normalize

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

    def fetch(self, requests: Sequence[HouseholdRequest]) -> list[HouseholdAnswers]: ...

    def fetch_each(self, requests: Sequence[HouseholdRequest]) -> Iterator[tuple[int, HouseholdAnswers]]: ...


def answer_problem(answer: object, personnummer: str, period: str, agencies: Sequence[str]) -> str | None:
    """Why a gateway answer's envelope cannot be used for this query, or None: the person and period asked
    about, every agency asked with a status. What each agency's part holds is judged in one place, where
    the worker and `casebot decide` both judge it (robots.contract.validate.registry_sources): a part that
    breaks the contract is that agency failing, never the whole answer."""
    if not isinstance(answer, dict) or not isinstance(answer.get("sources"), dict):
        return "not an answer: an object with personnummer, period and sources is expected"
    who = answer.get("personnummer")
    if not isinstance(who, str) or normalize(who) != normalize(personnummer) or answer.get("period") != period:
        return "the answer is for another person or period"
    sources = answer["sources"]
    missing = sorted(a for a in agencies if not (isinstance(sources.get(a), dict) and sources[a].get("status") in ("ok", "error")))
    if missing:
        return f"agencies asked but missing from the answer, or without a status: {missing}"
    return None


class GatewayClient:
    """HTTP client for the gateway stub (or anything speaking its API)."""

    def __init__(self, base_url: str, *, policy: CallPolicy | None = None, max_concurrency: int = 16):
        self.http = HttpClient(base_url, name="ssbtek", policy=policy, max_concurrency=max_concurrency)
        self._pool = ThreadPoolExecutor(max_workers=max_concurrency, thread_name_prefix="ssbtek")

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        self.http.close()

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
        results: list[HouseholdAnswers] = [HouseholdAnswers() for _ in requests]
        for i, result in self.fetch_each(requests):
            results[i] = result
        return results

    def fetch_each(self, requests: Sequence[HouseholdRequest]) -> Iterator[tuple[int, HouseholdAnswers]]:
        """Like fetch, but yields (index, answers) for each household as soon as all its members are in,
        so the caller can store one while the gateway works on the rest."""
        pending: dict[Future, tuple[int, str]] = {}
        for i, r in enumerate(requests):
            for pnr, agencies in r.members:
                pending[self._pool.submit(self.query, pnr, case_id=r.case_id, period=r.period, agencies=agencies)] = (i, pnr)
        results = [HouseholdAnswers() for _ in requests]
        left = [len(r.members) for r in requests]
        for future in as_completed(pending):
            i, pnr = pending[future]
            try:
                results[i].answers.append(future.result())
            except ConnectorError as e:
                results[i].failures[pnr] = str(e)
                log.warning("case %s: no usable register answer for %s: %s", requests[i].case_id, mask(pnr), e)
            left[i] -= 1
            if left[i] == 0:
                order = {p: n for n, (p, _) in enumerate(requests[i].members)}
                results[i].answers.sort(key=lambda a: order.get(a["personnummer"], len(order)))
                yield i, results[i]
