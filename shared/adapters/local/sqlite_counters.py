"""Expiring atomic counters of local mode, in SQLite (stdlib): atomic across threads and processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from shared.adapters.local.sqlite import open_database, write_transaction

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (key TEXT PRIMARY KEY, value INTEGER NOT NULL, expires_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS counters_by_expiry ON counters(expires_at);
"""
# One upsert does the read-add-write inside SQLite's write lock, so no two increments can see the same
# value. A row past its expiry is treated as absent (restarts at 1) even before the purge removes it.
_INCREMENT = """
INSERT INTO counters (key, value, expires_at) VALUES (:key, 1, :expires_at)
ON CONFLICT (key) DO UPDATE SET
    value = CASE WHEN expires_at <= :now THEN 1 ELSE value + 1 END,
    expires_at = CASE WHEN expires_at <= :now THEN excluded.expires_at ELSE expires_at END
RETURNING value
"""
_PURGE_EVERY = 500  # increments between purges of expired rows: keeps the table small, costs little


class SqliteCounterStore:
    """CounterStore on SQLite. Expired counters read as absent at once and are deleted lazily."""

    def __init__(self, path: Path, *, clock: Callable[[], float] = time.time) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()
        self._clock = clock
        self._until_purge = _PURGE_EVERY

    def increment(self, key: str, *, ttl_seconds: int) -> int:
        """Add 1 to `key` and return the new value; a new or expired counter lives `ttl_seconds`."""
        now = self._clock()
        with self._lock, write_transaction(self._db):
            params = {"key": key, "now": now, "expires_at": now + ttl_seconds}
            rows = self._db.execute(_INCREMENT, params).fetchall()
            self._until_purge -= 1
            if self._until_purge <= 0:
                self._db.execute("DELETE FROM counters WHERE expires_at <= ?", (now,))
                self._until_purge = _PURGE_EVERY
        return rows[0][0]
