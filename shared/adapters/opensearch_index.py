"""OpenSearchSearchIndex: the SearchIndex port on OpenSearch (managed domain or Serverless).

Hybrid search is fused client-side: one `_msearch` round trip runs the segmented BM25 query, the
folded BM25 query and the filtered k-NN query, and `min_max_fusion` combines them with the same
weights as the local index. Why not the `hybrid` query with a normalization search pipeline: it fuses
only inside OpenSearch, with weights fixed in the pipeline, and the pipeline API differs between
managed domains and Serverless; client-side fusion ranks exactly like local mode everywhere, for the
price of returning `candidates` hits per signal (ids and scores only: sources exclude the vector).

Articles a question names (`SearchQuery.article_refs`) are boosted as in the local index: the same
round trip fetches the chunks of those articles that the caller's filter allows (a filter-only query:
the access filter AND document_id/article of one reference), and each gets `reference_boost` on top
of its fused score, so the named article ranks first and nothing outside the filter can come in.

Replacing a document indexes its new chunks first, then deletes the chunks of the document that are
not among the new ids (chunk ids hash their content, so unchanged chunks keep theirs). Between the two
steps, about one refresh interval, a search may see both versions, never neither: OpenSearch has no
multi-document transactions, and "both for a moment" is the safe side of that.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any, Protocol

import numpy as np

from shared.adapters.opensearch_queries import (
    chunk_source,
    filter_clauses,
    index_body,
    inner_product,
    knn_query,
    lexical_query,
    named_articles_query,
)
from shared.domain.errors import DependencyUnavailable, ModelUnavailable
from shared.domain.models import AccessLevel, Chunk, SearchFilter, SearchHit, SearchQuery
from shared.retrieval.fusion import min_max_fusion
from shared.retrieval.references import REFERENCE_BOOST

log = logging.getLogger(__name__)
_NAMED = "named"  # the _msearch body that fetches the chunks of the articles a question names


class Analyzer(Protocol):
    def index_terms(self, text: str) -> list[str]: ...
    def folded_terms(self, text: str) -> list[str]: ...


class OpenSearchSearchIndex:
    def __init__(self, client: Any, *, index: str, analyzer: Analyzer, dimension: int, model_id: str,
                 weights: Any, candidates: int = 100, refresh: bool | str = "wait_for",
                 serverless: bool = False, reference_boost: float = REFERENCE_BOOST) -> None:
        """`weights` has lexical/folded/dense like the local index's. `refresh="wait_for"` makes every
        write visible to search before it returns.

        `serverless=True` (OpenSearch Serverless vector collections): writes may not name a document
        `_id` and there is no refresh parameter, so documents get generated ids (the chunk id is a field)
        and the copies a write supersedes are found by query and deleted by their generated ids.
        """
        self._client, self._index, self._analyzer = client, index, analyzer
        self._dimension, self._model_id, self._weights = dimension, model_id, weights
        self._candidates, self._serverless = candidates, serverless
        self._refresh: bool | str = False if serverless else refresh
        self._reference_boost = reference_boost

    # -- bootstrap ----------------------------------------------------------------------------------
    def ensure_index(self) -> bool:
        """Create the index if missing (True if this call created it); refuse one built for other vectors."""
        from opensearchpy.exceptions import RequestError

        wanted = f"{self._model_id}/{self._dimension}"
        created = False
        if not self._call(self._client.indices.exists, index=self._index):
            try:
                self._call(self._client.indices.create, index=self._index,
                           body=index_body(self._dimension, self._model_id))
                created = True
            except RequestError as exc:  # another instance created it first: fine
                if "resource_already_exists" not in str(exc):
                    raise
        mapping = self._call(self._client.indices.get_mapping, index=self._index)
        stored = next(iter(mapping.values()))["mappings"].get("_meta", {}).get("embedding_model")
        if stored != wanted:
            raise ModelUnavailable(f"index {self._index} holds vectors of {stored}, not {wanted}")
        return created

    # -- writes -------------------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        written = self._write(chunks, vectors)
        if self._serverless and chunks:  # older copies of these chunk ids carry other generated ids
            self._delete_where({"bool": {"filter": [{"terms": {"chunk_id": [c.id for c in chunks]}}],
                                         "must_not": [{"ids": {"values": written}}]}})
        return len(chunks)

    def replace_document(self, document_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        if any(c.document_id != document_id for c in chunks):
            raise ValueError("every chunk must belong to the document being replaced")
        written = self._write(chunks, vectors)  # new version searchable first ...
        self._delete_where({"bool": {"filter": [{"term": {"document_id": document_id}}],
                                     "must_not": [{"ids": {"values": written}}]}})  # ... then the old one goes
        return len(chunks)

    def _write(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> list[str]:
        """Bulk-index the chunks; returns the `_id` of each written document."""
        if not chunks:
            return []
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self._dimension)
        lines: list[dict] = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            action = {"_index": self._index} if self._serverless else {"_index": self._index, "_id": chunk.id}
            lines.append({"index": action})
            lines.append(chunk_source(chunk, self._analyzer.index_terms(chunk.passage),
                                      self._analyzer.folded_terms(chunk.passage), [float(x) for x in vector]))
        params = {"refresh": self._refresh} if self._refresh else {}
        out = self._call(self._client.bulk, body=lines, **params)
        if out.get("errors"):
            failed = [i for i in out["items"] if i.get("index", {}).get("error")]
            raise DependencyUnavailable(f"{len(failed)} of {len(chunks)} chunks were not indexed: "
                                        f"{failed[0]['index']['error']}")
        return [item["index"]["_id"] for item in out["items"]]

    def delete_document(self, document_id: str) -> int:
        return self._delete_where({"bool": {"filter": [{"term": {"document_id": document_id}}]}})

    def count(self) -> int:
        """Chunks in the index; 0 before the first ingest has created it."""
        from opensearchpy.exceptions import NotFoundError

        try:
            return int(self._call(self._client.count, index=self._index)["count"])
        except NotFoundError:
            return 0

    # -- search -------------------------------------------------------------------------------------
    def search(self, query: SearchQuery, *, k: int, filter: SearchFilter) -> list[SearchHit]:
        if k <= 0:
            return []
        n = max(self._candidates, k)
        bodies: dict[str, dict] = {}
        if query.mode in ("hybrid", "bm25"):
            if query.terms and self._weights.lexical > 0:
                bodies["lexical"] = lexical_query("terms", query.terms, filter, n)
            if query.folded_terms and self._weights.folded > 0:
                bodies["folded"] = lexical_query("folded", query.folded_terms, filter, n)
        if query.mode in ("hybrid", "dense") and query.vector is not None:
            vector = [float(x) for x in np.asarray(query.vector, dtype=np.float32)]
            bodies["dense"] = knn_query(vector, filter, k if query.mode == "dense" else n)
        if not bodies:
            return []
        if query.article_refs and self._reference_boost > 0:  # in the same round trip
            bodies[_NAMED] = named_articles_query(query.article_refs, filter, n)
        results = self._msearch(bodies)
        named = results.pop(_NAMED, [])
        if query.mode == "dense":
            ranked = [SearchHit(_chunk(h["_source"]), inner_product(h["_score"]),
                                dense_score=inner_product(h["_score"])) for h in results["dense"][:k]]
        else:
            ranked = self._fuse(results, n)
        if named:
            ranked = _boost_named_articles(ranked, named, self._reference_boost)
        return ranked[:k]

    # -- internals ----------------------------------------------------------------------------------
    def _fuse(self, results: dict[str, list[dict]], n: int) -> list[SearchHit]:
        order: dict[str, int] = {}
        sources: list[dict] = []
        for hits in results.values():
            for h in hits:
                if h["_id"] not in order:
                    order[h["_id"]] = len(sources)
                    sources.append(h["_source"])
        if not sources:
            return []
        raw: dict[str, np.ndarray] = {}
        for name, hits in results.items():
            if not hits:
                continue  # a signal with no hits adds nothing (rather than a constant to everyone)
            scores = np.array([h["_score"] for h in hits], dtype=np.float32)
            if name == "dense":
                scores = np.array([inner_product(float(s)) for s in scores], dtype=np.float32)
            # A row this signal did not return gets the signal's lowest score, which min-max maps to 0:
            # the same as min_max_fusion's "missing from a signal's candidates scores 0".
            column = np.full(len(sources), scores.min(), dtype=np.float32)
            column[[order[h["_id"]] for h in hits]] = scores
            raw[name] = column
        weights = {"lexical": self._weights.lexical, "folded": self._weights.folded, "dense": self._weights.dense}
        rows, fused, _ = min_max_fusion(raw, weights, np.ones(len(sources), dtype=bool), candidates=n)
        lexical, dense = raw.get("lexical"), raw.get("dense")
        return [SearchHit(_chunk(sources[r]), float(s),
                          lexical_score=float(lexical[r]) if lexical is not None else 0.0,
                          dense_score=float(dense[r]) if dense is not None else None)
                for r, s in zip(rows, fused, strict=False)]

    def _msearch(self, bodies: dict[str, dict]) -> dict[str, list[dict]]:
        lines: list[dict] = []
        for body in bodies.values():
            lines += [{"index": self._index}, body]
        out = self._call(self._client.msearch, body=lines)
        results = {}
        for name, response in zip(bodies, out["responses"], strict=True):
            if "error" in response:
                raise DependencyUnavailable(f"the search index failed: {response['error']}")
            results[name] = response["hits"]["hits"]
        return results

    def _delete_where(self, query: dict) -> int:
        if not self._serverless:
            out = self._call(self._client.delete_by_query, index=self._index, body={"query": query},
                             refresh=bool(self._refresh), conflicts="proceed")  # true/false, not wait_for
            return int(out.get("deleted", 0))
        # Serverless: no delete-by-query; find the ids, then bulk-delete them (a document has few chunks).
        found = self._call(self._client.search, index=self._index,
                           body={"query": query, "size": 10_000, "_source": False})
        ids = [hit["_id"] for hit in found["hits"]["hits"]]
        if ids:
            self._call(self._client.bulk, body=[{"delete": {"_index": self._index, "_id": i}} for i in ids])
        return len(ids)

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        from opensearchpy.exceptions import ConnectionError as OSConnectionError
        from opensearchpy.exceptions import TransportError

        try:
            return fn(**kwargs)
        except OSConnectionError as exc:
            raise DependencyUnavailable("the search index cannot be reached") from exc
        except TransportError as exc:
            if isinstance(exc.status_code, int) and (exc.status_code == 429 or exc.status_code >= 500):
                raise DependencyUnavailable("the search index is unavailable, try again later") from exc
            raise


def _boost_named_articles(ranked: list[SearchHit], named: list[dict], boost: float) -> list[SearchHit]:
    """Put the chunks of the articles the question names first, as the local index does: each gets
    `boost` on top of its fused score (0 if it was not among the candidates), so named articles lead
    and keep their own order among themselves. `named` holds only chunks the caller's filter allows."""
    scores = {(h.chunk.id, h.chunk.document_id): h for h in ranked}
    for h in named:
        chunk = _chunk(h["_source"])
        key = (chunk.id, chunk.document_id)
        hit = scores.get(key)
        scores[key] = (SearchHit(chunk, boost, lexical_score=0.0) if hit is None
                       else replace(hit, score=hit.score + boost))
    return sorted(scores.values(), key=lambda hit: -hit.score)  # stable: ties keep their order


def _chunk(source: dict) -> Chunk:
    return Chunk(id=source["chunk_id"], document_id=source["document_id"], ordinal=source["ordinal"],
                 text=source["text"], headings=tuple(source.get("headings") or ()), article=source.get("article"),
                 title=source.get("title") or "", document_type=source["document_type"],
                 access_level=AccessLevel(source["access_level"]))


__all__ = ["OpenSearchSearchIndex", "filter_clauses"]
