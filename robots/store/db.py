"""Opening the store: the engine, the schema migrations, and a unit of work."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from robots.folders import data_dir
from robots.store import audit

MIGRATIONS = Path(__file__).parent / "migrations"
BUSY_SECONDS = 30  # how long a SQLite writer waits for its turn before it fails
TIDY_LOCK = 7306  # PostgreSQL advisory lock key: one worker vacuums the work queue at a time (7305 is the scheduler's)
MIGRATE_LOCK = 7307  # … and one process migrates the schema at a time
TIDY_AT_LEAST = 5000  # dead row versions before a vacuum is worth it
TIDY_EVERY = 30  # seconds at least between two vacuums by one process
WRITING = "casebot_writing"  # execution option of the connections a unit of work uses


def database_url() -> str:
    """CASEBOT_DATABASE_URL, else the SQLite file in the data folder (robots/folders.py)."""
    return os.environ.get("CASEBOT_DATABASE_URL") or f"sqlite:///{data_dir() / 'casebot.sqlite3'}"


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event below issue BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_SECONDS * 1000}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """A writing transaction takes the write lock when it starts, so that leasing work is atomic between
    processes; a reading one does not, so `casebot status` or a console page never waits for a pass (WAL
    lets readers read while one writes)."""
    connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITING) else "BEGIN")


def upsert(session: Session, model):
    """INSERT … that can say ON CONFLICT, in the store's dialect."""
    return (postgresql_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert)(model)


def insert_skipping(session: Session, model, rows: list[dict], key: list[str]):
    """INSERT … ON CONFLICT (key) DO NOTHING, in the store's dialect: one statement and no read first, so
    workers doing the same at once never insert a row twice nor fail on one another's."""
    return upsert(session, model).values(rows).on_conflict_do_nothing(index_elements=key)


