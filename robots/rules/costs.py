"""Reasonable costs outside the norm (skäliga kostnader, socialtjänstlagen 4 kap. 3 §) and the
municipality's rent ceiling."""

from __future__ import annotations

from robots.rules.parameters import Policy

# Costs the robot may accept at their actual amount; anything else needs an individual assessment.
REASONABLE_COSTS = ("rent", "electricity", "home_insurance", "work_travel", "union_fee", "unemployment_fund_fee", "childcare")


def reasonable_costs(costs: dict) -> dict[str, int]:
    """Actual costs by kind, as applied for (zero and absent kinds left out)."""
    return {kind: costs[kind] for kind in REASONABLE_COSTS if costs.get(kind)}


def rent_ceiling(adults: int, children: int, policy: Policy) -> int:
    """Highest reasonable rent for the household's composition under the local policy."""
    if children:
        ceilings = policy.rent_ceiling_with_children
        return ceilings[min(children, len(ceilings)) - 1]
    return policy.rent_ceiling_one_adult if adults == 1 else policy.rent_ceiling_two_adults
