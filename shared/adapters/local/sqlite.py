"""Opening the SQLite files of local mode, one way for every adapter, and SQLite's errors → domain errors.

Every connection `open_database` returns translates SQLite's outage errors where they happen, by SQLite's
own result code (never by message text): a busy or locked database raises `Throttled` (retried by
RetryPolicy), a file that cannot be opened, read or written raises `DependencyUnavailable` (a 503). Any
other SQLite error (no such column, a constraint) is a bug or an answer for the adapter, and passes through.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from shared.domain.errors import DependencyUnavailable, Throttled

T = TypeVar("T")

_BUSY = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
_UNAVAILABLE = frozenset({sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_READONLY,
                          sqlite3.SQLITE_FULL, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_NOMEM,
                          sqlite3.SQLITE_PROTOCOL})


def translate(exc: sqlite3.Error) -> DependencyUnavailable | None:
    """The domain error an SQLite error stands for (None: not an outage). Extended codes keep their primary
    code in the low byte (SQLITE_IOERR_WRITE is SQLITE_IOERR | 3 << 8)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if code is None:
        return None
    if code & 0xFF in _BUSY:
        return Throttled("the database is busy, try again shortly")
    if code & 0xFF in _UNAVAILABLE:
        return DependencyUnavailable("the database is unavailable, try again later")
    return None


def _translated(fn: Callable[..., T], *args: Any) -> T:
    try:
        return fn(*args)
    except sqlite3.Error as exc:
        error = translate(exc)
        if error is not None:
            raise error from exc
        raise


class _Cursor(sqlite3.Cursor):
    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        return _translated(super().execute, sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        return _translated(super().executemany, sql, parameters)

    def fetchone(self) -> Any:
        return _translated(super().fetchone)

    def fetchmany(self, size: int | None = 1) -> list[Any]:
        return _translated(super().fetchmany, size)

    def fetchall(self) -> list[Any]:
        return _translated(super().fetchall)

    def __next__(self) -> Any:
        return _translated(super().__next__)


class _Connection(sqlite3.Connection):
    """A connection whose statements raise domain errors for outages (see the module's docstring)."""

    def execute(self, sql: str, parameters: Any = (), /) -> _Cursor:
        return self.cursor(_Cursor).execute(sql, parameters)

    def executemany(self, sql: str, parameters: Any, /) -> _Cursor:
        return self.cursor(_Cursor).executemany(sql, parameters)

    def executescript(self, script: str, /) -> sqlite3.Cursor:
        return _translated(super().executescript, script)


def open_database(path: Path, schema: str) -> sqlite3.Connection:
    """A connection shareable across threads, in autocommit mode (adapters open their own transactions),
    in WAL mode so readers never block the writer and other processes see committed writes; waits up to
    30 s for another process's write lock. `schema` is run once (CREATE ... IF NOT EXISTS statements).
    A power cut may lose the last commits (never the file): acceptable for local mode's logs and counters.
    Raises DependencyUnavailable when the file cannot be created or opened."""
    path.parent.mkdir(parents=True, exist_ok=True)
    db = _translated(lambda: sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30,
                                             factory=_Connection))
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
