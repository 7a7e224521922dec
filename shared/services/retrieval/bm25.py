"""BM25 scoring in native code: postings are numpy arrays and a query is one `np.bincount`.

Weights are computed at build time (the "eager" BM25 of bm25s), so a query costs a gather and a sum
over the postings of its terms, with no Python loop over documents.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, slots=True)
class BM25Index:
    vocabulary: dict[str, int]
    offsets: np.ndarray  # int64[n_terms + 1]: postings of term t are [offsets[t], offsets[t+1])
    rows: np.ndarray  # int32: row (document) of each posting
    weights: np.ndarray  # float32: BM25 weight of each posting
    n_rows: int

    @classmethod
    def build(cls, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75) -> BM25Index:
        """Index `documents` (each a list of terms); row i of the index is documents[i]."""
        vocabulary: dict[str, int] = {}
        term_ids: list[int] = []
        row_ids: list[int] = []
        lengths = np.zeros(len(documents), dtype=np.float32)
        for row, terms in enumerate(documents):
            lengths[row] = len(terms)
            for term in terms:
                term_ids.append(vocabulary.setdefault(term, len(vocabulary)))
                row_ids.append(row)
        if not term_ids:
            empty = np.zeros(0, dtype=np.int32)
            return cls({}, np.zeros(1, dtype=np.int64), empty, empty.astype(np.float32), len(documents))

        # Count (term, row) pairs: term frequency per posting.
        n_terms = len(vocabulary)
        pair = np.asarray(term_ids, dtype=np.int64) * len(documents) + np.asarray(row_ids, dtype=np.int64)
        unique_pairs, tf = np.unique(pair, return_counts=True)
        post_terms = unique_pairs // len(documents)
        post_rows = (unique_pairs % len(documents)).astype(np.int32)

        df = np.bincount(post_terms, minlength=n_terms).astype(np.float32)
        idf = np.log1p((len(documents) - df + 0.5) / (df + 0.5))
        avg_len = max(float(lengths.mean()), 1.0)
        norm = k1 * (1 - b + b * lengths[post_rows] / avg_len)
        weights = (idf[post_terms] * tf * (k1 + 1) / (tf + norm)).astype(np.float32)

        offsets = np.zeros(n_terms + 1, dtype=np.int64)
        np.cumsum(df.astype(np.int64), out=offsets[1:])  # postings are sorted by term already
        return cls(vocabulary, offsets, post_rows, weights, len(documents))

    def score(self, terms: Iterable[str]) -> np.ndarray:
        """BM25 score of every row for the query `terms` (repeated terms count once per occurrence)."""
        slices = []
        for term in terms:
            term_id = self.vocabulary.get(term)
            if term_id is not None:
                slices.append(slice(self.offsets[term_id], self.offsets[term_id + 1]))
        if not slices:
            return np.zeros(self.n_rows, dtype=np.float32)
        rows = np.concatenate([self.rows[s] for s in slices])
        weights = np.concatenate([self.weights[s] for s in slices])
        return np.bincount(rows, weights=weights, minlength=self.n_rows).astype(np.float32)
