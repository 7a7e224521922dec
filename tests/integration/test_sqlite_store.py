from pathlib import Path

import pytest

from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.models import AccessLevel, Document, DocumentStatus, SearchFilter


@pytest.fixture
def store(tmp_path: Path) -> SqliteDocumentStore:
    return SqliteDocumentStore(tmp_path / "store.sqlite")


def doc(doc_id: str, level: AccessLevel = AccessLevel.PUBLIC, document_type: str = "law") -> Document:
    return Document(id=doc_id, title=f"Tài liệu {doc_id}", document_type=document_type, access_level=level,
                    status=DocumentStatus.INDEXED, chunk_count=2, metadata={"nguồn": "thử"})


def test_put_then_get_round_trips(store: SqliteDocumentStore) -> None:
    store.put_document(doc("a"))
    got = store.get_document("a")
    assert got is not None and got.title == "Tài liệu a" and got.metadata == {"nguồn": "thử"}
    assert got.created_at is not None and got.status is DocumentStatus.INDEXED


def test_missing_document_is_none(store: SqliteDocumentStore) -> None:
    assert store.get_document("nope") is None


def test_listing_respects_level_type_and_paging(store: SqliteDocumentStore) -> None:
    for i, level in enumerate(AccessLevel):
        store.put_document(doc(f"d{i}", level, "law" if i % 2 else "memo"))
    docs, total = store.list_documents(filter=SearchFilter(AccessLevel.INTERNAL))
    assert total == 2 and {d.id for d in docs} == {"d0", "d1"}
    docs, total = store.list_documents(filter=SearchFilter(AccessLevel.RESTRICTED, document_types=frozenset({"law"})))
    assert total == 2 and {d.access_level for d in docs} == {AccessLevel.INTERNAL, AccessLevel.RESTRICTED}
    page, total = store.list_documents(filter=SearchFilter(AccessLevel.RESTRICTED), skip=1, limit=2)
    assert total == 4 and len(page) == 2


def test_reingest_keeps_creation_time(store: SqliteDocumentStore) -> None:
    store.put_document(doc("a"))
    first = store.get_document("a")
    store.put_document(doc("a"))
    again = store.get_document("a")
    assert first and again and first.created_at == again.created_at and again.updated_at >= first.updated_at


def test_delete(store: SqliteDocumentStore) -> None:
    store.put_document(doc("a"))
    assert store.delete_document("a") is True
    assert store.delete_document("a") is False
