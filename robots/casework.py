"""What people do to work items, beside the robot: a caseworker decides a referred application or sends it
back to the robot, checks a stickprov; an operator sends a failed item back to where it failed. The
console calls these, and so can a command; each is one workflow move with its audit event, naming who.

A caseworker's decision goes to the case system through the same port and the same write back as the
robot's (robots/bots/write_back.py): written at once when the case system answers, else by the worker's
next pass, and never twice (its own decision id).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, exists, select

from connectors.errors import ConnectorError
from robots.bots.context import Context
from robots.bots.decide import decision_id, held_by_others, held_months, reserve
from robots.bots.write_back import write_back
from robots.contract.validate import application_problems
from robots.rules import caseworker
from robots.store import audit
from robots.store.models import AuditEvent, PersonMonth, WorkItem
from robots.store.queue import release as release_lease
from robots.workflow import State, move

SAMPLE_CHECKED = "sample checked"


def _anchored(ctx: Context, item_id: int) -> None:
    """Anchor the item's chain after a person's action (a run anchors what it did at its end; a person's
    action belongs to no run): cutting the chain short afterwards no longer goes unseen."""
    try:
        ctx.store.anchor("console", items=[item_id])
    except Exception:  # noqa: BLE001 - the action is done and recorded; the anchor is a check on it
        ctx.log.exception("could not anchor item %s after a person's action", item_id)


class NotPossible(Exception):
    """The action cannot be taken on the item as it is now; the message says why, in Swedish, for the page."""


@dataclass(frozen=True)
class Person:
    name: str
    role: str

    @property
    def signature(self) -> str:
        return f"{self.role}:{self.name}"


def _locked(session, item_id: int, now, state: State | None = None) -> WorkItem:
    """The item, locked for this transaction, with its chain's head; refused while a worker holds its lease."""
    item = session.scalars(select(WorkItem).where(WorkItem.id == item_id).with_for_update()).first()
    if item is None:
        raise NotPossible(f"Det finns inget ärende {item_id}.")
    if state is not None and item.state != state:
        raise NotPossible(f"Ärendet är inte hos en handläggare längre (det är {item.state}); ladda om sidan.")
    if item.lease_until is not None and item.lease_until > now:
        raise NotPossible("Roboten arbetar med ärendet just nu; försök igen om en minut.")
    audit.load_heads(session, [item.id])
    return item


def decide(ctx: Context, item_id: int, person: Person, outcome: str, justification: str,
           adjustments: dict[str, dict[str, int]] | None = None, amount: int | None = None) -> WorkItem:
    """A caseworker's decision on a referred application (caseworker.decide makes it), then written to the
    case system. A grant holds the members' month as the robot's does: one already held elsewhere is refused."""
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock(), State.WITH_CASEWORKER)
        referral = item.decision
        try:
            decision = caseworker.decide(referral, outcome, justification, ctx.params.law, decided_at=ctx.decided_at(),
                                         decided_by=f"caseworker:{person.name}", adjustments=adjustments, amount=amount)
        except caseworker.NotAllowed as e:
            raise NotPossible(str(e)) from e
        if outcome == "granted":
            # Members the store holds for another item, or the case system's ledger already pays (the referral's
            # DUPLICATE_APPLICATION): a person is paid at most once a month, whoever decides.
            others = (item.granted_elsewhere or {}) | held_by_others(held_months(session, [item]), item)
            if others or not reserve(session, item):
                raise NotPossible("Någon i hushållet har redan beviljats försörjningsstöd för månaden i ansökan "
                                  f"{', '.join(sorted(set(others.values()))) or 'som roboten nyss beslutade'}.")
        item.referral, item.decision, item.decision_id = referral, decision, f"{decision_id(item)}-handlaggare"
        item.outcome, item.amount, item.decided_at, item.written_at = outcome, decision.get("amount"), ctx.clock(), None
        item.attempts, item.next_attempt_at, item.last_error, item.error_kind = 0, None, None, None
        move(ctx.store, session, item, State.CASEWORKER_DECIDED, "decided", by=person.signature, outcome=outcome,
             amount=decision.get("amount"), adjustments=decision.get("adjustments"), justification=decision["justification"],
             decision_sha256=audit.digest(decision))
    write_back(ctx, only=[item_id])  # now, if the case system answers; else the worker's next pass
    _anchored(ctx, item_id)
    with ctx.store.sessions() as session:
        return session.get(WorkItem, item_id)


