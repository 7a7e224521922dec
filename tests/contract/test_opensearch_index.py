"""The OpenSearch adapter's exact wire format (mapping, query bodies, write order), on the fake transport,
and the index contract against a real OpenSearch when OPENSEARCH_URL is set (opt-in)."""

from __future__ import annotations

import logging
import os
import uuid

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from shared.adapters.aws.opensearch.index import OpenSearchSearchIndex
from shared.adapters.aws.opensearch.queries import inner_product
from shared.adapters.local.search_index import Weights
from shared.domain.errors import DependencyUnavailable, ModelUnavailable
from shared.domain.models import AccessLevel, Purged, SearchFilter
from tests.contract.search_index_contract import (
    ANALYZER,
    EMBEDDER,
    EVERYTHING,
    SearchIndexContract,
    make_chunk,
    query,
    vectors,
)
from tests.fakes.clock import FakeClock
from tests.fakes.opensearch import FakeOpenSearchTransport, fake_opensearch

WEIGHTS = Weights(0.35, 0.15, 0.5)


def build(client, name: str = "chunks", model_id: str = EMBEDDER.model_id, clock: FakeClock | None = None,
          **options) -> OpenSearchSearchIndex:
    clock = clock or FakeClock()
    return OpenSearchSearchIndex(client, index=name, analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                 model_id=model_id, weights=WEIGHTS, candidates=50, clock=clock, sleep=clock.sleep,
                                 **options)


@pytest.fixture
def fake() -> tuple[OpenSearchSearchIndex, FakeOpenSearchTransport]:
    client, transport = fake_opensearch()
    index = build(client)
    index.ensure_index()
    transport.requests.clear()
    return index, transport


def test_index_mapping_is_exact() -> None:
    client, transport = fake_opensearch()
    assert build(client).ensure_index() is True
    body = transport.indices["chunks"]["body"]
    assert body["settings"] == {"index": {"knn": True, "knn.algo_param.ef_search": 100}}
    props = body["mappings"]["properties"]
    hnsw = {"name": "hnsw", "engine": "faiss", "space_type": "innerproduct",
            "parameters": {"m": 16, "ef_construction": 128}}
    assert props["vector"] == {"type": "knn_vector", "dimension": 64, "method": hnsw}
    assert props["terms"] == props["folded"] == {"type": "text", "analyzer": "whitespace"}  # no plugin analyzers
    assert props["access_level"] == {"type": "byte"} and props["document_type"] == {"type": "keyword"}
    assert body["mappings"]["dynamic"] == "strict"
    assert body["mappings"]["_meta"] == {"embedding_model": "hash-64/64"}
    assert props["generation"] == {"type": "keyword"} and props["written_at"] == {"type": "double"}
    entry = {"properties": {"generation": {"type": "keyword"}, "at": {"type": "double"}}}
    assert transport.indices["chunks-state"]["body"] == {"mappings": {"dynamic": "strict", "properties": {
        "document_id": {"type": "keyword"}, "seq": {"type": "long"}, "created_at": {"type": "double"},
        "updated_at": {"type": "double"}, "history": entry, "pending": entry}}}


def test_bootstrap_is_idempotent_and_refuses_other_vectors() -> None:
    client, transport = fake_opensearch()
    assert build(client).ensure_index() is True
    transport.requests.clear()
    assert build(client).ensure_index() is False  # both exist: left alone
    assert [(m, u) for m, u, _, _ in transport.requests] == [
        ("HEAD", "/chunks"), ("HEAD", "/chunks-state"), ("GET", "/chunks/_mapping")]
    with pytest.raises(ModelUnavailable, match="hash-64/64"):
        build(client, model_id="other-model").ensure_index()


def test_documents_carry_pre_analysed_fields(fake) -> None:
    index, transport = fake
    chunk = make_chunk("a", 0, "Thủ tục cấp giấy phép")
    index.upsert([chunk], vectors([chunk]))
    [(method, url, params, lines)] = [r for r in transport.requests if r[1] == "/_bulk"]
    assert (method, url, params) == ("POST", "/_bulk", {"refresh": "wait_for"})
    generation = lines[1]["generation"]
    assert len(generation) == 32 and lines[0] == {"index": {"_index": "chunks", "_id": f"a-0.{generation}"}}
    assert isinstance(lines[1]["written_at"], float)
    assert lines[1]["terms"] == " ".join(ANALYZER.index_terms(chunk.passage))
    assert lines[1]["folded"] == " ".join(ANALYZER.folded_terms(chunk.passage))
    assert "thu tuc" in lines[1]["folded"] and len(lines[1]["vector"]) == 64


