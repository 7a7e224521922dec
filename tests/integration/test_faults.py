"""Faults from outside the app: an index that is down, a throttled query log, a generator that dies mid-stream,
an ingest that crashes half-way. Each one is a fake wrapped around the real services, raising what the real
adapter raises at its boundary (a domain error for an outage; an untranslated error for a bug)."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from shared.adapters.local import sqlite as sqlite_errors
from shared.adapters.local.hash_embedder import HashEmbedder
from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.errors import DependencyUnavailable, Throttled
from shared.domain.models import AccessLevel, DocumentStatus, Principal, Role, SearchFilter, SearchHit
from shared.entrypoints.http.app_factory import create_app
from shared.services.documents import DocumentService, Upload
from shared.services.ingestion import Ingestor
from shared.services.retry import RetryPolicy
from tests.fakes.analyzer import SyllableAnalyzer
from tests.integration.api_harness import Harness, assert_error, client_for, parse_sse, text_source

QUESTION = "Thời hạn cấp giấy phép xây dựng là bao nhiêu ngày?"
LAW = ("Điều 2. Thời hạn cấp giấy phép\nThời hạn cấp giấy phép xây dựng là 15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ.")


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([text_source("giay-phep", "Luật Xây dựng", LAW, document_type="law")])
    return harness


# --- the index is down ------------------------------------------------------------------------------------


class DownIndex:
    """A SearchIndex whose every read fails as the adapter's boundary would report it."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def search(self, *args, **kwargs):
        raise self.error

    def count(self) -> int:
        raise self.error

    def __getattr__(self, name: str):
        raise self.error


def _with_index(harness: Harness, index) -> tuple:
    services = harness.api.services
    retriever = replace(services.queries.answerer.retriever, index=index)
    answerer = replace(services.queries.answerer, retriever=retriever)
    checks = {**services.health_checks, "index": lambda: {"chunks": 0} if index.count() is None else {}}
    return replace(services, queries=replace(services.queries, answerer=answerer), health_checks=checks)


def _sqlite_error(code: int, message: str) -> sqlite3.OperationalError:
    """An error as SQLite raises it: the message and SQLite's result code."""
    error = sqlite3.OperationalError(message)
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


def _as_the_sqlite_adapter_raises(error: sqlite3.OperationalError) -> Exception:
    return sqlite_errors.translate(error) or error


@pytest.mark.parametrize("error", [
    DependencyUnavailable("the search index is unavailable, try again later"),  # OpenSearch: a 5xx
    DependencyUnavailable("the search index cannot be reached"),  # OpenSearch: no connection to 10.0.0.7:9200
    _as_the_sqlite_adapter_raises(_sqlite_error(sqlite3.SQLITE_CANTOPEN, "unable to open database file /srv/i")),
], ids=["opensearch-5xx", "opensearch-network", "sqlite"])
def test_index_down_is_a_503_with_the_error_body_and_health_names_it(harness: Harness, error: Exception) -> None:
    client = client_for(create_app(_with_index(harness, DownIndex(error))))
    response = client.post("/api/v1/query", json={"query": QUESTION}, headers=harness.headers("employee"))
    assert_error(response, 503, "unavailable")
    assert "10.0.0.7" not in response.text and "/srv/" not in response.text  # details stay in the log

    stream = client.post("/api/v1/query/stream", json={"query": QUESTION}, headers=harness.headers("employee"))
    assert_error(stream, 503, "unavailable")  # failed before the stream started: a plain HTTP error

    health = client.get("/api/v1/health")
    assert_error(health, 503, "unavailable")
    checks = health.json()["checks"]
    assert checks["index"]["status"] == "error" and checks["store"]["status"] == "ok"
    assert health.json()["error"]["message"] == "failing: index"


def test_an_sqlite_bug_is_not_passed_off_as_an_outage(harness: Harness) -> None:
    from fastapi.testclient import TestClient

    bug = _as_the_sqlite_adapter_raises(_sqlite_error(sqlite3.SQLITE_ERROR, "no such column: embeddingz"))
    assert isinstance(bug, sqlite3.OperationalError)  # not translated: a bug, not an outage
    app = create_app(_with_index(harness, DownIndex(bug)))
    response = TestClient(app, raise_server_exceptions=False).post(
        "/api/v1/query", json={"query": QUESTION}, headers=harness.headers("employee"))
    assert response.status_code == 500 and response.json()["error"]["code"] == "internal_error"
    assert "embeddingz" not in response.text


# --- the query log is throttled ----------------------------------------------------------------------------


class ThrottledLog:
    """The activity store throttles its first `failures` writes, then works. `Throttled` is what both store
    adapters raise for it (DynamoDB: tests/integration/aws/test_throttling.py; SQLite: a busy database)."""

    def __init__(self, inner, failures: int) -> None:
        self.inner, self.failures, self.calls = inner, failures, 0

    def put_query(self, record) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise Throttled("ProvisionedThroughputExceededException")
        self.inner.put_query(record)

    def get_query(self, query_id):
        return self.inner.get_query(query_id)

    def put_feedback(self, record) -> None:
        self.inner.put_feedback(record)