def send_back(ctx: Context, item_id: int, person: Person, note: str) -> None:
    """Give a referred application back to the robot: the case system files it as submitted again, and the
    robot claims it, fetches the register data anew and decides it, under a new decision id (round + 1)."""
    note = " ".join(note.split())
    if not note:
        raise NotPossible("Skriv varför ansökan går tillbaka till roboten.")
    with ctx.store.unit_of_work() as session:
        application_id = _locked(session, item_id, ctx.clock(), State.WITH_CASEWORKER).application_id
    # The case system's call outside any transaction of ours: a slow answer must hold up no worker. Reopening
    # is idempotent, so a call whose answer was lost, or a move below that did not commit, is simply made again.
    try:
        ctx.casesystem.reopen(application_id, person.name, note)
    except ConnectorError as e:
        raise NotPossible(f"Verksamhetssystemet tog inte emot återlämnandet: {e}") from e
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock(), State.WITH_CASEWORKER)
        item.referral, item.round = item.decision, item.round + 1
        item.decision = item.decision_id = item.outcome = item.amount = item.decided_at = item.written_at = None
        item.attempts, item.next_attempt_at, item.last_error, item.error_kind = 0, None, None, None
        move(ctx.store, session, item, State.NEW, "sent back", by=person.signature, note=note, round=item.round)
    _anchored(ctx, item_id)


def requeue(ctx: Context, item_id: int, person: Person, note: str) -> State:
    """Send a FAILED item back to where it failed: a decision not yet written is written again, an
    application claimed is fetched and decided again, one never claimed is claimed again."""
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock())
        if item.state != State.FAILED:
            raise NotPossible(f"Bara ett misslyckat ärende (FAILED) kan köas om; det här är {item.state}.")
        refused = item.error_kind == "BUSINESS"  # the case system said no: sending the same decision again would not help
        by_person = item.decision is not None and str(item.decision.get("decided_by", "")).startswith("caseworker:")
        if item.decision is not None:  # a FAILED item's decision was never written (a written one is done)
            if by_person:
                to = State.WITH_CASEWORKER if refused else State.CASEWORKER_DECIDED
            elif item.outcome == "granted":
                to = State.READY if refused else State.DECIDED
            else:
                to = State.REFERRED
        elif item.application is not None:
            to = State.READY if application_problems(item.application) else State.CLAIMED
        else:
            to = State.NEW
        # A decision the case system refused is set aside, and the next one is a new round: a new decision id.
        if to == State.WITH_CASEWORKER:  # back to the robot's referral, for a caseworker to decide again
            item.decision, item.decision_id, item.outcome, item.amount, item.referral = item.referral, None, "referred", None, None
            item.round += 1
        elif to == State.READY and item.decision is not None:  # the rules decide again, seeing what the case system said
            item.decision = item.decision_id = item.outcome = item.amount = None
            item.round += 1
        if to in (State.CLAIMED, State.READY, State.NEW, State.WITH_CASEWORKER):
            session.execute(delete(PersonMonth).where(PersonMonth.item_id == item.id))
        release_lease(item)
        item.attempts, item.next_attempt_at, item.error_kind = 0, None, None
        move(ctx.store, session, item, to, "requeued", by=person.signature, note=" ".join(note.split()) or None, after=item.last_error)
        item.last_error = None
    _anchored(ctx, item_id)
    return to