def test_hybrid_sends_three_filtered_queries_in_one_msearch(fake) -> None:
    index, transport = fake
    flt = SearchFilter(AccessLevel.INTERNAL, document_types=frozenset({"law", "memo"}), document_ids=frozenset({"a"}))
    q = query("giấy phép")
    index.search(q, k=3, filter=flt)
    [(method, url, _, lines)] = transport.requests
    assert (method, url) == ("POST", "/_msearch")
    clauses = [{"range": {"access_level": {"lte": 1}}}, {"terms": {"document_type": ["law", "memo"]}},
               {"terms": {"document_id": ["a"]}}]
    source = {"excludes": ["vector", "terms", "folded"]}
    assert lines[0] == lines[2] == lines[4] == {"index": "chunks"}
    assert lines[1] == {"size": 50, "_source": source, "track_total_hits": False, "query": {"bool": {
        "must": [{"match": {"terms": {"query": " ".join(q.terms), "operator": "or"}}}], "filter": clauses}}}
    assert lines[3]["query"]["bool"]["must"] == [{"match": {"folded": {"query": " ".join(q.folded_terms),
                                                                       "operator": "or"}}}]
    assert lines[5] == {"size": 50, "_source": source, "track_total_hits": False, "query": {"knn": {"vector": {
        "vector": [float(x) for x in q.vector], "k": 50, "filter": {"bool": {"filter": clauses}}}}}}


def test_modes_send_only_their_signals(fake) -> None:
    index, transport = fake
    index.search(query("giấy phép", "bm25"), k=3, filter=EVERYTHING)
    index.search(query("giấy phép", "dense"), k=3, filter=EVERYTHING)
    bm25_lines, dense_lines = transport.requests[0][3], transport.requests[1][3]
    assert [("knn" in body["query"]) for body in bm25_lines[1::2]] == [False, False, False]
    assert len(dense_lines) == 4 and dense_lines[1]["query"]["knn"]["vector"]["k"] == 50  # k=3 after hiding
    assert dense_lines[2:] == [{"index": "chunks-state"},
                               {"size": 10_000, "track_total_hits": True, "query": {"match_all": {}}}]


def test_dense_scores_are_cosines_again(fake) -> None:
    index, _ = fake
    chunk = make_chunk("a", 0, "nghỉ phép năm")
    index.upsert([chunk], vectors([chunk]))
    [hit] = index.search(query("nghỉ phép năm", "dense"), k=1, filter=EVERYTHING)
    assert hit.dense_score == pytest.approx(float(vectors([chunk])[0] @ query("nghỉ phép năm").vector), abs=1e-5)
    assert inner_product(0.5) == pytest.approx(-1.0) and inner_product(1.75) == pytest.approx(0.75)


def test_replace_marks_writes_then_switches_in_one_conditional_write(fake) -> None:
    index, transport = fake
    old = [make_chunk("a", i, f"bản cũ {i}") for i in range(2)]
    index.upsert(old, vectors(old))
    transport.requests.clear()
    new = [make_chunk("a", 5, "bản mới")]
    assert index.replace_document("a", new, vectors(new)) == 1
    calls = [(m, u) for m, u, _, _ in transport.requests]
    assert calls == [("POST", "/chunks-state/_search"),  # the purge finds nothing due yet
                     ("GET", "/chunks-state/_doc/a"), ("PUT", "/chunks-state/_doc/a"),  # (1) mark
                     ("POST", "/_bulk"),  # (2) the new chunks
                     ("GET", "/chunks-state/_doc/a"), ("PUT", "/chunks-state/_doc/a")]  # (3) the switch
    (_, _, mark_params, marked), (_, _, switch_params, switched) = transport.requests[2], transport.requests[5]
    generation = transport.requests[3][3][1]["generation"]
    assert mark_params["refresh"] == switch_params["refresh"] == "wait_for"
    assert set(switch_params) == {"refresh", "if_seq_no", "if_primary_term"}  # no lost update between writers
    assert [p["generation"] for p in marked["pending"]] == [generation]
    assert switched["pending"] == [] and switched["history"][-1]["generation"] == generation
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-5"]
    assert index.count() == 1  # the old chunks are stored until the purge, but not searchable


