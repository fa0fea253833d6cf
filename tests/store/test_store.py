"""The store itself: reads never wait for a writing pass on SQLite, and a schema is changed only by
`casebot migrate` (or on an empty store's first open)."""

import hashlib
import json
import subprocess
import sys
import threading
from contextlib import nullcontext

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import text

from robots.status import status_report
from robots.store import StoreOutOfDate, migrate_store, open_store
from robots.store.db import _alembic, _engine, revisions
from robots.store.models import Base
from tests.worlds import postgres_schema


def test_on_sqlite_status_answers_while_a_pass_holds_the_write_lock(tmp_path):
    store = open_store(f"sqlite:///{tmp_path / 'casebot.sqlite3'}")
    holding, release = threading.Event(), threading.Event()

    def a_pass_writing():
        with store.unit_of_work() as session:
            session.execute(text("INSERT INTO runs (id, started_at, outcome, sample_seed, counts) VALUES ('r1', '2026-11-25', 'running', 1, '{}')"))
            holding.set()
            release.wait(60)

    writer = threading.Thread(target=a_pass_writing)
    writer.start()
    holding.wait(10)
    try:
        report = status_report(store)  # blocked by the writer, this would fail with "database is locked"
        assert "Work items by state:" in report and not release.is_set()
    finally:
        release.set()
        writer.join()
    assert "r1" in status_report(store)  # and after the pass commits, its run is there
    store.engine.dispose()


def store_at(tmp_path, revision: str, rows=lambda connection: None) -> str:
    """A SQLite store at an older schema revision, with the rows `rows` puts in; its URL."""
    url = f"sqlite:///{tmp_path / 'casebot.sqlite3'}"
    engine = _engine(url)
    config = _alembic()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        rows(connection)
    engine.dispose()
    return url


