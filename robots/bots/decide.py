"""Decide: the rules engine on the application and the register data as received (robots.decide, the
same function `casebot decide` uses). The decision is stored before it is written back, so the write
back always sends the same decision under the same id.

A person is granted at most once a month: a grant reserves a person-month for each member (the primary
key of person_months holds between workers too), and a member already reserved by another item, or
reported paid by the case system, makes the decision a referral (DUPLICATE_APPLICATION).
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from robots.bots.batches import in_batches
from robots.bots.context import Context
from robots.bots.failures import guarded
from robots.decide import decide as decide_application
from robots.rules.people import normalize
from robots.store.models import PersonMonth, WorkItem
from robots.store.queue import latest_answers, lease, release, reload
from robots.workflow import State, move


def decision_id(item: WorkItem) -> str:
    """Stable per work item, so writing back twice is one decision."""
    return f"casebot-{item.application_id}-{item.period}"


def members(item: WorkItem) -> list[str]:
    """The normalized personnummer of the members as applied for (none when the application cannot say)."""
    household = (item.application or {}).get("household")
    found = household.get("members") if isinstance(household, dict) else None
    return [normalize(m["personnummer"]) for m in found or () if isinstance(m, dict) and isinstance(m.get("personnummer"), str)]


def decide(ctx: Context) -> dict[str, int]:
    counts = {"granted": 0, "referred": 0, "errors": 0}
    with ctx.store.unit_of_work() as session:
        items = lease(session, [State.READY], **ctx.lease_args())
    for batch in in_batches(items, 100):
        with ctx.store.unit_of_work() as session:
            answers = latest_answers(session, [i.id for i in batch])
            for item in reload(session, batch):
                if item is None:
                    continue
                counts[guarded(ctx, session, item, lambda item=item: _decide_one(ctx, session, item, answers[item.id]))] += 1
    return counts


def _held_by_others(session, item: WorkItem) -> dict[str, str]:
    """Members whose month another item holds, with that item's application id."""
    rows = session.execute(
        select(PersonMonth.person, WorkItem.application_id).join(WorkItem, WorkItem.id == PersonMonth.item_id)
        .where(PersonMonth.period == item.period, PersonMonth.person.in_(members(item)), PersonMonth.item_id != item.id)
    )
    return dict(rows.all())


def _reserve(session, item: WorkItem) -> bool:
    """Hold the month of every member for this item; False when another item got one first."""
    mine = set(session.scalars(select(PersonMonth.person).where(PersonMonth.item_id == item.id)))
    try:
        with session.begin_nested():
            session.add_all(PersonMonth(period=item.period, person=p, item_id=item.id) for p in set(members(item)) - mine)
    except IntegrityError:
        return False
    return True


def _decide_one(ctx: Context, session, it: WorkItem, answers: list[dict]) -> str:
    for _ in range(3):  # a race lost to another worker's grant: decide again, now seeing it
        elsewhere = (it.granted_elsewhere or {}) | _held_by_others(session, it)
        decision = decide_application(it.application, answers, ctx.params, decided_at=ctx.decided_at(),
                                      decided_by=ctx.decided_by, granted_elsewhere=elsewhere)
        if decision["outcome"] != "granted" or _reserve(session, it):
            break
    else:
        raise RuntimeError("could not hold the members' month after three tries")
    if decision["outcome"] != "granted":  # a grant that became a referral holds no month
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == it.id))
    it.granted_elsewhere = elsewhere or None
    it.decision, it.decision_id, it.outcome = decision, decision_id(it), decision["outcome"]
    it.amount = decision.get("amount")
    it.decided_at = ctx.clock()
    release(it)
    move(ctx.store, session, it, State.DECIDED if decision["outcome"] == "granted" else State.REFERRED, "decided", ctx.run_id,
         outcome=decision["outcome"], amount=decision.get("amount"), rules_version=decision["rules_version"],
         parameters={kind: used["sha256"] for kind, used in decision["parameters"].items()},
         reasons=[r["code"] for r in decision["reasons"]])
    return decision["outcome"]
