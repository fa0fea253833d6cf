"""`casebot seed`: fill both stubs with one consistent synthetic population.

The register answers go to the gateway stub, each household's history to the case system's records,
and the applications through the e-service's submit endpoint, in order, each with an Idempotency-Key
made of the seed and its number: seeding the same seed again files nothing twice.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

from connectors.casesystem.standin import StandIn
from connectors.ssbtek.client import GatewayClient
from robots.rules.periods import previous_month
from robots.synthetic import SeedCase


def seed_stubs(cases: list[SeedCase], seed: int, casesystem: StandIn, gateway: GatewayClient,
               progress: Callable[[int], None] = lambda n: None) -> dict[str, object]:
    """File every case; returns the application ids in order and the mix that was seeded."""
    gateway.store_population([a for c in cases for a in c.answers])
    ids = []
    for i, case in enumerate(cases):
        applicant = next(m["personnummer"] for m in case.application["household"]["members"] if m["role"] == "applicant")
        if case.history is not None:
            casesystem.set_household_history(applicant, case.history | {"last_period": previous_month(case.application["period"])})
        ids.append(casesystem.submit(case.application, idempotency_key=f"seed-{seed}-{i}"))
        progress(1)
    return {"application_ids": ids, "mix": Counter(c.reason or "clean" for c in cases)}
