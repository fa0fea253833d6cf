"""Re-run a recorded decision with exactly what it recorded: the application as claimed, the register
answers as received, the members it knew to be granted the month elsewhere, and the norm table and
policy version it used (by content hash, from the store).

This is how a decision is shown to hold after config/ has changed: the same inputs and parameters give
the same decision, figure for figure. The law's references are cited as on the recorded decision day.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from sqlalchemy import select

from robots.config import load_law, norm_table, policy_version
from robots.decide import decide
from robots.rules.parameters import Parameters
from robots.store import Store, WorkItem
from robots.store.parameters import kept
from robots.store.queue import latest_answers


class CannotReplay(Exception):
    """The decision cannot be re-run: the message says what is missing."""


def recorded_parameters(session, decision: dict) -> Parameters:
    """The norm table and policy version a decision recorded, as the store kept them."""
    found = {}
    for kind, build in (("norm_table", norm_table), ("policy", policy_version)):
        used = decision.get("parameters", {}).get(kind)
        if used is None:
            continue
        version = kept(session, used["sha256"])
        if version is None:
            raise CannotReplay(f"the store does not keep the {kind} {used['name']!r} (sha256 {used['sha256'][:12]}…)")
        found[kind] = build(json.loads(version.content), f"store: {kind} {used['sha256'][:12]}")
    return Parameters(tuple(filter(None, [found.get("norm_table")])), tuple(filter(None, [found.get("policy")])), load_law())


def redecide(store: Store, application_id: str, period: str | None = None, params: Parameters | None = None) -> tuple[dict, dict]:
    """(the recorded decision, the same decision made again from what it recorded): with the parameter
    versions it recorded, or with `params` (today's, for reviewing a change of rules or parameters)."""
    with store.sessions() as session:
        query = select(WorkItem).where(WorkItem.application_id == application_id)
        if period is not None:
            query = query.where(WorkItem.period == period)
        item = session.scalars(query.order_by(WorkItem.id.desc()).limit(1)).first()
        if item is None or item.decision is None:
            raise CannotReplay(f"no recorded decision for application {application_id}")
        return robots_decision(item), _again(session, item, params)


def robots_decision(item: WorkItem) -> dict:
    """What the rules decided: the decision, or, when a caseworker has decided since, the referral it replaced
    (a person's decision is not the rules' to re-run)."""
    if str(item.decision.get("decided_by", "")).startswith("caseworker:") and item.referral is not None:
        return item.referral
    return item.decision


def _again(session, item: WorkItem, params: Parameters | None) -> dict:
    recorded = robots_decision(item)
    return decide(item.application, latest_answers(session, [item.id])[item.id], params or recorded_parameters(session, recorded),
                  decided_at=recorded["decided_at"], decided_by=recorded["decided_by"], granted_elsewhere=item.granted_elsewhere)


def redecide_period(store: Store, period: str, params: Parameters | None = None) -> Iterator[tuple[str, dict, dict | CannotReplay]]:
    """(application id, recorded, again — or why it cannot be re-run) for every recorded decision of the period."""
    with store.sessions() as session:
        # outcome, not decision: a decision set aside (a case sent back) is JSON null, which SQL does not read as NULL
        items = session.scalars(select(WorkItem).where(WorkItem.period == period, WorkItem.outcome.is_not(None)).order_by(WorkItem.id))
        for item in items:
            try:
                yield item.application_id, robots_decision(item), _again(session, item, params)
            except CannotReplay as e:
                yield item.application_id, robots_decision(item), e


# Not part of what was decided: which casebot made it (a newer one re-running it is still the same decision).
NOT_COMPARED = frozenset({"software"})


def differences(recorded: dict, again: dict) -> list[str]:
    """What differs between two decisions, one line per value: `path: recorded -> again`; [] when the same."""
    lines: list[str] = []

    def walk(path: str, a: object, b: object) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            for key in sorted(a.keys() | b.keys()):
                if not path and key in NOT_COMPARED:
                    continue
                walk(f"{path}.{key}" if path else key, a.get(key, "(none)"), b.get(key, "(none)"))
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                walk(f"{path}[{i}]", x, y)
        elif a != b:
            lines.append(f"{path}: {json.dumps(a, ensure_ascii=False)} -> {json.dumps(b, ensure_ascii=False)}")

    walk("", recorded, again)
    return lines