class Store:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessions = sessionmaker(engine, expire_on_commit=False)  # for reading
        self._writing = sessionmaker(engine.execution_options(**{WRITING: True}), expire_on_commit=False)
        self._writer = threading.Lock() if engine.dialect.name == "sqlite" else None
        self._tidied = float("-inf")  # when this process last vacuumed the work queue (monotonic seconds)

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    @contextmanager
    def unit_of_work(self) -> Iterator[Session]:
        """One writing transaction: committed when the block ends normally, rolled back otherwise. No lock
        covers the whole store: workers are kept apart by their leases on items, and each item's audit
        chain is its own (robots/store/audit.py)."""
        with self._one_writer(), self._writing() as session, session.begin():
            yield session

    @contextmanager
    def _one_writer(self) -> Iterator[None]:
        """On SQLite, one writing transaction of this process at a time, queued on a lock of our own. SQLite
        lets one writer in anyway, but its busy handler makes the others sleep and retry, up to 100 ms a
        try, long after the lock is free: with a streamed pass's threads all writing, that was most of a
        stage's time. Other processes still wait in the busy handler."""
        if self._writer is None:
            yield
            return
        if not self._writer.acquire(timeout=BUSY_SECONDS):
            raise TimeoutError(f"no write turn on the SQLite store within {BUSY_SECONDS} s")
        try:
            yield
        finally:
            self._writer.release()

    def audit(self, session: Session, step: str, detail: dict, item_id: int, run_id: str | None = None) -> None:
        """Append an event to the item's audit chain, in the session's transaction."""
        audit.append(session, step, detail, item_id, run_id)

    def audit_many(self, session: Session, step: str, events: list[tuple[int, dict]], run_id: str | None = None) -> None:
        """Append (item id, detail) events of one step in one statement: for bots storing a batch at a time."""
        audit.append_many(session, step, events, run_id)

    def tidy(self) -> bool:
        """On PostgreSQL, vacuum the work queue when its dead row versions pass a fifth of its live rows;
        True when it did. Every step updates an item, and each update leaves a dead version behind in
        the table and in the state and lease indexes: without a vacuum, leasing the next batch reads them
        all, and a month of 100 000 applications gets slower item by item (seen with autovacuum off, as a
        server may have it). One worker at a time (an advisory lock); the others go on meanwhile."""
        if not self.is_postgres or time.monotonic() - self._tidied < TIDY_EVERY:
            return False  # a vacuum that an old transaction elsewhere kept from cleaning is not tried again at once
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            dead, live = connection.execute(text(
                "SELECT n_dead_tup, n_live_tup FROM pg_stat_user_tables WHERE relid = 'work_items'::regclass")).one()
            if dead < max(TIDY_AT_LEAST, live // 5) or not connection.scalar(text(f"SELECT pg_try_advisory_lock({TIDY_LOCK})")):
                return False
            try:
                connection.exec_driver_sql("VACUUM (ANALYZE) work_items")
                self._tidied = time.monotonic()
            finally:
                connection.scalar(text(f"SELECT pg_advisory_unlock({TIDY_LOCK})"))
        return True

    def anchor(self, run_id: str, items: list[int] | None = None) -> str | None:
        """Anchor what the run appended to the trail, or the chains of `items` (audit.anchor); the anchor's
        hash, or None when there was nothing. Another anchoring at the same moment makes this one try again."""
        for attempt in range(5):
            try:
                with self.unit_of_work() as session:
                    made = audit.anchor(session, run_id, items)
                    return made.hash if made is not None else None
            except IntegrityError:
                if attempt == 4:
                    raise
        return None

    def verify_audit_chain(self) -> int | None:
        """The id of the first event whose chain does not hold, or None when every chain holds."""
        with self.sessions() as session:
            return next((e.id for e, _ in audit.broken_links(session)), None)


class StoreOutOfDate(Exception):
    """The store cannot be used as it is — its schema is older or newer than this casebot's, or there is
    no store at all where one was expected —; the message says what to do."""


def _alembic() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def revisions(engine: Engine) -> tuple[str | None, str]:
    """(the store's schema revision, None for an empty store; the newest this casebot knows)."""
    with engine.connect() as connection:
        current = MigrationContext.configure(connection).get_current_revision()
    return current, ScriptDirectory.from_config(_alembic()).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (Alembic): `casebot migrate`, and an empty store's first open.
    On PostgreSQL one process at a time (a transaction-scoped advisory lock): services started together on an
    empty database would otherwise all create the schema at once, and all but one fail. Those that waited
    find it made (Alembic upgrades from where the store is)."""
    config = _alembic()
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATE_LOCK})"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def _engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    return engine


def open_store(url: str | None = None, *, create: bool = True) -> Store:
    """The store at `url`; an empty one gets the schema (unless not `create`: the auditor's commands read
    a store, never make one). One with another schema revision is refused with what to do: migrating is an
    operator's step (`casebot migrate`), not a side effect of opening."""
    url = url or database_url()
    missing = "there is no casebot store at {}: check [database] url in config/casebot.toml or CASEBOT_DATABASE_URL"
    if not create and url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
        raise StoreOutOfDate(missing.format(url))  # not even an empty file left behind
    engine = _engine(url)
    current, head = revisions(engine)
    if current is None and not create:
        where = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        raise StoreOutOfDate(missing.format(where))
    if current is None:
        migrate(engine)
    elif current != head:
        where = engine.url.render_as_string(hide_password=True)
        engine.dispose()
        raise StoreOutOfDate(f"the store {where} has schema revision {current}; this casebot needs {head}: "
                             "run `casebot migrate` (back up the store first)")
    return Store(engine)


def migrate_store(url: str | None = None) -> tuple[str | None, str]:
    """`casebot migrate`: (the revision before, the revision now)."""
    engine = _engine(url or database_url())
    try:
        before, head = revisions(engine)
        migrate(engine)
        return before, head
    finally:
        engine.dispose()
