"""Document records of local mode, in SQLite (stdlib): one file, safe across processes."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

from shared.adapters.sqlite import open_database
from shared.domain.models import AccessLevel, Document, DocumentStatus, SearchFilter

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, document_type TEXT NOT NULL, access_level INTEGER NOT NULL,
    source TEXT NOT NULL, status TEXT NOT NULL, error TEXT, chunk_count INTEGER NOT NULL,
    content_hash TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, metadata TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS documents_by_time ON documents(created_at);
"""
_COLUMNS = ("id, title, document_type, access_level, source, status, error, chunk_count, content_hash, "
            "created_at, updated_at, metadata")


class SqliteDocumentStore:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()

    def put_document(self, document: Document) -> None:
        now = datetime.now(UTC)
        created = document.created_at or now
        with self._lock:
            existing = self._db.execute("SELECT created_at FROM documents WHERE id = ?", (document.id,)).fetchone()
            if existing:  # a re-ingested document keeps its creation time
                created = datetime.fromisoformat(existing[0])
            self._db.execute(
                f"INSERT OR REPLACE INTO documents ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (document.id, document.title, document.document_type, int(document.access_level),
                 document.source, str(document.status), document.error, document.chunk_count,
                 document.content_hash, created.isoformat(), now.isoformat(),
                 json.dumps(document.metadata, ensure_ascii=False)))

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
        with self._lock:
            return self._db.execute("DELETE FROM documents WHERE id = ?", (document_id,)).rowcount > 0


def _where(filter: SearchFilter) -> tuple[str, tuple]:
    clauses, params = ["access_level <= ?"], [int(filter.max_access_level)]
    for column, values in (("document_type", filter.document_types), ("id", filter.document_ids)):
        if values is not None:
            clauses.append(f"{column} IN ({','.join('?' * len(values))})" if values else "0")
            params.extend(sorted(values))
    return " AND ".join(clauses), tuple(params)


def _document_from_row(row: tuple) -> Document:
    (doc_id, title, document_type, access, source, status, error, chunk_count, content_hash,
     created, updated, metadata) = row
    return Document(id=doc_id, title=title, document_type=document_type, access_level=AccessLevel(access),
                    source=source, status=DocumentStatus(status), error=error, chunk_count=chunk_count,
                    content_hash=content_hash, created_at=datetime.fromisoformat(created),
                    updated_at=datetime.fromisoformat(updated), metadata=json.loads(metadata))
