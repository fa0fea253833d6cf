"""Decide: the rules engine on the application and the register data as received (robots.decide, the
same function `casebot decide` uses). The decision is stored before it is written back, so the write
back always sends the same decision under the same id.

A person is granted at most once a month: a grant reserves a person-month for each member (the primary
key of person_months holds between workers too), and a member already reserved by another item, or
reported paid by the case system, makes the decision a referral (DUPLICATE_APPLICATION).
"""

from __future__ import annotations

from sqlalchemy import delete, select

from robots import simulation_rows
from robots.bots.batches import in_batches
from robots.bots.context import Context
from robots.bots.failures import each_guarded
from robots.decide import decided_case
from robots.rules.people import normalize
from robots.store import audit
from robots.store.db import upsert
from robots.store.models import PersonMonth, SimulationRow, WorkItem
from robots.store.queue import latest_answers, lease, release, reload
from robots.workflow import State, move


def decision_id(item: WorkItem) -> str:
    """Stable per work item and round, so writing back twice is one decision; a round after a caseworker
    sent the application back to the robot is a new decision."""
    return f"casebot-{item.application_id}-{item.period}" + (f"-{item.round}" if item.round > 1 else "")


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
            mine = reload(session, batch)
            held = held_months(session, [i for i in mine if i is not None])
            with session.no_autoflush:  # each item's statements need none of the batch's changes flushed first
                each_guarded(ctx, session, [(item, lambda item=item: _decide_one(ctx, session, item, answers[item.id], held))
                                            for item in mine], counts)
    return counts


Held = dict[tuple[str, str], tuple[int, str]]  # (period, person) -> (item id, application id) holding the month


def held_months(session, items: list[WorkItem]) -> Held:
    """Who holds the months of these items' members, as the store says now: one query for a batch."""
    wanted = {(it.period, p) for it in items for p in members(it)}
    periods, persons = sorted({period for period, _ in wanted}), sorted({p for _, p in wanted})
    found: Held = {}
    for start in range(0, len(persons), 1000):
        rows = session.execute(  # the period first, as in the primary key, so that its index serves
            select(PersonMonth.period, PersonMonth.person, PersonMonth.item_id, WorkItem.application_id)
            .join(WorkItem, WorkItem.id == PersonMonth.item_id)
            .where(PersonMonth.period.in_(periods), PersonMonth.person.in_(persons[start:start + 1000])))
        found.update({(period, person): (item_id, app) for period, person, item_id, app in rows if (period, person) in wanted})
    return found


def held_by_others(held: Held, item: WorkItem) -> dict[str, str]:
    """Members whose month another item holds, with that item's application id."""
    return {p: h[1] for p in members(item) if (h := held.get((item.period, p))) is not None and h[0] != item.id}


def reserve(session, item: WorkItem) -> bool:
    """Hold the month of every member for this item, in one statement; False when another item holds one
    (another worker may have got there since the batch read who holds what, or an item of this batch)."""
    rows = [{"period": item.period, "person": p, "item_id": item.id} for p in sorted(set(members(item)))]
    if not rows:
        return True
    statement = upsert(session, PersonMonth)
    # ON CONFLICT DO UPDATE … WHERE ours: a month this item already holds counts as held, another's does not.
    # Rows as parameters, not values in the statement, so that it is compiled once, not once an item.
    statement = statement.on_conflict_do_update(index_elements=["period", "person"], set_={"item_id": statement.excluded.item_id},
                                                where=PersonMonth.item_id == statement.excluded.item_id)
    # On the session's connection: the ORM's bulk path costs more than the statement itself.
    return len(session.connection().execute(statement.returning(PersonMonth.person), rows).all()) == len(rows)


def _decide_one(ctx: Context, session, it: WorkItem, answers: list[dict], held: Held) -> str:
    for _ in range(3):  # a race lost to another worker's grant: decide again, now seeing it
        elsewhere = (it.granted_elsewhere or {}) | held_by_others(held, it)
        decision, case = decided_case(it.application, answers, ctx.params, decided_at=ctx.decided_at(),
                                      decided_by=ctx.decided_by, granted_elsewhere=elsewhere)
        if decision["outcome"] != "granted" or reserve(session, it):
            break
        held.update(held_months(session, [it]))
    else:
        raise RuntimeError("could not hold the members' month after three tries")
    if decision["outcome"] != "granted":  # a grant that became a referral holds no month
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == it.id))
    it.granted_elsewhere = elsewhere or None
    it.decision, it.decision_id, it.outcome = decision, decision_id(it), decision["outcome"]
    it.amount = decision.get("amount")
    it.decided_at = ctx.clock()
    keep_simulation_row(session, it, case, decision)
    release(it)
    move(ctx.store, session, it, State.DECIDED if decision["outcome"] == "granted" else State.REFERRED, "decided", ctx.run_id,
         outcome=decision["outcome"], amount=decision.get("amount"), rules_version=decision["rules_version"],
         parameters={kind: used["sha256"] for kind, used in decision["parameters"].items()},
         reasons=[r["code"] for r in decision["reasons"]], decision_sha256=audit.digest(decision))
    return decision["outcome"]


def keep_simulation_row(session, item: WorkItem, case, decision: dict) -> None:
    """The decision's row for what-if simulations (robots/simulation_rows.py), in the decision's transaction;
    a new decision on the item replaces it."""
    row = simulation_rows.row_for(item.application or {}, case, decision)
    if row is None:  # a reason the batch cannot say: a simulation re-runs this month case by case
        session.execute(delete(SimulationRow).where(SimulationRow.item_id == item.id))
        return
    statement = upsert(session, SimulationRow)
    statement = statement.on_conflict_do_update(index_elements=["item_id"], set_={"layout": statement.excluded.layout, "row": statement.excluded.row})
    session.connection().execute(statement, [{"item_id": item.id, "layout": simulation_rows.LAYOUT, "row": row}])
