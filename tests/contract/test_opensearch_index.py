"""The OpenSearch adapter's exact wire format (mapping, query bodies, write order), on the fake transport,
and the index contract against a real OpenSearch when OPENSEARCH_URL is set (opt-in)."""

from __future__ import annotations

import os
import uuid

import pytest
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from shared.adapters.local_index import Weights
from shared.adapters.opensearch_index import OpenSearchSearchIndex
from shared.adapters.opensearch_queries import inner_product
from shared.domain.errors import DependencyUnavailable, ModelUnavailable
from shared.domain.models import AccessLevel, SearchFilter
from tests.contract.fake_opensearch import FakeOpenSearchTransport, fake_opensearch
from tests.contract.search_index_contract import (
    ANALYZER,
    EMBEDDER,
    EVERYTHING,
    SearchIndexContract,
    make_chunk,
    query,
    vectors,
)

WEIGHTS = Weights(0.35, 0.15, 0.5)


def build(client, name: str = "chunks", model_id: str = EMBEDDER.model_id) -> OpenSearchSearchIndex:
    return OpenSearchSearchIndex(client, index=name, analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                 model_id=model_id, weights=WEIGHTS, candidates=50)


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


def test_bootstrap_is_idempotent_and_refuses_other_vectors() -> None:
    client, transport = fake_opensearch()
    assert build(client).ensure_index() is True
    assert build(client).ensure_index() is False  # exists: left alone
    with pytest.raises(ModelUnavailable, match="hash-64/64"):
        build(client, model_id="other-model").ensure_index()


def test_documents_carry_pre_analysed_fields(fake) -> None:
    index, transport = fake
    chunk = make_chunk("a", 0, "Thủ tục cấp giấy phép")
    index.upsert([chunk], vectors([chunk]))
    [(method, url, params, lines)] = transport.requests
    assert (method, url, params) == ("POST", "/_bulk", {"refresh": "wait_for"})
    assert lines[0] == {"index": {"_index": "chunks", "_id": "a-0"}}
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
    assert [("knn" in body["query"]) for body in bm25_lines[1::2]] == [False, False]
    assert len(dense_lines) == 2 and dense_lines[1]["query"]["knn"]["vector"]["k"] == 3


def test_dense_scores_are_cosines_again(fake) -> None:
    index, _ = fake
    chunk = make_chunk("a", 0, "nghỉ phép năm")
    index.upsert([chunk], vectors([chunk]))
    [hit] = index.search(query("nghỉ phép năm", "dense"), k=1, filter=EVERYTHING)
    assert hit.dense_score == pytest.approx(float(vectors([chunk])[0] @ query("nghỉ phép năm").vector), abs=1e-5)
    assert inner_product(0.5) == pytest.approx(-1.0) and inner_product(1.75) == pytest.approx(0.75)


def test_replace_indexes_the_new_version_before_deleting_the_old(fake) -> None:
    index, transport = fake
    old = [make_chunk("a", i, f"bản cũ {i}") for i in range(2)]
    index.upsert(old, vectors(old))
    transport.requests.clear()
    new = [make_chunk("a", 5, "bản mới")]
    assert index.replace_document("a", new, vectors(new)) == 1
    (_, first, _, _), (_, second, params, body) = transport.requests
    assert first == "/_bulk" and second == "/chunks/_delete_by_query"
    assert params == {"refresh": "true", "conflicts": "proceed"}
    assert body == {"query": {"bool": {"filter": [{"term": {"document_id": "a"}}],
                                       "must_not": [{"ids": {"values": ["a-5"]}}]}}}
    assert index.count() == 1


def test_delete_document_by_query(fake) -> None:
    index, transport = fake
    chunks = [make_chunk("a", i, "x") for i in range(3)]
    index.upsert(chunks, vectors(chunks))
    assert index.delete_document("a") == 3
    assert transport.requests[-1][3] == {"query": {"bool": {"filter": [{"term": {"document_id": "a"}}]}}}


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
        from shared.adapters.opensearch_client import opensearch_client

        client = opensearch_client(os.environ["OPENSEARCH_URL"], region=os.environ.get("AWS_REGION"),
                                   sign=os.environ.get("OPENSEARCH_SIGV4") == "1")
        name = f"vnrag-test-{uuid.uuid4().hex[:8]}"
        index = build(client, name)
        index.ensure_index()
        yield index
        client.indices.delete(index=name)


def test_serverless_writes_without_ids_and_deletes_by_found_ids() -> None:
    client, transport = fake_opensearch(serverless=True)
    index = OpenSearchSearchIndex(client, index="chunks", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                  model_id=EMBEDDER.model_id, weights=WEIGHTS, serverless=True)
    index.ensure_index()
    old = [make_chunk("a", 0, "bản cũ")]
    index.upsert(old, vectors(old))
    transport.requests.clear()
    new = [make_chunk("a", 1, "bản mới")]
    index.replace_document("a", new, vectors(new))
    (_, bulk, bulk_params, lines), (_, search, _, body), (_, delete, _, deletes) = transport.requests
    assert (bulk, bulk_params) == ("/_bulk", {}) and lines[0] == {"index": {"_index": "chunks"}}  # no _id, no refresh
    assert search == "/chunks/_search" and body["_source"] is False
    assert body["query"]["bool"]["filter"] == [{"term": {"document_id": "a"}}]
    assert delete == "/_bulk" and len(deletes) == 1 and set(deletes[0]) == {"delete"}
    assert [h.chunk.id for h in index.search(query("bản"), k=5, filter=EVERYTHING)] == ["a-1"]
