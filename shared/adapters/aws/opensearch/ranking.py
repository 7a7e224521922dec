"""Ranking OpenSearch's answers client-side (shared/adapters/aws/opensearch/index.py sends the queries): the
signals fused as the local index fuses them, the neighbour bonus, and the boost of the articles a question
names. Pure functions over the hits of one `_msearch`."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from shared.adapters.aws.opensearch.queries import inner_product
from shared.domain.models import AccessLevel, Chunk, SearchHit
from shared.services.retrieval.fusion import min_max_fusion
from shared.services.retrieval.neighbours import article_position, rerank_with_neighbours


def dense_hits(hits: list[dict]) -> list[SearchHit]:
    """k-NN hits as they come (best first), scored by their inner product."""
    return [SearchHit(chunk_of(h["_source"]), inner_product(h["_score"]), dense_score=inner_product(h["_score"]))
            for h in hits]


def fuse_hits(results: dict[str, list[dict]], weights: dict[str, float], n: int, *,
              neighbour_boost: float = 0.0) -> list[SearchHit]:
    """The signals' hits (lexical, folded, dense: OpenSearch hits with `_id`, `_score`, `_source`) fused as
    `min_max_fusion` fuses the local index's, best first; with `neighbour_boost`, reranked with neighbours."""
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
    rows, fused, _ = min_max_fusion(raw, weights, np.ones(len(sources), dtype=bool), candidates=n)
    chunks = [chunk_of(source) for source in sources]
    if neighbour_boost > 0:  # as the local index does
        rows, fused = rerank_with_neighbours(rows, fused, [article_position(chunks[r]) for r in rows.tolist()],
                                             neighbour_boost)
    lexical, dense = raw.get("lexical"), raw.get("dense")
    return [SearchHit(chunks[r], float(s),
                      lexical_score=float(lexical[r]) if lexical is not None else 0.0,
                      dense_score=float(dense[r]) if dense is not None else None)
            for r, s in zip(rows, fused, strict=False)]


def boost_named_articles(ranked: list[SearchHit], named: list[dict], boost: float) -> list[SearchHit]:
    """Put the chunks of the articles the question names first, as the local index does: each gets
    `boost` on top of its fused score (0 if it was not among the candidates), so named articles lead
    and keep their own order among themselves. `named` holds only chunks the caller's filter allows."""
    scores = {(h.chunk.id, h.chunk.document_id): h for h in ranked}
    for h in named:
        chunk = chunk_of(h["_source"])
        key = (chunk.id, chunk.document_id)
        hit = scores.get(key)
        scores[key] = (SearchHit(chunk, boost, lexical_score=0.0) if hit is None
                       else replace(hit, score=hit.score + boost))
    return sorted(scores.values(), key=lambda hit: -hit.score)  # stable: ties keep their order


def chunk_of(source: dict) -> Chunk:
    return Chunk(id=source["chunk_id"], document_id=source["document_id"], ordinal=source["ordinal"],
                 text=source["text"], headings=tuple(source.get("headings") or ()), article=source.get("article"),
                 title=source.get("title") or "", document_type=source["document_type"],
                 access_level=AccessLevel(source["access_level"]))
