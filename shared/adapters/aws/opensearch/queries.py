"""The OpenSearch index's mapping and query bodies, as pure functions (tests assert them exactly).

* Text is analysed here, in Python, by the same LexicalAnalyzer as the local index, and stored
  pre-analysed: `terms` (segmented words, `giấy_phép`) and `folded` (diacritic-free syllables and
  bigrams) are space-joined tokens under the built-in `whitespace` analyzer. OpenSearch Serverless
  takes no custom plugins, so no Vietnamese analysis may depend on one.
* Vectors are L2-normalised, so faiss HNSW with `innerproduct` ranks by cosine (faiss supports
  `cosinesimil` only from 2.19).
* The caller's filter goes INSIDE the `knn` clause (efficient filtering: k hits that pass it), and
  into the bool `filter` of the lexical queries; never a post_filter, which would return fewer than k.
* Each chunk carries the `generation` of the write that stored it and `written_at` (see
  opensearch_generations.py); a companion index `<index>-state` holds the per-document state records
  that say which generation searches show.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.domain.models import ArticleRef, Chunk, SearchFilter

HNSW = {"m": 16, "ef_construction": 128}


def index_body(dimension: int, model_id: str, *, ef_search: int = 100) -> dict[str, Any]:
    return {
        "settings": {"index": {"knn": True, "knn.algo_param.ef_search": ef_search}},
        "mappings": {
            "dynamic": "strict",
            "_meta": {"embedding_model": f"{model_id}/{dimension}"},
            "properties": {
                "chunk_id": {"type": "keyword"},
                "document_id": {"type": "keyword"},
                "ordinal": {"type": "integer"},
                "document_type": {"type": "keyword"},
                "access_level": {"type": "byte"},
                "article": {"type": "keyword"},
                "title": {"type": "keyword", "index": False},
                "headings": {"type": "keyword", "index": False},
                "text": {"type": "text", "index": False},
                "generation": {"type": "keyword"},
                "written_at": {"type": "double"},
                "terms": {"type": "text", "analyzer": "whitespace"},
                "folded": {"type": "text", "analyzer": "whitespace"},
                "vector": {"type": "knn_vector", "dimension": dimension,
                           "method": {"name": "hnsw", "engine": "faiss", "space_type": "innerproduct",
                                      "parameters": HNSW}},
            },
        },
    }


GENERATION_FIELDS = {"generation": {"type": "keyword"}, "written_at": {"type": "double"}}
# State records fetched per search: one per document written since the last purge (opensearch_index.py
# says what happens past it). 10,000 is also OpenSearch's default index.max_result_window.
STATE_LIMIT = 10_000


def state_index_body() -> dict[str, Any]:
    """Per-document state records (opensearch_generations.DocumentState): small, no vectors."""
    entry = {"properties": {"generation": {"type": "keyword"}, "at": {"type": "double"}}}
    return {"mappings": {"dynamic": "strict", "properties": {
        "document_id": {"type": "keyword"}, "seq": {"type": "long"}, "created_at": {"type": "double"},
        "updated_at": {"type": "double"}, "history": entry, "pending": entry}}}


def chunk_source(chunk: Chunk, terms: list[str], folded: list[str], vector: list[float], *,
                 generation: str = "", written_at: float | None = None) -> dict[str, Any]:
    source = {"chunk_id": chunk.id, "document_id": chunk.document_id, "ordinal": chunk.ordinal,
              "document_type": chunk.document_type, "access_level": int(chunk.access_level),
              "article": chunk.article, "title": chunk.title, "headings": list(chunk.headings), "text": chunk.text,
              "generation": generation, "terms": " ".join(terms), "folded": " ".join(folded), "vector": vector}
    if written_at is not None:  # absent on in-place upserts: they start no new version
        source["written_at"] = written_at
    return source


def states_query(limit: int = STATE_LIMIT) -> dict[str, Any]:
    """Every state record (up to `limit`): the search drops the chunks they hide (same _msearch, no extra
    round trip). The exact total comes back too, so a search can tell when it read only some of them."""
    return {"size": limit, "track_total_hits": True, "query": {"match_all": {}}}


def generation_query(document_id: str, generation: str) -> dict[str, Any]:
    return {"bool": {"filter": [{"term": {"document_id": document_id}}, {"term": {"generation": generation}}]}}


def retired_chunks_query(document_id: str, generations: set[str], baseline_before: float | None,
                         keep: set[str]) -> dict[str, Any]:
    """Chunks of `document_id` in a retired generation or, when `baseline_before` is given, written before
    that time (or by code that stamped no time) and in no generation of `keep`."""
    should: list[dict[str, Any]] = []
    if generations:
        should.append({"terms": {"generation": sorted(generations)}})
    if baseline_before is not None:
        old = {"bool": {"should": [{"range": {"written_at": {"lt": baseline_before}}},
                                   {"bool": {"must_not": [{"exists": {"field": "written_at"}}]}}],
                        "minimum_should_match": 1}}
        should.append({"bool": {"filter": [old], "must_not": [{"terms": {"generation": sorted(keep)}}]}})
    return {"bool": {"filter": [{"term": {"document_id": document_id}},
                                {"bool": {"should": should, "minimum_should_match": 1}}]}}


def filter_clauses(filter: SearchFilter) -> list[dict[str, Any]]:
    """The filter as bool-filter clauses. An empty set of types or ids matches nothing, as it should."""
    clauses: list[dict[str, Any]] = [{"range": {"access_level": {"lte": int(filter.max_access_level)}}}]
    if filter.document_types is not None:
        clauses.append({"terms": {"document_type": sorted(filter.document_types)}})
    if filter.document_ids is not None:
        clauses.append({"terms": {"document_id": sorted(filter.document_ids)}})
    return clauses


_SOURCE = {"excludes": ["vector", "terms", "folded"]}


def lexical_query(field: str, tokens: tuple[str, ...], filter: SearchFilter, size: int) -> dict[str, Any]:
    """BM25 over one pre-analysed field; the filter is a non-scoring bool filter."""
    return {"size": size, "_source": _SOURCE, "track_total_hits": False,
            "query": {"bool": {"must": [{"match": {field: {"query": " ".join(tokens), "operator": "or"}}}],
                               "filter": filter_clauses(filter)}}}


def named_articles_query(refs: Sequence[ArticleRef], filter: SearchFilter, size: int) -> dict[str, Any]:
    """The chunks of the articles a question names (`SearchQuery.article_refs`) that `filter` allows: a
    non-scoring bool filter, the caller's filter clauses AND one of the references (its documents by
    `terms` on document_id, its article by `term` on article)."""
    named = [{"bool": {"filter": [{"terms": {"document_id": sorted(ref.document_ids)}},
                                  {"term": {"article": ref.article}}]}} for ref in refs]
    return {"size": size, "_source": _SOURCE, "track_total_hits": False,
            "query": {"bool": {"filter": [*filter_clauses(filter),
                                          {"bool": {"should": named, "minimum_should_match": 1}}]}}}


def knn_query(vector: list[float], filter: SearchFilter, k: int) -> dict[str, Any]:
    """Approximate k-NN with the filter inside the knn clause (applied during the graph search)."""
    return {"size": k, "_source": _SOURCE, "track_total_hits": False,
            "query": {"knn": {"vector": {"vector": vector, "k": k,
                                         "filter": {"bool": {"filter": filter_clauses(filter)}}}}}}


def inner_product(score: float) -> float:
    """Undo faiss innerproduct's score transform (ip + 1 when ip >= 0, else 1 / (1 - ip))."""
    return score - 1.0 if score >= 1.0 else 1.0 - 1.0 / score