def _with_log(harness: Harness, log, sleeps: list[float]):
    policy = RetryPolicy(attempts=4, base_delay=0.05, max_delay=1.0, jitter=0.0, sleep=sleeps.append)
    services = harness.api.services
    return client_for(create_app(replace(services, queries=replace(services.queries, activity=log, retry=policy))))


def test_a_throttled_store_is_retried_with_backoff(harness: Harness) -> None:
    sleeps: list[float] = []
    log = ThrottledLog(harness.api.services.queries.activity, failures=2)
    response = _with_log(harness, log, sleeps).post("/api/v1/query", json={"query": QUESTION},
                                                    headers=harness.headers("employee"))
    assert response.status_code == 200, response.text
    assert log.calls == 3 and sleeps == [0.05, 0.1]  # exponential
    assert harness.api.services.queries.activity.get_query(response.json()["query_id"]) is not None


def test_a_store_throttled_past_the_retries_is_a_503(harness: Harness) -> None:
    sleeps: list[float] = []
    log = ThrottledLog(harness.api.services.queries.activity, failures=100)
    response = _with_log(harness, log, sleeps).post("/api/v1/query", json={"query": QUESTION},
                                                    headers=harness.headers("employee"))
    assert_error(response, 503, "unavailable")
    assert log.calls == 4 and sleeps == [0.05, 0.1, 0.2]


def test_retry_policy_retries_throttling_and_nothing_else() -> None:
    sleeps: list[float] = []
    policy = RetryPolicy(attempts=3, base_delay=0.1, max_delay=0.15, jitter=0.0, sleep=sleeps.append)
    busy = _as_the_sqlite_adapter_raises(_sqlite_error(sqlite3.SQLITE_BUSY, "database is locked"))
    calls = iter([Throttled("the database is busy"), busy, "ok"])

    def flaky() -> str:
        value = next(calls)
        if isinstance(value, Exception):
            raise value
        return value

    assert policy.call(flaky) == "ok" and sleeps == [0.1, 0.15]  # capped at max_delay
    with pytest.raises(ValueError):  # not transient: raised at once, no pause
        policy.call(lambda: (_ for _ in ()).throw(ValueError("bad")))
    with pytest.raises(DependencyUnavailable) as outage:  # an outage is not retried either
        policy.call(lambda: (_ for _ in ()).throw(DependencyUnavailable("down")))
    assert str(outage.value) == "down" and len(sleeps) == 2
    jittered = RetryPolicy(base_delay=1.0, jitter=0.5, random=lambda: 1.0)
    assert jittered.delay(0) == 0.5 and jittered.delay(1) == 0.5  # capped at max_delay 1.0, then jitter


# --- the generator fails mid-stream ------------------------------------------------------------------------


class DyingGenerator:
    def generate(self, question: str, passages: Sequence[SearchHit], **_: object) -> Iterator[str]:
        yield "Theo các tài liệu:"
        raise RuntimeError("model server reset the connection")


def _failed_queries(harness: Harness) -> float:
    registry = harness.api.services.queries.telemetry.registry
    return sum(s.value for m in registry.collect() if m.name == "vnrag_queries"
               for s in m.samples if s.name == "vnrag_queries_total" and s.labels.get("status") == "error")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_generator_failing_mid_stream_is_an_error_event_logged_and_counted(harness: Harness) -> None:
    services = harness.api.services
    answerer = replace(services.queries.answerer, generator=DyingGenerator())
    client = client_for(create_app(replace(services, queries=replace(services.queries, answerer=answerer))))
    before = _failed_queries(harness)
    # A handler on the module's own logger: other tests may stop it propagating to the root (log set-up of
    # the Lambda entries), which caplog relies on.
    handler, module_log = _Records(), logging.getLogger("shared.services.answering.queries")
    module_log.addHandler(handler)
    try:
        response = client.post("/api/v1/query/stream", json={"query": QUESTION}, headers=harness.headers("employee"))
    finally:
        module_log.removeHandler(handler)
    events = parse_sse(response.text)
    assert [kind for kind, _ in events] == ["token", "error"]
    assert events[-1][1]["error"]["code"] == "generation_failed"
    assert "reset the connection" not in response.text
    [record] = [r for r in handler.records if r.getMessage() == "answer failed mid-stream"]
    assert record.levelno == logging.ERROR and "reset the connection" in str(record.exc_info[1])
    assert _failed_queries(harness) == before + 1


# --- an ingest that crashes half-way -----------------------------------------------------------------------


