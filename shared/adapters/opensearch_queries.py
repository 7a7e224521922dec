"""The OpenSearch index's mapping and query bodies, as pure functions (tests assert them exactly).

* Text is analysed here, in Python, by the same LexicalAnalyzer as the local index, and stored
  pre-analysed: `terms` (segmented words, `giấy_phép`) and `folded` (diacritic-free syllables and
  bigrams) are space-joined tokens under the built-in `whitespace` analyzer. OpenSearch Serverless
  takes no custom plugins, so no Vietnamese analysis may depend on one.
* Vectors are L2-normalised, so faiss HNSW with `innerproduct` ranks by cosine (faiss supports
  `cosinesimil` only from 2.19).
* The caller's filter goes INSIDE the `knn` clause (efficient filtering: k hits that pass it), and
  into the bool `filter` of the lexical queries; never a post_filter, which would return fewer than k.
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
                "terms": {"type": "text", "analyzer": "whitespace"},
                "folded": {"type": "text", "analyzer": "whitespace"},
                "vector": {"type": "knn_vector", "dimension": dimension,
                           "method": {"name": "hnsw", "engine": "faiss", "space_type": "innerproduct",
                                      "parameters": HNSW}},
            },
        },
    }


def chunk_source(chunk: Chunk, terms: list[str], folded: list[str], vector: list[float]) -> dict[str, Any]:
    return {"chunk_id": chunk.id, "document_id": chunk.document_id, "ordinal": chunk.ordinal,
            "document_type": chunk.document_type, "access_level": int(chunk.access_level),
            "article": chunk.article, "title": chunk.title, "headings": list(chunk.headings), "text": chunk.text,
            "terms": " ".join(terms), "folded": " ".join(folded), "vector": vector}


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