def test_purge_deletes_retired_chunks_after_the_grace_period_then_the_state(fake) -> None:
    index, transport = fake
    clock = index._now
    old = [make_chunk("a", i, f"bản cũ {i}") for i in range(2)]
    index.upsert(old, vectors(old))
    new = [make_chunk("a", 5, "bản mới")]
    index.replace_document("a", new, vectors(new))
    assert index.purge_retired().chunks == 0 and len(transport.indices["chunks"]["docs"]) == 3  # within the grace
    clock.sleep(31)
    transport.requests.clear()
    assert index.purge_retired().chunks == 2
    (_, url, params, body), = [r for r in transport.requests if r[1].endswith("_delete_by_query")]
    assert url == "/chunks/_delete_by_query" and params == {"refresh": "true", "conflicts": "proceed"}
    generations = body["query"]["bool"]["filter"][1]["bool"]["should"][0]["terms"]["generation"]
    assert len(generations) == 1 and generations[0] != transport.indices["chunks"]["docs"][
        next(iter(transport.indices["chunks"]["docs"]))]["generation"]
    assert transport.requests[-1][:2] == ("DELETE", "/chunks-state/_doc/a")  # clean: the record goes
    assert transport.indices["chunks-state"]["docs"] == {} and index.count() == 1
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-5"]


def test_purge_reports_deleted_chunks_and_dropped_state_records(fake) -> None:
    index, _ = fake
    for document_id in ("a", "b"):
        chunks = [make_chunk(document_id, 0, "quy định")]
        index.upsert(chunks, vectors(chunks))
    assert index.purge_retired() == Purged(chunks=0, records_dropped=0, records_left=2)  # within the grace
    index._now.sleep(31)
    assert index.purge_retired() == Purged(chunks=0, records_dropped=2, records_left=0)


def test_a_search_past_the_state_limit_warns_with_the_numbers(caplog: pytest.LogCaptureFixture) -> None:
    client, _ = fake_opensearch()
    index = build(client, state_limit=2)
    index.ensure_index()
    logger = logging.getLogger("shared.adapters.aws.opensearch.index")
    caplog.set_level(logging.WARNING, logger=logger.name)

    def warnings_of_one_search() -> list[str]:
        # A handler on the logger itself: once a Lambda entry has run in this session, Powertools has
        # stopped the library loggers propagating to the root, where caplog listens.
        seen = _Collected()
        logger.addHandler(seen)
        try:
            index.search(query("quy định"), k=5, filter=EVERYTHING)
        finally:
            logger.removeHandler(seen)
        return [m for m in seen.messages if "state records" in m]

    for document_id in ("a", "b"):
        chunks = [make_chunk(document_id, 0, "quy định")]
        index.upsert(chunks, vectors(chunks))
    assert warnings_of_one_search() == []  # at the limit, every record was read
    chunks = [make_chunk("c", 0, "quy định")]
    index.upsert(chunks, vectors(chunks))
    [warning] = warnings_of_one_search()  # once per search
    assert "read 2 of 3 state records (limit 2)" in warning


