"""`casebot audit verify`: every item's chain holds, and every stored body is the one its event recorded."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from robots.store import Store
from robots.store.audit import broken_links, changed_bodies
from robots.store.models import AuditEvent, RegisterAnswer, WorkItem


@dataclass
class Problem:
    event_id: int
    item_id: int
    application_id: str | None
    seq: int
    step: str
    why: str

    def line(self) -> str:
        return f"event {self.event_id} ({self.step}, number {self.seq} of item {self.item_id}, application {self.application_id}): {self.why}"


@dataclass
class Verdict:
    events: int
    chains: int
    answers: int
    problems: list[Problem] = field(default_factory=list)

    @property
    def holds(self) -> bool:
        return not self.problems


def verify(store: Store) -> Verdict:
    with store.sessions() as session:
        verdict = Verdict(session.scalar(select(func.count()).select_from(AuditEvent)),
                          session.scalar(select(func.count(func.distinct(AuditEvent.item_id)))),
                          session.scalar(select(func.count()).select_from(RegisterAnswer)))
        found = [*broken_links(session), *changed_bodies(session)]
        applications = dict(session.execute(select(WorkItem.id, WorkItem.application_id)
                                            .where(WorkItem.id.in_({e.item_id for e, _ in found}))).all()) if found else {}
        verdict.problems = [Problem(e.id, e.item_id, applications.get(e.item_id), e.seq, e.step, why)
                            for e, why in sorted(found, key=lambda f: f[0].id)]
    return verdict
