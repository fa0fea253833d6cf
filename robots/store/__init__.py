"""The worker's own database: work items, register data as received, decisions, runs, audit trail.

SQLite file by default; PostgreSQL by URL (CASEBOT_DATABASE_URL) with the same code. The schema is
kept by Alembic migrations: an empty store gets the schema when first opened; a store at an older
revision is refused until `casebot migrate` brings it up to date.
"""

from robots.store.db import Store, StoreOutOfDate, migrate_store, open_store
from robots.store.models import (
    AuditEvent,
    RegisterAnswer,
    Run,
    SimulationRow,
    State,
    WorkItem,
)

__all__ = ["AuditEvent", "RegisterAnswer", "Run", "SimulationRow", "State", "Store", "StoreOutOfDate", "WorkItem", "migrate_store", "open_store"]