class _Collected(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def test_delete_document_hides_it_in_one_switch_and_purges_later(fake) -> None:
    index, transport = fake
    chunks = [make_chunk("a", i, "x") for i in range(3)]
    index.upsert(chunks, vectors(chunks))
    assert index.delete_document("a") == 3
    assert index.delete_document("a") == 0
    assert index.count() == 0 and len(transport.indices["chunks"]["docs"]) == 3
    index._now.sleep(31)
    assert index.purge_retired().chunks == 3 and transport.indices["chunks"]["docs"] == {}
    assert transport.indices["chunks-state"]["docs"] == {}


def test_chunks_written_before_generations_stay_visible_until_replaced(fake) -> None:
    index, transport = fake
    legacy = make_chunk("a", 0, "bản cũ")
    index._write([legacy], vectors([legacy]), "", None)
    source = transport.indices["chunks"]["docs"]["a-0"]
    del source["generation"]  # as the code before generations wrote it
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-0"]
    new = [make_chunk("a", 1, "bản mới")]
    index.replace_document("a", new, vectors(new))
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-1"]
    index._now.sleep(31)
    assert index.purge_retired().chunks == 1 and "a-0" not in transport.indices["chunks"]["docs"]


def _interleaved(index: OpenSearchSearchIndex, transport: FakeOpenSearchTransport, clock: FakeClock,
                 text: str, document_id: str) -> list[list[str]]:
    """Before every write request: let time pass, then search; returns what each search saw of the document."""
    seen: list[list[str]] = []

    def search_first(method: str, url: str) -> None:
        clock.sleep(1.0)  # longer than the margin: every step is fully in the past for the search
        hits = index.search(query(text), k=50, filter=EVERYTHING)
        seen.append(sorted(h.chunk.text for h in hits if h.chunk.document_id == document_id))

    transport.before_write = search_first
    return seen


@pytest.mark.parametrize("serverless", [False, True])
def test_every_search_during_a_replace_sees_exactly_one_version(serverless: bool) -> None:
    client, transport = fake_opensearch(serverless=serverless)
    clock = FakeClock()
    index = build(client, clock=clock, serverless=serverless)
    index.ensure_index()
    old = [make_chunk("a", 0, "phiên bản chung"), make_chunk("a", 1, "phiên bản cũ một"),
           make_chunk("a", 2, "phiên bản cũ hai")]
    new = [make_chunk("a", 0, "phiên bản chung"), make_chunk("a", 3, "phiên bản mới")]  # a-0 is unchanged
    index.replace_document("a", old, vectors(old))
    seen = _interleaved(index, transport, clock, "phiên bản", "a")
    index.replace_document("a", new, vectors(new))
    other = [make_chunk("b", 0, "khác")]
    index.replace_document("b", other, vectors(other))  # more writes: searches after the switch
    clock.sleep(60)
    index.replace_document("b", other, vectors(other))  # its purge deletes a's old chunks and a's state
    seen.append(sorted(h.chunk.text for h in index.search(query("phiên bản"), k=50, filter=EVERYTHING)
                       if h.chunk.document_id == "a"))
    versions = {tuple(sorted(c.text for c in old)): "old", tuple(sorted(c.text for c in new)): "new"}
    observed = [versions.get(tuple(s), f"MIXED OR NONE: {s}") for s in seen]
    assert len(seen) > 8 and observed == sorted(observed, key=["old", "new"].index), observed
    assert "old" in observed and "new" in observed
    assert sum(1 for d in transport.indices["chunks"]["docs"].values() if d["document_id"] == "a") == 2


@pytest.mark.parametrize("serverless", [False, True])
def test_a_new_document_appears_with_all_its_chunks_at_once(serverless: bool) -> None:
    client, transport = fake_opensearch(serverless=serverless)
    clock = FakeClock()
    index = build(client, clock=clock, serverless=serverless)
    index.ensure_index()
    chunks = [make_chunk("n", i, f"điều khoản mới {i}") for i in range(4)]
    seen = _interleaved(index, transport, clock, "điều khoản", "n")
    index.replace_document("n", chunks, vectors(chunks))
    other = [make_chunk("b", 0, "khác")]
    index.replace_document("b", other, vectors(other))
    assert set(map(len, seen)) == {0, 4} and [len(s) for s in seen] == sorted(len(s) for s in seen)
    assert seen[-1] == sorted(c.text for c in chunks)


def test_a_delete_hides_every_chunk_at_once() -> None:
    client, transport = fake_opensearch()
    clock = FakeClock()
    index = build(client, clock=clock)
    index.ensure_index()
    chunks = [make_chunk("a", i, f"quy định {i}") for i in range(3)]
    index.replace_document("a", chunks, vectors(chunks))
    seen = _interleaved(index, transport, clock, "quy định", "a")
    index.delete_document("a")
    clock.sleep(60)
    index.purge_retired()
    index.search(query("quy định"), k=5, filter=EVERYTHING)
    assert set(map(len, seen)) == {0, 3} and [len(s) for s in seen] == sorted((len(s) for s in seen), reverse=True)


@pytest.mark.parametrize("error", [TransportError(429, "too_many_requests", {}),
                                   TransportError(503, "unavailable", {}), OSConnectionError("N/A", "refused", None)])
def test_outages_become_dependency_unavailable(fake, monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    index, transport = fake

    def fail(*_args, **_kwargs):
        raise error

    monkeypatch.setattr(transport, "perform_request", fail)
    with pytest.raises(DependencyUnavailable):
        index.search(query("x"), k=3, filter=EVERYTHING)


def test_bad_requests_are_not_disguised(fake, monkeypatch: pytest.MonkeyPatch) -> None:
    index, transport = fake

    def fail(*_args, **_kwargs):
        raise TransportError(400, "parsing_exception", {})

    monkeypatch.setattr(transport, "perform_request", fail)
    with pytest.raises(TransportError):
        index.count()


@pytest.mark.opensearch
@pytest.mark.skipif(not os.environ.get("OPENSEARCH_URL"), reason="set OPENSEARCH_URL to run against OpenSearch")
class TestOpenSearchSearchIndexLive(SearchIndexContract):
    """e.g. OPENSEARCH_URL=http://localhost:9200 (docker opensearchproject/opensearch, security off)."""

    @pytest.fixture
    def index(self):
        from shared.adapters.aws.opensearch.client import opensearch_client

        client = opensearch_client(os.environ["OPENSEARCH_URL"], region=os.environ.get("AWS_REGION"),
                                   sign=os.environ.get("OPENSEARCH_SIGV4") == "1")
        name = f"vnrag-test-{uuid.uuid4().hex[:8]}"
        index = build(client, name)
        index.ensure_index()
        yield index
        client.indices.delete(index=name)


def test_serverless_writes_without_ids_or_refresh_and_polls_until_visible() -> None:
    client, transport = fake_opensearch(serverless=True)
    index = build(client, serverless=True)
    index.ensure_index()
    old = [make_chunk("a", 0, "bản cũ")]
    index.upsert(old, vectors(old))
    transport.requests.clear()
    new = [make_chunk("a", 1, "bản mới")]
    index.replace_document("a", new, vectors(new))
    writes = [(u, p, b) for m, u, p, b in transport.requests if m != "GET" and not u.endswith("_search")]
    assert all("refresh" not in p for _, p, _ in writes)
    assert all("_id" not in line.get("index", {}) for u, _, b in writes if u == "/_bulk" for line in b)
    polls = [b for _, u, _, b in transport.requests if u == "/chunks/_search" and b.get("size") == 0]
    assert polls and polls[0]["track_total_hits"] is True
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-1"]
    index._now.sleep(60)
    assert index.purge_retired().chunks == 1
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-1"]
    assert transport.indices["chunks-state"]["live"] == {}


@pytest.mark.parametrize("write", ["upsert", "replace", "delete"])
def test_every_write_creates_the_index_with_its_mapping_first(write: str) -> None:
    """Not only the ingest function writes (a document deleted through the API does too): a write to a missing
    index would have OpenSearch create it with a dynamic mapping, without the k-NN vector field."""
    client, transport = fake_opensearch()
    index = build(client)  # no ensure_index: the writer's own first write must take care of it
    chunks = [make_chunk("doc", 0, "Điều 1. Phạm vi điều chỉnh")]
    if write == "upsert":
        index.upsert(chunks, vectors(chunks))
    elif write == "replace":
        index.replace_document("doc", chunks, vectors(chunks))
    else:
        index.delete_document("doc")
    for name in ("chunks", "chunks-state"):
        assert not transport.indices[name].get("auto_created"), f"{name} was created by a write"
        assert transport.indices[name]["body"]["mappings"]["dynamic"] == "strict"
    assert transport.indices["chunks"]["body"]["mappings"]["properties"]["vector"]["type"] == "knn_vector"
    transport.requests.clear()
    index.delete_document("doc")  # once per process: later writes do not ask again
    assert ("HEAD", "/chunks") not in [(m, u) for m, u, _, _ in transport.requests]
