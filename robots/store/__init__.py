"""The worker's own database: work items, register data as received, decisions, runs, audit trail.

SQLite file by default; PostgreSQL by URL (CASEBOT_DATABASE_URL) with the same code. The schema is
kept by Alembic migrations, applied when the store is opened.
"""

from robots.store.db import Store, open_store
from robots.store.models import AuditEvent, RegisterAnswer, Run, State, WorkItem

__all__ = ["AuditEvent", "RegisterAnswer", "Run", "State", "Store", "WorkItem", "open_store"]
