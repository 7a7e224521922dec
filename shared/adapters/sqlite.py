"""Opening the SQLite files of local mode, one way for every adapter."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def open_database(path: Path, schema: str) -> sqlite3.Connection:
    """A connection shareable across threads, in autocommit mode (adapters open their own transactions),
    in WAL mode so readers never block the writer and other processes see committed writes; waits up to
    30 s for another process's write lock. `schema` is run once (CREATE ... IF NOT EXISTS statements).
    A power cut may lose the last commits (never the file): acceptable for local mode's logs and counters."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    # In WAL mode NORMAL never corrupts the file; it fsyncs at checkpoints instead of at every commit,
    # which would otherwise cost each query several fsyncs (rate limit, query log, analytics counters).
    db.execute("PRAGMA synchronous=NORMAL")
    db.executescript(schema)
    return db


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One write transaction on an autocommit connection: IMMEDIATE takes the write lock up front, so
    what the transaction reads cannot change before it writes (and no read lock is upgraded, which can
    deadlock); committed on success, rolled back on any exception. Callers sharing `db` across threads
    hold their own lock around it."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
