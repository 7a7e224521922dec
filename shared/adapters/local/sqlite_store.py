"""Document records of local mode, in SQLite (stdlib): one file, safe across processes.

Next to the records, `document_counts` holds how many documents there are of each kind (type, access
level, status; `shared.domain.document_counts`), moved in the same transaction as every put and delete. A file
written before the counters existed has documents but no counts: opening it recounts them once.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from shared.adapters.local.sqlite import open_database, write_transaction
from shared.domain.document_counts import count_changes, positive
from shared.domain.models import AccessLevel, Document, DocumentKind, DocumentStatus, SearchFilter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, document_type TEXT NOT NULL, access_level INTEGER NOT NULL,
    source TEXT NOT NULL, status TEXT NOT NULL, error TEXT, chunk_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_time ON documents(created_at);
CREATE TABLE IF NOT EXISTS document_counts (
    access_level INTEGER NOT NULL, status TEXT NOT NULL, document_type TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (access_level, status, document_type)
);
"""
_KIND_COLUMNS = "access_level, status, document_type"
_COLUMNS = ("id, title, document_type, access_level, source, status, error, chunk_count, content_hash, "
            "created_at, updated_at, metadata")


class SqliteDocumentStore:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()
        if self._uncounted():  # checked again under the write lock: another process may be doing it
            with self._transaction():
                if self._uncounted():
                    self._recount()

    def put_document(self, document: Document) -> None:
        now = datetime.now(UTC)
        created = document.created_at or now
        with self._transaction():
            existing = self._db.execute(f"SELECT {_KIND_COLUMNS}, created_at FROM documents WHERE id = ?",
                                        (document.id,)).fetchone()
            if existing:  # a re-ingested document keeps its creation time
                created = datetime.fromisoformat(existing[3])
            self._db.execute(
                f"INSERT OR REPLACE INTO documents ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (document.id, document.title, document.document_type, int(document.access_level),
                 document.source, str(document.status), document.error, document.chunk_count,
                 document.content_hash, created.isoformat(), now.isoformat(),
                 json.dumps(document.metadata, ensure_ascii=False)))
            self._move_counts(_kind(existing) if existing else None, DocumentKind.of(document))

    def get_document(self, document_id: str) -> Document | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM documents WHERE id = ?", (document_id,)).fetchone()
        return _document_from_row(row) if row else None

    def list_documents(self, *, filter: SearchFilter, skip: int = 0, limit: int = 50) -> tuple[list[Document], int]:
        where, params = _where(filter)
        total = self._db.execute(f"SELECT COUNT(*) FROM documents WHERE {where}", params).fetchone()[0]
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM documents WHERE {where} ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            (*params, limit, skip)).fetchall()
        return [_document_from_row(r) for r in rows], total

    def delete_document(self, document_id: str) -> bool:
        with self._transaction():
            existing = self._db.execute(f"SELECT {_KIND_COLUMNS} FROM documents WHERE id = ?",
                                        (document_id,)).fetchone()
            if existing is None:
                return False
            self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
            self._move_counts(_kind(existing), None)
            return True

    def document_counts(self) -> dict[DocumentKind, int]:
        with self._lock:  # one connection: keep the read out of another thread's open transaction
            rows = self._db.execute(f"SELECT {_KIND_COLUMNS}, n FROM document_counts").fetchall()
        return positive({_kind(row): row[3] for row in rows})

    def rebuild_document_counts(self) -> dict[DocumentKind, int]:
        """Recount every document (one GROUP BY in one transaction) and return the counts."""
        with self._transaction():
            self._recount()
        return self.document_counts()

    # -- internals ----------------------------------------------------------------------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction under this store's lock: the record read in it cannot change before the
        write (another process waits for the write lock), so the counters stay exact."""
        with self._lock, write_transaction(self._db):
            yield

    def _move_counts(self, before: DocumentKind | None, after: DocumentKind | None) -> None:
        self._db.executemany(
            "INSERT INTO document_counts VALUES (?,?,?,?) "
            "ON CONFLICT (access_level, status, document_type) DO UPDATE SET n = n + excluded.n",
            [(int(kind.access_level), kind.status.value, kind.document_type, n)
             for kind, n in count_changes(before, after).items()])

    def _uncounted(self) -> bool:
        # Counts are empty exactly when there are no documents (each one counts once), so documents
        # without counts were written before the counters existed.
        return bool(self._db.execute("SELECT NOT EXISTS (SELECT 1 FROM document_counts) "
                                     "AND EXISTS (SELECT 1 FROM documents)").fetchone()[0])

    def _recount(self) -> None:
        self._db.execute("DELETE FROM document_counts")
        self._db.execute(f"INSERT INTO document_counts SELECT {_KIND_COLUMNS}, COUNT(*) FROM documents "
                         f"GROUP BY {_KIND_COLUMNS}")


def _where(filter: SearchFilter) -> tuple[str, tuple]:
    clauses: list[str] = ["access_level <= ?"]
    params: list[int | str] = [int(filter.max_access_level)]
    for column, values in (("document_type", filter.document_types), ("id", filter.document_ids)):
        if values is not None:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})" if values else "0")
            params.extend(sorted(values))
    return " AND ".join(clauses), tuple(params)


def _kind(row: tuple) -> DocumentKind:
    return DocumentKind(AccessLevel(row[0]), DocumentStatus(row[1]), row[2])


def _document_from_row(row: tuple) -> Document:
    (doc_id, title, document_type, access, source, status, error, chunk_count, content_hash,
     created, updated, metadata) = row
    return Document(id=doc_id, title=title, document_type=document_type, access_level=AccessLevel(access),
                    source=source, status=DocumentStatus(status), error=error, chunk_count=chunk_count,
                    content_hash=content_hash, created_at=datetime.fromisoformat(created),
                    updated_at=datetime.fromisoformat(updated), metadata=json.loads(metadata))