def check_sample(ctx: Context, item_id: int, person: Person, note: str) -> None:
    """Mark a stickprov as followed up, with the caseworker's note."""
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock())
        if not item.sampled:
            raise NotPossible("Ärendet är inte uttaget i stickprov.")
        if session.scalar(select(exists().where(AuditEvent.item_id == item.id, AuditEvent.step == SAMPLE_CHECKED))):
            raise NotPossible("Stickprovet är redan kontrollerat.")
        ctx.store.audit(session, SAMPLE_CHECKED, {"by": person.signature, "note": " ".join(note.split()) or None}, item.id)
    _anchored(ctx, item_id)


def retry_now(ctx: Context, item_id: int, person: Person, note: str) -> State:
    """An operator's retry: a FAILED item is requeued (`requeue`); a WAITING one is made due at once."""
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock())
        waiting = item.state == State.WAITING
        if waiting:
            item.next_attempt_at = None
            move(ctx.store, session, item, State.WAITING, "retry now", by=person.signature, note=" ".join(note.split()) or None)
    if waiting:
        _anchored(ctx, item_id)
        return State.WAITING
    return requeue(ctx, item_id, person, note)


# What a person may take over from the robot: items with no decision of the robot's on the way.
RELEASABLE = (State.NEW, State.CLAIMED, State.WAITING, State.READY, State.FAILED)


def release(ctx: Context, item_id: int, person: Person, note: str) -> None:
    """A person takes the application over: the robot's claim in the case system is given back and the item
    is WITHDRAWN (not the robot's any more). Not once a decision is on its way: that is written, or requeued."""
    note = " ".join(note.split())
    if not note:
        raise NotPossible("say why the application is taken from the robot (--note)")
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock())
        if item.state not in RELEASABLE or item.decision is not None:
            raise NotPossible(f"item {item_id} is {item.state}{' with a decision on its way' if item.decision is not None else ''}: "
                              "only an item without a decision can be released")
        application_id, claimant = item.application_id, item.claimed_by
    if claimant is not None:  # outside our transaction, as every call to the case system; releasing is idempotent
        try:
            ctx.casesystem.release(application_id, claimant)
        except ConnectorError as e:
            raise NotPossible(f"the case system did not take the claim back: {e}") from e
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock())
        if item.state not in RELEASABLE or item.decision is not None:
            raise NotPossible(f"item {item_id} changed meanwhile (it is {item.state}); look again")
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == item.id))
        release_lease(item)
        move(ctx.store, session, item, State.WITHDRAWN, "released", by=person.signature, note=note)
    _anchored(ctx, item_id)


def resolve(ctx: Context, item_id: int, person: Person, note: str) -> None:
    """A FAILED item a person has dealt with outside casebot (decided in the case system, say): WITHDRAWN,
    out of the SLA watch, with the person's note in the trail; a claim the robot still holds is given back,
    so that caseworkers can edit the application at once."""
    note = " ".join(note.split())
    if not note:
        raise NotPossible("say how it was resolved (--note)")
    with ctx.store.unit_of_work() as session:
        item = _locked(session, item_id, ctx.clock())
        if item.state != State.FAILED:
            raise NotPossible(f"item {item_id} is {item.state}: only a FAILED item is resolved by hand")
        session.execute(delete(PersonMonth).where(PersonMonth.item_id == item.id))
        move(ctx.store, session, item, State.WITHDRAWN, "resolved", by=person.signature, note=note, after=item.last_error)
        application_id, claimant = item.application_id, item.claimed_by
    _anchored(ctx, item_id)
    if claimant is not None:
        try:
            ctx.casesystem.release(application_id, claimant)
        except ConnectorError as e:  # decided there meanwhile, or not answering: the claim lapses by itself
            ctx.log.warning("resolve: the claim on %s was not given back (%s); it lapses after [worker] claim_seconds", application_id, e)
