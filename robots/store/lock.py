"""One scheduler per store: a lock that dies with its process, so a standby takes over when the active
scheduler dies. PostgreSQL advisory lock; for a SQLite store, an flock on a file beside the database.
Workers take no lock: leases keep them apart."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from sqlalchemy import text

from robots.store.db import Store

SCHEDULER_LOCK_KEY = 7305


class SchedulerLock:
    def __init__(self, store: Store):
        self.store = store
        self._handle = None

    def acquire(self) -> bool:
        """True when this process now holds the lock; False when another scheduler holds it."""
        if self.store.is_postgres:
            connection = self.store.engine.connect()
            if connection.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": SCHEDULER_LOCK_KEY}).scalar():
                self._handle = connection
                return True
            connection.close()
            return False
        path = Path(f"{self.store.engine.url.database}.scheduler.lock")
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._handle = fd
        return True

    def release(self) -> None:
        if self._handle is None:
            return
        if self.store.is_postgres:
            self._handle.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": SCHEDULER_LOCK_KEY})
            self._handle.close()
        else:
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            os.close(self._handle)
        self._handle = None
