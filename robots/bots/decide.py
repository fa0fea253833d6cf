"""Decide: the rules engine on the application and the register data as received (robots.decide, the
same function `casebot decide` uses). The decision is stored before it is written back, so the write
back always sends the same decision under the same id."""

from __future__ import annotations

from robots.bots.concurrently import in_batches
from robots.bots.context import Context
from robots.decide import decide as decide_application
from robots.store.models import State, WorkItem
from robots.store.queue import latest_answers, lease, release, reload


def decision_id(item: WorkItem) -> str:
    """Stable per work item, so writing back twice is one decision."""
    return f"casebot-{item.application_id}-{item.period}"


def decide(ctx: Context) -> dict[str, int]:
    counts = {"granted": 0, "referred": 0}
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.READY], **ctx.lease_args())
    for batch in in_batches(items, 100):
        with ctx.store.unit_of_work() as session:
            answers = latest_answers(session, [i.id for i in batch])
            for item in reload(session, batch):
                counts[_decide_one(ctx, session, item, answers[item.id])] += 1
    return counts


def _decide_one(ctx: Context, session, it: WorkItem, answers: list[dict]) -> str:
    decision = decide_application(it.application, answers, ctx.params)
    it.decision, it.decision_id, it.outcome = decision, decision_id(it), decision["outcome"]
    it.amount = decision.get("amount")
    it.decided_at = ctx.clock()
    it.state = State.DECIDED if decision["outcome"] == "granted" else State.REFERRED
    release(it)
    ctx.store.audit(session, "decided", {
        "outcome": decision["outcome"], "amount": decision.get("amount"), "rules_version": decision["rules_version"],
        "parameters": {kind: used["sha256"] for kind, used in decision["parameters"].items()},
        "reasons": [r["code"] for r in decision["reasons"]],
    }, it.id, ctx.run_id)
    return decision["outcome"]
