"""Reasonable costs outside the norm (skäliga kostnader, SoL 2025:400 12 kap. 7 § första stycket 2) and
the municipality's rent ceiling."""

from __future__ import annotations

from robots.rules.parameters import OTHER_ACCEPTABLE_COSTS, STATUTORY_COSTS, Policy


def accepted_kinds(policy: Policy) -> tuple[str, ...]:
    """The kinds of cost the robot accepts at their actual amount: the statute's, and those the policy adds."""
    return STATUTORY_COSTS + tuple(k for k in OTHER_ACCEPTABLE_COSTS if k in policy.accepted_costs)


def reasonable_costs(costs: dict, policy: Policy) -> dict[str, int]:
    """Actual costs by kind, as applied for (zero and absent kinds left out)."""
    return {kind: costs[kind] for kind in accepted_kinds(policy) if costs.get(kind)}


def unaccepted_costs(costs: dict, policy: Policy) -> dict[str, int]:
    """Costs applied for that the policy does not let the robot accept: a person assesses them."""
    return {kind: costs[kind] for kind in OTHER_ACCEPTABLE_COSTS if costs.get(kind) and kind not in policy.accepted_costs}


def rent_ceiling(adults: int, children: int, policy: Policy) -> int:
    """Highest reasonable rent for the household's composition under the local policy."""
    if children:
        ceilings = policy.rent_ceiling_with_children
        return ceilings[min(children, len(ceilings)) - 1]
    return policy.rent_ceiling_one_adult if adults == 1 else policy.rent_ceiling_two_adults
