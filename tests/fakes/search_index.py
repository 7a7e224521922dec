"""InMemorySearchIndex: the SearchIndex port in memory (no file, no socket), for unit tests.

It ranks as the real adapters do, on a small scale: BM25 over the analyzer's segmented and folded terms and
the dot product of unit vectors, min-max fused over each signal's best candidates, after the filter. It runs
the same contract suite as the real adapters (tests/contract/test_search_indexes.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shared.domain.models import Chunk, SearchFilter, SearchHit, SearchQuery
from shared.ports import Analyzer
from shared.services.retrieval.bm25 import BM25Index
from shared.services.retrieval.fusion import min_max_fusion

_SIGNALS = {"hybrid": ("lexical", "folded", "dense"), "bm25": ("lexical", "folded"), "dense": ("dense",)}


class InMemorySearchIndex:
    def __init__(self, analyzer: Analyzer, *, weights: dict[str, float] | None = None, candidates: int = 100) -> None:
        self.analyzer, self.candidates = analyzer, candidates
        self.weights = weights or {"lexical": 0.35, "folded": 0.15, "dense": 0.5}
        self._chunks: dict[str, tuple[Chunk, np.ndarray]] = {}

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        for chunk, vector in zip(chunks, vectors, strict=True):
            self._chunks[chunk.id] = (chunk, np.asarray(vector, dtype=np.float32))
        return len(chunks)

    def replace_document(self, document_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        if any(c.document_id != document_id for c in chunks):
            raise ValueError("every chunk must belong to the document being replaced")
        self.delete_document(document_id)
        return self.upsert(chunks, vectors)

    def delete_document(self, document_id: str) -> int:
        doomed = [cid for cid, (chunk, _) in self._chunks.items() if chunk.document_id == document_id]
        for cid in doomed:
            del self._chunks[cid]
        return len(doomed)

    def search(self, query: SearchQuery, *, k: int, filter: SearchFilter) -> list[SearchHit]:
        rows = list(self._chunks.values())
        if not rows:
            return []
        chunks = [chunk for chunk, _ in rows]
        allowed = np.array([filter.allows(c) for c in chunks])
        signals: dict[str, np.ndarray] = {}
        wanted = _SIGNALS[query.mode]
        if "lexical" in wanted:
            signals["lexical"] = BM25Index.build([self.analyzer.index_terms(c.passage) for c in chunks]).score(
                query.terms)
            signals["folded"] = BM25Index.build([self.analyzer.folded_terms(c.passage) for c in chunks]).score(
                query.folded_terms)
        if "dense" in wanted and query.vector is not None:
            signals["dense"] = np.stack([vector for _, vector in rows]) @ np.asarray(query.vector, dtype=np.float32)
        order, fused, _ = min_max_fusion(signals, self.weights, allowed, candidates=self.candidates)
        return [SearchHit(chunks[row], float(score)) for row, score in zip(order[:k], fused[:k], strict=True)]

    def count(self) -> int:
        return len(self._chunks)
