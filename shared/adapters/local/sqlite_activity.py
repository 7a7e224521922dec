"""Query log and feedback of local mode, in SQLite."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shared.adapters.local.sqlite import open_database, write_transaction
from shared.domain.activity import FeedbackRecord, QueryRecord

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id TEXT PRIMARY KEY, principal_id TEXT NOT NULL, role TEXT NOT NULL, question TEXT NOT NULL,
    created_at TEXT NOT NULL, latency_ms REAL NOT NULL, found INTEGER NOT NULL, document_ids TEXT NOT NULL,
    timings_ms TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS feedback (
    query_id TEXT NOT NULL, principal_id TEXT NOT NULL, rating INTEGER NOT NULL, comment TEXT NOT NULL,
    created_at TEXT NOT NULL, PRIMARY KEY (query_id, principal_id)
);
"""


_PURGE_EVERY = 500  # writes between purges of expired queries and their ratings


class SqliteActivityStore:
    """QueryLog and FeedbackStore in one file. With `retention_days`, queries older than that expire with their
    ratings (purged at start-up and every few hundred writes, like a DynamoDB TTL: lazily)."""

    def __init__(self, path: Path, *, retention_days: int | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()
        self._retention, self._clock, self._until_purge = retention_days, clock, _PURGE_EVERY
        self.purge_expired()

    def purge_expired(self) -> int:
        """Delete queries past the retention, and their ratings; the number of queries deleted."""
        if self._retention is None:
            return 0
        cutoff = (datetime.fromtimestamp(self._clock(), UTC) - timedelta(days=self._retention)).isoformat()
        with self._lock, write_transaction(self._db):
            self._db.execute("DELETE FROM feedback WHERE query_id IN (SELECT id FROM queries WHERE created_at < ?)",
                             (cutoff,))
            deleted = self._db.execute("DELETE FROM queries WHERE created_at < ?", (cutoff,)).rowcount
        return deleted

    def put_query(self, record: QueryRecord) -> None:
        self._until_purge -= 1
        if self._until_purge <= 0:
            self._until_purge = _PURGE_EVERY
            self.purge_expired()
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO queries VALUES (?,?,?,?,?,?,?,?,?)",
                (record.id, record.principal_id, record.role, record.question, record.created_at.isoformat(),
                 record.latency_ms, int(record.found), json.dumps(list(record.document_ids)),
                 json.dumps(record.timings_ms)))

    def get_query(self, query_id: str) -> QueryRecord | None:
        row = self._db.execute("SELECT * FROM queries WHERE id = ?", (query_id,)).fetchone()
        if row is None:
            return None
        qid, principal, role, question, created, latency, found, docs, timings = row
        return QueryRecord(id=qid, principal_id=principal, role=role, question=question,
                           created_at=datetime.fromisoformat(created), latency_ms=latency, found=bool(found),
                           document_ids=tuple(json.loads(docs)), timings_ms=json.loads(timings))

    def put_feedback(self, record: FeedbackRecord) -> None:
        """One rating per caller and query: a second one replaces the first."""
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO feedback VALUES (?,?,?,?,?)",
                             (record.query_id, record.principal_id, record.rating, record.comment,
                              record.created_at.isoformat()))

    def list_feedback(self, query_id: str) -> list[FeedbackRecord]:
        rows = self._db.execute("SELECT * FROM feedback WHERE query_id = ?", (query_id,)).fetchall()
        return [FeedbackRecord(q, p, r, c, datetime.fromisoformat(t)) for q, p, r, c, t in rows]
