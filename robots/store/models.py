"""Tables of the worker's store. States are str enums stored as text."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from robots.workflow import State  # noqa: F401  (stored as text in work_items.state)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in and out, whatever the database keeps (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            value = value.astimezone(UTC)
            return value.replace(tzinfo=None) if dialect.name == "sqlite" else value
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC) if value is not None else value


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class WorkItem(Base):
    """One application for one period, from the case system to a written decision or a caseworker."""

    __tablename__ = "work_items"
    # A month's decisions found by the index, not by reading each item's JSON (SQLite answers from the index
    # alone): a simulation reads 100 000 of them.
    __table_args__ = (UniqueConstraint("application_id", "period", name="work_items_application_period"),
                      Index("ix_work_items_month", "period", "outcome", "application_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[str] = mapped_column(String(31))
    period: Mapped[str] = mapped_column(String(7))
    state: Mapped[str] = mapped_column(String(32), index=True)
    application: Mapped[dict | None] = mapped_column(JSON)  # as claimed from the case system
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when the case system received it: the deadline counts from it
    deadline: Mapped[datetime] = mapped_column(UTCDateTime)  # end of the next working day after submission
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # failed tries of the current step
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    error_kind: Mapped[str | None] = mapped_column(String(16))  # of last_error: SYSTEM, BUSINESS or APPLICATION (a bug)
    # The worker instance that claims (or claimed) the application in the case system; another instance
    # taking the item over after a crash names it to take the claim over.
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    replaces: Mapped[list | None] = mapped_column(JSON)  # earlier claimants that may still hold the claim, until ours holds
    # Members already granted the month in another application (normalized personnummer -> application
    # id), as the decision saw it: from this store's person-months and the case system's ledger.
    granted_elsewhere: Mapped[dict | None] = mapped_column(JSON)
    decision_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    decision: Mapped[dict | None] = mapped_column(JSON)  # the decision in force: the robot's, or a caseworker's after a referral
    referral: Mapped[dict | None] = mapped_column(JSON)  # the robot's referral, kept when a caseworker's decision replaces it
    round: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # 2, 3 …: decided anew (sent back to the robot, or a refused decision requeued)
    outcome: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[int | None] = mapped_column(Integer)
    sample_draw: Mapped[float | None] = mapped_column()  # the recorded stickprov draw, 0..1
    sampled: Mapped[bool | None] = mapped_column()  # on the follow-up list for a caseworker
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    written_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class RegisterAnswer(Base):
    """A register answer as the gateway gave it, kept so that a decision can be re-run and checked."""

    __tablename__ = "register_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)
    attempt: Mapped[int] = mapped_column(Integer)
    answer: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Run(Base):
    """One pass of the bots."""

    __tablename__ = "runs"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    worker: Mapped[str | None] = mapped_column(String(200))  # the worker instance that runs it
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # its last sign of life
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16), default="running")  # running, ok, failed, interrupted
    sample_seed: Mapped[int] = mapped_column()  # stickprov draws of this run come from it
    counts: Mapped[dict] = mapped_column(JSON, default=dict)
    log_dir: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)


class AuditEvent(Base):
    """Append-only, one hash chain per work item (robots/store/audit.py): each event's hash covers the
    previous hash on its item and all of the event, its time included."""

    __tablename__ = "audit_events"
    __table_args__ = (UniqueConstraint("item_id", "seq", name="audit_events_item_seq"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"))
    seq: Mapped[int] = mapped_column(Integer)  # 1, 2, … on its item
    run_id: Mapped[str | None] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    step: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditAnchor(Base):
    """At the end of each run, the heads (item, seq, hash) of the chains it appended to, in a chain of
    anchors: a chain cut short, or an item's chain deleted whole, no longer matches an anchor."""

    __tablename__ = "audit_anchors"
    __table_args__ = (UniqueConstraint("prev_hash", name="audit_anchors_prev_hash"), UniqueConstraint("hash", name="audit_anchors_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str | None] = mapped_column(String(40))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    heads: Mapped[list] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))  # unique: one anchor follows each, so the anchors never fork
    hash: Mapped[str] = mapped_column(String(64))


class PersonMonth(Base):
    """A person granted (or about to be) for a month: at most one work item each, whatever the number of
    applications. The primary key is the guarantee, also between workers that decide at the same time."""

    __tablename__ = "person_months"

    period: Mapped[str] = mapped_column(String(7), primary_key=True)
    person: Mapped[str] = mapped_column(String(12), primary_key=True)  # normalized personnummer
    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), index=True)


class SimulationRow(Base):
    """What a what-if needs of the robot's decision on an item: its features and digest, packed
    (robots/simulation_rows.py). Derived from the recorded inputs and decision, and made again from them
    when missing or of another layout; replaced when the robot decides the item again."""

    __tablename__ = "simulation_rows"

    item_id: Mapped[int] = mapped_column(ForeignKey("work_items.id"), primary_key=True)
    layout: Mapped[str] = mapped_column(String(16))
    row: Mapped[bytes] = mapped_column(LargeBinary)


class ParameterVersion(Base):
    """A norm table or a policy version a decision may use, kept by content hash so that the decision can
    be re-run with exactly its parameters after config/ has changed. Never updated: a change is a new row."""

    __tablename__ = "parameter_versions"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of content
    kind: Mapped[str] = mapped_column(String(16))  # norm_table or policy
    name: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[str] = mapped_column(String(10))
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the file's content
    kept_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class User(Base):
    """A person who signs in to the console (robots/console/auth.py)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(16))  # caseworker, operator, auditor or admin
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, with its own salt and parameters
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConsoleSession(Base):
    """A signed-in browser: the cookie holds a random token, the store only its sha256."""

    __tablename__ = "console_sessions"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))  # every form of the session carries it
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccessEvent(Base):
    """Append-only, one hash chain: who signed in, failed to, signed out, or was added as a user. What a
    person does to a case is on the case's own chain (AuditEvent)."""

    __tablename__ = "access_events"
    __table_args__ = (UniqueConstraint("prev_hash", name="access_events_prev_hash"), UniqueConstraint("hash", name="access_events_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    who: Mapped[str] = mapped_column(String(100), index=True)  # the user name given
    what: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))  # unique: the chain never forks
    hash: Mapped[str] = mapped_column(String(64))


class Alert(Base):
    """An alert, once: its key says what it is about (one item's missed deadline, one failed run …), so a
    condition that lasts pass after pass is told once. Sent when delivered; an error is tried again."""

    __tablename__ = "alerts"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    text: Mapped[str] = mapped_column(Text)
    raised_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
