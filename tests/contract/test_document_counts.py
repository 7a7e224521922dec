"""Document counts under concurrent writers and on data from before the counters, adapter by adapter
(the behaviour both share is in store_contract.DocumentCountsContract)."""

from __future__ import annotations

import logging
import random
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from shared.adapters.aws.dynamodb.documents import DynamoDBDocumentStore
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.document_counts import tally
from shared.domain.models import AccessLevel, DocumentKind, DocumentStatus, SearchFilter
from tests.contract.store_contract import doc, kind, with_status, write_script
from tests.integration.aws.moto_env import TABLE, dynamodb_with_table, fake_aws, forget_document_counts

EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)


def counted_from_records(store) -> dict[DocumentKind, int]:
    documents, _ = store.list_documents(filter=EVERYTHING, limit=1000)
    return tally(DocumentKind.of(d) for d in documents)


# -- SQLite ----------------------------------------------------------------------------------------------
def test_sqlite_file_from_before_the_counters_is_counted_when_opened(tmp_path: Path) -> None:
    expected = write_script(SqliteDocumentStore(tmp_path / "store.sqlite"))
    with closing(sqlite3.connect(tmp_path / "store.sqlite")) as db, db:
        db.execute("DROP TABLE document_counts")
    assert SqliteDocumentStore(tmp_path / "store.sqlite").document_counts() == expected


def test_sqlite_counts_stay_exact_under_concurrent_writers(tmp_path: Path) -> None:
    # One store per thread: separate connections to one file, as separate processes would have.
    def work(seed: int) -> None:
        store, rng = SqliteDocumentStore(tmp_path / "store.sqlite"), random.Random(seed)
        for _ in range(100):
            document_id = f"d{rng.randrange(6)}"
            if rng.random() < 0.25:
                store.delete_document(document_id)
            else:
                document = doc(document_id, AccessLevel(rng.randrange(4)), rng.choice(["law", "memo"]))
                store.put_document(with_status(document, rng.choice(list(DocumentStatus))))

    threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    store = SqliteDocumentStore(tmp_path / "store.sqlite")
    assert store.document_counts() == counted_from_records(store)
    assert store.rebuild_document_counts() == counted_from_records(store)


# -- DynamoDB (moto) -------------------------------------------------------------------------------------
@pytest.fixture
def dynamodb() -> Iterator[object]:
    with fake_aws():
        yield dynamodb_with_table()


def calls_to(dynamodb) -> list[str]:
    calls: list[str] = []
    dynamodb.meta.events.register("provide-client-params.dynamodb.*", lambda model, **_: calls.append(model.name))
    return calls


def test_dynamodb_counts_are_one_query(dynamodb) -> None:
    store = DynamoDBDocumentStore(TABLE, client=dynamodb)
    expected = write_script(store)
    calls = calls_to(dynamodb)
    assert store.document_counts() == expected
    assert calls == ["Query"]


def race_once(store: DynamoDBDocumentStore, interloper) -> list[bool]:
    """Make the store's next read of a document return what it read just before `interloper` ran."""
    read, raced = store._get, []

    def get_then_race(document_id: str):
        seen = read(document_id)
        if not raced:
            raced.append(True)
            interloper()
        return seen

    store._get = get_then_race  # type: ignore[method-assign]
    return raced


def test_dynamodb_writer_that_loses_a_race_retries_and_counts_once(dynamodb) -> None:
    store, other = (DynamoDBDocumentStore(TABLE, client=dynamodb) for _ in range(2))
    store.put_document(doc("a", AccessLevel.PUBLIC, "law"))
    raced = race_once(store, lambda: other.put_document(doc("a", AccessLevel.INTERNAL, "law")))
    calls = calls_to(dynamodb)
    store.put_document(doc("a", AccessLevel.CONFIDENTIAL, "memo"))
    # The interloper's write, ours refused by its condition (the record changed since we read it), ours again.
    assert raced and calls.count("TransactWriteItems") == 3
    assert store.document_counts() == {kind(AccessLevel.CONFIDENTIAL, DocumentStatus.INDEXED, "memo"): 1}
    raced = race_once(store, lambda: other.put_document(doc("a", AccessLevel.PUBLIC, "law")))
    assert store.delete_document("a") and raced
    assert store.document_counts() == {}


def test_dynamodb_rebuild_counts_a_document_rewritten_meanwhile_once(dynamodb) -> None:
    store, other = (DynamoDBDocumentStore(TABLE, client=dynamodb) for _ in range(2))
    store.put_document(doc("a", AccessLevel.PUBLIC, "law"))
    store.put_document(doc("b", AccessLevel.PUBLIC, "law"))
    forget_document_counts(dynamodb)
    # After the scan found "a" uncounted, a writer replaces it (and counts it): the rebuild must not add it.
    raced = race_once(store, lambda: other.put_document(doc("a", AccessLevel.INTERNAL, "memo")))
    counts = store.rebuild_document_counts()
    assert raced and counts == counted_from_records(store) == {
        kind(AccessLevel.PUBLIC, DocumentStatus.INDEXED, "law"): 1,
        kind(AccessLevel.INTERNAL, DocumentStatus.INDEXED, "memo"): 1}


def test_dynamodb_uncounted_documents_are_logged_not_scanned(dynamodb) -> None:
    store = DynamoDBDocumentStore(TABLE, client=dynamodb)
    write_script(store)
    forget_document_counts(dynamodb)
    calls = calls_to(dynamodb)
    # A handler of our own: the app's logging setup may stop records reaching the root logger (caplog).
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    adapter_logger = logging.getLogger("shared.adapters.aws.dynamodb.documents")
    adapter_logger.addHandler(handler)
    try:
        assert store.document_counts() == {}
    finally:
        adapter_logger.removeHandler(handler)
    assert calls == ["Query"]
    assert [r.getMessage() for r in records] == [
        "document counts cover 0 of 4 documents: run the one-time rebuild "
        "(vnrag stats --rebuild-document-counts --table ...)"]