class EmbedderDyingAfter(HashEmbedder):
    """Embeds `good` batches, then the next call fails (an embedding service going away mid-ingest)."""

    def __init__(self, good: int, error: Exception) -> None:
        super().__init__(dimension=64)
        self.good, self.error, self.calls = good, error, 0

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > self.good:
            raise self.error
        return super().embed_passages(texts)


class ChunksFailingOnWrite(list):
    """The chunk list the index writes from: the first full pass (validation) works, the write pass fails
    after its first chunk, inside the index's transaction."""

    def __init__(self, chunks) -> None:
        super().__init__(chunks)
        self.passes = 0

    def __iter__(self):
        self.passes += 1
        for i, chunk in enumerate(super().__iter__()):
            if self.passes > 1 and i == 1:
                raise DependencyUnavailable("the index went away mid-write")
            yield chunk


class IndexDyingMidWrite:
    def __init__(self, inner: LocalSearchIndex) -> None:
        self.inner = inner

    def replace_document(self, document_id: str, chunks, vectors) -> int:
        return self.inner.replace_document(document_id, ChunksFailingOnWrite(chunks), vectors)

    def __getattr__(self, name: str):
        return getattr(self.inner, name)


OLD = "\n\n".join(f"Điều {i}. Quy định cũ số {i}\nNội dung cũ của điều {i} về thủ tục hành chính." for i in range(1, 6))
NEW = "\n\n".join(f"Điều {i}. Quy định mới số {i}\nNội dung mới của điều {i} về cấp phép." for i in range(1, 9))
EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)


def _ingestor(tmp_path: Path, embedder=None, index=None) -> tuple[Ingestor, LocalSearchIndex]:
    real = LocalSearchIndex(tmp_path / "i.sqlite", analyzer=SyllableAnalyzer(), dimension=64,
                            weights=Weights(0.35, 0.15, 0.5))
    ingestor = Ingestor(embedder=embedder or HashEmbedder(dimension=64), index=index(real) if index else real,
                        store=SqliteDocumentStore(tmp_path / "s.sqlite"), chunk_max_words=20, chunk_overlap_words=0)
    return ingestor, real


def test_an_index_dying_mid_write_leaves_the_old_version_whole_and_says_failed(tmp_path: Path) -> None:
    ingestor, real = _ingestor(tmp_path)
    old = ingestor.ingest_file("luat.txt", OLD.encode(), document_id="luat")
    old_chunks = [c.text for c in real.document_chunks("luat")]
    assert old.status is DocumentStatus.INDEXED and len(old_chunks) >= 3

    crashing = Ingestor(embedder=ingestor.embedder, index=IndexDyingMidWrite(real), store=ingestor.store,
                        chunk_max_words=20, chunk_overlap_words=0)
    result = crashing.ingest_file("luat.txt", NEW.encode(), document_id="luat")
    assert [c.text for c in real.document_chunks("luat")] == old_chunks  # fully the old version
    stored = ingestor.store.get_document("luat")
    assert stored.status is DocumentStatus.FAILED and stored.error == "the index went away mid-write"
    assert result.chunk_count == len(old_chunks)

    again = ingestor.ingest_file("luat.txt", NEW.encode(), document_id="luat")  # the retry is fully the new one
    assert again.status is DocumentStatus.INDEXED
    assert all("mới" in c.text for c in real.document_chunks("luat"))


def test_an_upload_whose_embedder_dies_after_the_first_batch_ends_failed_with_the_reason(tmp_path: Path) -> None:
    ingestor, real = _ingestor(tmp_path, embedder=EmbedderDyingAfter(
        good=1, error=DependencyUnavailable("the embedding model is unavailable")))
    documents = DocumentService(ingestor=ingestor)
    manager = Principal(id="quan-ly", role=Role.MANAGER)
    first = Upload("cu.txt", OLD.encode(), None, "law", AccessLevel.INTERNAL)
    second = Upload("moi.txt", NEW.encode(), None, "law", AccessLevel.INTERNAL)
    done = documents.ingest_upload(documents.accept_upload(manager, first), first)
    assert done.status is DocumentStatus.INDEXED
    failed = documents.ingest_upload(documents.accept_upload(manager, second), second)
    stored = ingestor.store.get_document(failed.id)
    assert stored.status is DocumentStatus.FAILED and stored.error == "the embedding model is unavailable"
    assert real.document_chunks(failed.id) == []  # nothing half-indexed
    assert len(real.document_chunks(done.id)) >= 3

    # An unexpected error is recorded too, with a reason that reveals nothing of it.
    ingestor2, _ = _ingestor(tmp_path / "b", embedder=EmbedderDyingAfter(good=0, error=OSError("/srv/x: EIO")))
    documents2 = DocumentService(ingestor=ingestor2)
    failed2 = documents2.ingest_upload(documents2.accept_upload(manager, first), first)
    assert ingestor2.store.get_document(failed2.id).status is DocumentStatus.FAILED
    assert ingestor2.store.get_document(failed2.id).error == "the document could not be indexed"