def test_an_older_store_is_refused_until_casebot_migrate(tmp_path):
    url = store_at(tmp_path, "0003")
    with pytest.raises(StoreOutOfDate, match="has schema revision 0003; this casebot needs .*: run `casebot migrate`"):
        open_store(url)
    env = {"CASEBOT_DATABASE_URL": url, "PATH": ""}
    status = subprocess.run([sys.executable, "-m", "robots", "status"], env=env, capture_output=True, text=True, timeout=60)
    assert status.returncode == 2 and status.stderr.count("\n") == 1 and "run `casebot migrate`" in status.stderr
    migrated = subprocess.run([sys.executable, "-m", "robots", "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert migrated.returncode == 0 and "store schema: 0003 ->" in migrated.stdout
    store = open_store(url)
    store.engine.dispose()
    again = subprocess.run([sys.executable, "-m", "robots", "migrate"], env=env, capture_output=True, text=True, timeout=60)
    assert "already the newest" in again.stdout


def chain_until_0008(connection, events: list[tuple[int, str]]) -> None:
    """Audit events as revisions up to 0008 wrote them: one chain for the whole store, time not hashed."""
    previous = "0" * 64
    for item_id, step in events:
        body = json.dumps({"step": step, "item": item_id, "run": None, "detail": {}}, sort_keys=True, ensure_ascii=False)
        hash_ = hashlib.sha256((previous + body).encode()).hexdigest()
        connection.execute(text("INSERT INTO audit_events (item_id, at, step, detail, prev_hash, hash)"
                                " VALUES (:i, '2026-11-19 08:00:00.000000', :s, '{}', :p, :h)"), {"i": item_id, "s": step, "p": previous, "h": hash_})
        previous = hash_


def items_at_0008(connection, n: int = 3) -> None:
    for i in range(n):
        connection.execute(text(
            "INSERT INTO work_items (application_id, period, state, received_at, deadline, attempts, created_at, updated_at)"
            " VALUES (:a, '2023-11', 'NEW', '2026-11-19', '2026-11-20', 0, '2026-11-19', '2026-11-19')"), {"a": f"A-{i}"})


def test_migrating_links_the_old_single_chain_again_one_chain_per_item(tmp_path):
    url = store_at(tmp_path, "0008", lambda c: (items_at_0008(c), chain_until_0008(c, [(1, "intake"), (2, "intake"), (1, "claimed"), (3, "intake"), (1, "fetched")])))
    migrate_store(url)
    store = open_store(url)
    with store.sessions() as session:
        chains = session.execute(text("SELECT item_id, seq, step FROM audit_events ORDER BY item_id, seq")).all()
    assert store.verify_audit_chain() is None
    store.engine.dispose()
    assert [tuple(c) for c in chains] == [(1, 1, "intake"), (1, 2, "claimed"), (1, 3, "fetched"), (2, 1, "intake"), (3, 1, "intake")]


def test_a_store_whose_old_chain_does_not_hold_is_not_migrated(tmp_path):
    def tampered(connection):
        items_at_0008(connection)
        chain_until_0008(connection, [(1, "intake"), (2, "intake"), (3, "intake")])
        connection.execute(text("UPDATE audit_events SET step = 'claimed' WHERE id = 2"))

    url = store_at(tmp_path, "0008", tampered)
    with pytest.raises(RuntimeError, match="audit event 2 does not hold in the store's chain; the store is not migrated"):
        migrate_store(url)
    assert revisions(_engine(url))[0] == "0008"  # nothing changed


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_migrations_build_the_schema_the_models_describe(tmp_path, backend):
    with (postgres_schema() if backend == "postgres" else nullcontext(f"sqlite:///{tmp_path / 'casebot.sqlite3'}")) as url:
        store = open_store(url)
        with store.engine.connect() as connection:
            # SQLite keeps no VARCHAR length, so only PostgreSQL's columns were widened (0007): compare types there
            context = MigrationContext.configure(connection, opts={"compare_type": backend == "postgres"})
            differences = compare_metadata(context, Base.metadata)
        store.engine.dispose()
    assert differences == []


def test_migrating_a_store_full_of_history_keeps_it_and_names_a_written_back_referral_with_caseworker(tmp_path):
    def items(connection):
        for n, (state, written) in enumerate((("REFERRED", "2026-11-20"), ("REFERRED", None), ("WRITTEN", "2026-11-20"))):
            connection.execute(text(
                "INSERT INTO work_items (application_id, period, state, submitted_at, deadline, attempts, created_at, updated_at, written_at)"
                " VALUES (:a, '2023-11', :s, '2026-11-19', '2026-11-20', 0, '2026-11-19', '2026-11-19', :w)"), {"a": f"A-{n}", "s": state, "w": written})
            connection.execute(text("INSERT INTO register_answers (item_id, attempt, answer, received_at) VALUES (:i, 1, '{}', '2026-11-19')"),
                               {"i": n + 1})
        # rows that point at the items, as in every real store: a migration must not need to drop work_items
        chain_until_0008(connection, [(1, "intake"), (2, "intake"), (3, "intake")])

    url = store_at(tmp_path, "0003", items)
    subprocess.run([sys.executable, "-m", "robots", "migrate"], env={"CASEBOT_DATABASE_URL": url, "PATH": ""}, check=True, capture_output=True)
    store = open_store(url)
    with store.sessions() as session:
        states = [s for (s,) in session.execute(text("SELECT state FROM work_items ORDER BY application_id"))]
        kept = session.execute(text("SELECT count(*) FROM audit_events")).scalar(), session.execute(text("SELECT count(*) FROM register_answers")).scalar()
        received = session.execute(text("SELECT received_at FROM work_items ORDER BY id")).scalars().all()
    store.engine.dispose()
    assert states == ["WITH_CASEWORKER", "REFERRED", "WRITTEN"]
    assert kept == (3, 3) and len(received) == 3


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_trail_is_append_only_in_the_database(tmp_path, backend):
    from datetime import UTC, datetime

    from sqlalchemy.exc import DatabaseError

    from robots.store import RegisterAnswer
    from robots.store.queue import add_new

    with (postgres_schema() if backend == "postgres" else nullcontext(f"sqlite:///{tmp_path / 'casebot.sqlite3'}")) as url:
        store = open_store(url)
        now = datetime(2026, 11, 26, tzinfo=UTC)
        with store.unit_of_work() as session:
            [(item_id, _)] = add_new(session, [{"application_id": "A-1", "period": "2026-11", "state": "NEW", "received_at": now, "deadline": now}])
            store.audit(session, "intake", {}, item_id)
            session.add(RegisterAnswer(item_id=item_id, attempt=1, answer={}))
        refused = ["UPDATE audit_events SET step = 'x'", "DELETE FROM audit_events", "DELETE FROM register_answers"]
        refused += ["TRUNCATE audit_events", "TRUNCATE register_answers", "TRUNCATE audit_anchors"] if backend == "postgres" else []
        for sql in refused:
            with pytest.raises(DatabaseError, match="append-only"), store.engine.begin() as connection:
                connection.execute(text(sql))
        assert store.verify_audit_chain() is None
        store.engine.dispose()


def test_on_postgresql_the_worker_vacuums_the_work_queue_once_it_is_full_of_dead_rows(tmp_path):
    from datetime import UTC, datetime

    from robots.store.queue import add_new

    with postgres_schema() as url:
        store = open_store(url)
        now = datetime(2026, 11, 26, tzinfo=UTC)
        assert not store.tidy()  # nothing to tidy yet
        with store.unit_of_work() as session:
            add_new(session, [{"application_id": f"A-{n}", "period": "2026-11", "state": "NEW", "received_at": now, "deadline": now}
                              for n in range(3000)])
        for state in ("CLAIMED", "READY", "DECIDED"):  # three versions of each row left behind
            with store.engine.begin() as connection:
                connection.execute(text("UPDATE work_items SET state = :s"), {"s": state})
                connection.execute(text("SELECT pg_stat_force_next_flush()"))
        with store.engine.connect() as connection:
            dead = connection.scalar(text("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relid = 'work_items'::regclass"))
        assert dead >= 5000
        assert store.tidy()
        # vacuumed once (how many dead rows it could remove depends on the oldest transaction anywhere in the
        # database, another test's included: not asserted)
        with store.engine.connect() as connection:
            assert connection.scalar(text("SELECT vacuum_count FROM pg_stat_user_tables WHERE relid = 'work_items'::regclass")) == 1
        store.engine.dispose()


def test_services_started_together_on_an_empty_postgresql_make_its_schema_once():
    import threading

    from tests.worlds import postgres_schema

    with postgres_schema() as url:
        errors = []

        def start():
            try:
                open_store(url).engine.dispose()
            except Exception as e:  # noqa: BLE001 - what failed is the test's finding
                errors.append(e)

        threads = [threading.Thread(target=start) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
