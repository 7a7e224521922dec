"""Query log and feedback of local mode, in SQLite."""

from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

from shared.adapters.sqlite import open_database
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


class SqliteActivityStore:
    """QueryLog and FeedbackStore in one file."""

    def __init__(self, path: Path) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()

    def put_query(self, record: QueryRecord) -> None:
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
