"""`casebot audit verify`: every item's chain holds, every stored body is the one its event recorded, and
every anchor holds (its chain, and each event it anchored is still there as it was), and the console's
sign-in record holds (robots/store/access.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from robots.store import Store, access
from robots.store.audit import broken_anchors, broken_links, changed_bodies
from robots.store.models import AuditAnchor, AuditEvent, RegisterAnswer, WorkItem


@dataclass
class Problem:
    why: str
    event_id: int | None = None
    item_id: int | None = None
    application_id: str | None = None
    seq: int | None = None
    step: str | None = None
    anchor_id: int | None = None
    run_id: str | None = None
    access_id: int | None = None

    def line(self) -> str:
        if self.access_id is not None:
            return f"sign-in record event {self.access_id}: {self.why}"
        if self.anchor_id is not None:
            return f"anchor {self.anchor_id} (run {self.run_id}): {self.why}"
        return f"event {self.event_id} ({self.step}, number {self.seq} of item {self.item_id}, application {self.application_id}): {self.why}"


@dataclass
class Verdict:
    events: int
    chains: int
    answers: int
    anchors: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems


def verify(store: Store) -> Verdict:
    with store.sessions() as session:
        count = lambda q: session.scalar(q)  # noqa: E731
        verdict = Verdict(count(select(func.count()).select_from(AuditEvent)), count(select(func.count(func.distinct(AuditEvent.item_id)))),
                          count(select(func.count()).select_from(RegisterAnswer)), count(select(func.count()).select_from(AuditAnchor)))
        found = sorted([*broken_links(session), *changed_bodies(session)], key=lambda f: f[0].id)
        applications = dict(session.execute(select(WorkItem.id, WorkItem.application_id)
                                            .where(WorkItem.id.in_({e.item_id for e, _ in found}))).all()) if found else {}
        verdict.problems = [Problem(why, e.id, e.item_id, applications.get(e.item_id), e.seq, e.step) for e, why in found]
        verdict.problems += [Problem(why, anchor_id=a.id, run_id=a.run_id) for a, why in broken_anchors(session)]
    verdict.problems += [Problem(why, access_id=event_id) for event_id, why in access.broken(store)]
    return verdict
