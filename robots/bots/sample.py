"""Sample (stickprov): trust first. A share of grants is paid on time AND put on a follow-up list for a
caseworker to check afterwards; the applicant never waits for it. The draw is random — never a score on
personal traits — and reproducible: it comes from the run's recorded seed and the application id, and
the drawn number is recorded with the item."""

from __future__ import annotations

import random

from sqlalchemy import select

from robots.bots.context import Context
from robots.store.models import State, WorkItem


def draw(seed: int, application_id: str, period: str) -> float:
    """The number drawn for one grant; the same seed and application give the same number."""
    return random.Random(f"{seed}:{application_id}:{period}").random()


def sample(ctx: Context) -> dict[str, int]:
    counts = {"drawn": 0, "sampled": 0}
    with ctx.store.unit_of_work() as session:
        items = session.scalars(
            select(WorkItem).where(WorkItem.outcome == "granted", WorkItem.sample_draw.is_(None),
                                   WorkItem.state.in_([State.DECIDED, State.WRITTEN])).order_by(WorkItem.id)
            .limit(ctx.settings.worker.batch_size).with_for_update(skip_locked=True)
        )
        events = []
        for it in items:
            it.sample_draw = draw(ctx.sample_seed, it.application_id, it.period)
            it.sampled = it.sample_draw < ctx.settings.sample.share
            events.append((it.id, {"seed": ctx.sample_seed, "draw": it.sample_draw, "share": ctx.settings.sample.share, "sampled": it.sampled}))
            counts["drawn"] += 1
            counts["sampled"] += it.sampled
        ctx.store.audit_many(session, "sample drawn", events, ctx.run_id)
    return counts
