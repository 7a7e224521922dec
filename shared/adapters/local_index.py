"""The embedded hybrid index of local mode: SQLite on disk, numpy in memory.

SQLite keeps the chunks, their analysed terms and their vectors, so the index survives restarts and
other processes (a CLI ingest while `vnrag serve` runs) see each other's writes. Searches run on
in-memory arrays rebuilt from SQLite whenever its data changed: BM25 over the segmented words, BM25
over folded syllable uni/bigrams, and inner product over unit vectors, fused by `min_max_fusion`.
Filters become a boolean mask applied before any top-k.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shared.adapters.sqlite import open_database, write_transaction
from shared.domain.errors import ModelUnavailable
from shared.domain.models import AccessLevel, Chunk, SearchFilter, SearchHit, SearchQuery
from shared.ports import Analyzer
from shared.retrieval.bm25 import BM25Index
from shared.retrieval.fusion import min_max_fusion, top_candidates
from shared.retrieval.neighbours import NEIGHBOUR_BOOST, Position, article_position, rerank_with_neighbours
from shared.retrieval.references import REFERENCE_BOOST, DocumentCatalogue
from shared.retrieval.restore import DiacriticRestorer, SyllableCounts
from shared.retrieval.understanding import QueryResources

_SCHEMA = """
CREATE TABLE IF NOT EXISTS chunks (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL, ordinal INTEGER NOT NULL, text TEXT NOT NULL,
    headings TEXT NOT NULL, article TEXT, title TEXT NOT NULL, document_type TEXT NOT NULL,
    access_level INTEGER NOT NULL, terms TEXT NOT NULL, folded TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id, ordinal);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS syllable_unigrams (form TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS syllable_bigrams (pair TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""
# Bumped when what the syllable count tables hold changes: an index without the current version
# recounts every stored passage once when opened.
_COUNTS_VERSION = "1"


@dataclass(frozen=True, slots=True)
class Weights:
    lexical: float
    folded: float
    dense: float


@dataclass(slots=True)
class _Snapshot:
    """Everything a search reads, built together so a search never sees half an update."""

    chunks: list[Chunk]
    access: np.ndarray
    document_types: np.ndarray
    document_ids: np.ndarray
    vectors: np.ndarray
    lexical: BM25Index
    folded: BM25Index
    resources: QueryResources | None = None  # built on first use: most snapshots never need them
    article_rows: dict[tuple[str, str], list[int]] | None = None  # (document id, article) -> rows
    positions: list[Position | None] | None = None  # article position per row, built on first use


class LocalSearchIndex:
    def __init__(self, path: Path, *, analyzer: Analyzer, dimension: int, weights: Weights,
                 candidates: int = 100, model_id: str = "unknown", reference_boost: float = REFERENCE_BOOST,
                 neighbour_boost: float = NEIGHBOUR_BOOST) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.RLock()
        self._analyzer = analyzer
        self._dimension = dimension
        self._weights = weights
        self._candidates = candidates
        self._reference_boost = reference_boost
        self._neighbour_boost = neighbour_boost
        self._snapshot: _Snapshot | None = None
        self._seen_version: tuple[int, int] | None = None
        self._writes = 0
        self._check_model(model_id, dimension)
        self._check_counts()

    # -- writes -------------------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        with self._lock, self._transaction():
            self._insert(chunks, vectors)
        return len(chunks)

    def replace_document(self, document_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        if any(c.document_id != document_id for c in chunks):
            raise ValueError("every chunk must belong to the document being replaced")
        with self._lock, self._transaction():  # one transaction: never both versions, never neither
            self._delete_where("document_id = ?", (document_id,))
            self._insert(chunks, vectors)
        return len(chunks)

    def delete_document(self, document_id: str) -> int:
        with self._lock, self._transaction():
            return self._delete_where("document_id = ?", (document_id,))

    def count(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]

    def document_chunks(self, document_id: str) -> list[Chunk]:
        rows = self._db.execute(
            "SELECT id, document_id, ordinal, text, headings, article, title, document_type, access_level "
            "FROM chunks WHERE document_id = ? ORDER BY ordinal", (document_id,))
        return [_chunk_from_row(row) for row in rows]

    # -- search -------------------------------------------------------------------------------------
    def search(self, query: SearchQuery, *, k: int, filter: SearchFilter) -> list[SearchHit]:
        snap = self._current()  # one snapshot for scores and mask, even if a write lands meanwhile
        chunks, signals = snap.chunks, _score(snap, query)
        if not chunks or k <= 0:
            return []
        allowed = _mask(snap, filter)
        if query.mode == "dense":
            rows = top_candidates(signals["dense"], allowed, k)
            fused = signals["dense"][rows]
        else:
            weights = {"lexical": self._weights.lexical, "folded": self._weights.folded,
                       "dense": self._weights.dense}
            rows, fused, _ = min_max_fusion(signals, weights, allowed, candidates=max(self._candidates, k))
            if query.mode == "hybrid" and self._neighbour_boost > 0:
                rows, fused = _boost_neighbours(snap, rows, fused, self._neighbour_boost)
        if query.article_refs and self._reference_boost > 0:
            rows, fused = _boost_named_articles(snap, query, rows, fused, allowed, self._reference_boost)
        lexical, dense = signals.get("lexical"), signals.get("dense")
        return [SearchHit(chunks[row], float(score),
                          lexical_score=None if lexical is None else float(lexical[row]),
                          dense_score=None if dense is None else float(dense[row]))
                for row, score in zip(rows[:k], fused[:k], strict=False)]

    def syllable_counts(self) -> SyllableCounts:
        """The stored syllable counts, e.g. to publish as a snapshot (`SyllableCounts.dump`)."""
        with self._lock:
            return SyllableCounts(Counter(dict(self._db.execute("SELECT form, n FROM syllable_unigrams"))),
                                  Counter(dict(self._db.execute("SELECT pair, n FROM syllable_bigrams"))))

    def query_resources(self) -> QueryResources:
        """What query understanding learns from the indexed corpus: the diacritic restorer (from the
        stored syllable counts) and the catalogue of document titles, numbers and articles. Rebuilt
        when the index changes, on first use."""
        snap = self._current()
        with self._lock:
            if snap.resources is None:
                snap.resources = QueryResources(
                    restorer=DiacriticRestorer.from_counts(self.syllable_counts()),
                    catalogue=DocumentCatalogue.from_chunks(snap.chunks))
            return snap.resources

    def score_all(self, query: SearchQuery) -> tuple[list[Chunk], dict[str, np.ndarray]]:
        """Every chunk and its raw score per signal the query's mode uses (for search and for tuning)."""
        snap = self._current()
        return snap.chunks, _score(snap, query)

    # -- internals ----------------------------------------------------------------------------------
    def _check_model(self, model_id: str, dimension: int) -> None:
        """Vectors of different models cannot be compared: refuse to mix them in one index."""
        wanted = f"{model_id}/{dimension}"
        with self._transaction():
            self._db.execute("INSERT OR IGNORE INTO meta VALUES ('embedding_model', ?)", (wanted,))
            stored = self._db.execute("SELECT value FROM meta WHERE key = 'embedding_model'").fetchone()[0]
            if stored != wanted and self._db.execute("SELECT 1 FROM chunks LIMIT 1").fetchone() is None:
                self._db.execute("UPDATE meta SET value = ? WHERE key = 'embedding_model'", (wanted,))
                stored = wanted
        if stored != wanted:
            raise ModelUnavailable(f"this index was built with embedding model {stored}, not {wanted}: "
                                   "use another data directory or re-ingest into an empty one")

    def _check_counts(self) -> None:
        """Count the syllables of every stored passage once, for an index written before the counts."""
        with self._lock, self._transaction():
            row = self._db.execute("SELECT value FROM meta WHERE key = 'syllable_counts'").fetchone()
            if row is not None and row[0] == _COUNTS_VERSION:
                return
            self._db.execute("DELETE FROM syllable_unigrams")
            self._db.execute("DELETE FROM syllable_bigrams")
            rows = self._db.execute("SELECT headings, text FROM chunks")
            self._apply_counts(SyllableCounts.of_texts(_passage(h, t) for h, t in rows))
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('syllable_counts', ?)", (_COUNTS_VERSION,))

    def _apply_counts(self, counts: SyllableCounts) -> None:
        """Add `counts` (negative ones subtract) to the stored syllable counts, inside the caller's transaction."""
        for table, key, counter in (("syllable_unigrams", "form", counts.unigrams),
                                    ("syllable_bigrams", "pair", counts.bigrams)):
            changes = [(k, n) for k, n in counter.items() if n]
            if not changes:
                continue
            self._db.executemany(f"INSERT INTO {table} VALUES (?, ?) "
                                 f"ON CONFLICT({key}) DO UPDATE SET n = n + excluded.n", changes)
            if any(n < 0 for _, n in changes):
                self._db.execute(f"DELETE FROM {table} WHERE n <= 0")

    def _delete_where(self, condition: str, params: tuple) -> int:
        """Delete chunks, taking their syllables out of the counts; inside the caller's transaction."""
        counts = SyllableCounts()
        for headings, text in self._db.execute(f"SELECT headings, text FROM chunks WHERE {condition}", params):
            counts.add_text(_passage(headings, text), sign=-1)
        self._apply_counts(counts)
        return self._db.execute(f"DELETE FROM chunks WHERE {condition}", params).rowcount

    def _insert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self._dimension)
        counts = SyllableCounts()
        for start in range(0, len(chunks), 500):  # chunks replaced by id leave the counts first
            ids = [c.id for c in chunks[start:start + 500]]
            placeholders = ",".join("?" * len(ids))
            for headings, text in self._db.execute(
                    f"SELECT headings, text FROM chunks WHERE id IN ({placeholders})", ids):
                counts.add_text(_passage(headings, text), sign=-1)
        for c in chunks:
            counts.add_text(c.passage)
        self._apply_counts(counts)
        self._db.executemany(
            "INSERT OR REPLACE INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(c.id, c.document_id, c.ordinal, c.text, json.dumps(c.headings, ensure_ascii=False), c.article,
              c.title, c.document_type, int(c.access_level), " ".join(self._analyzer.index_terms(c.passage)),
              " ".join(self._analyzer.folded_terms(c.passage)), v.tobytes())
             for c, v in zip(chunks, vectors, strict=True)])

    def _transaction(self) -> AbstractContextManager[None]:
        self._writes += 1
        return write_transaction(self._db)

    def _current(self) -> _Snapshot:
        with self._lock:
            # data_version changes when another connection commits; _writes when this one does.
            version = (self._db.execute("PRAGMA data_version").fetchone()[0], self._writes)
            if self._snapshot is None or version != self._seen_version:
                self._snapshot = self._load()
                self._seen_version = version
            return self._snapshot

    def _load(self) -> _Snapshot:
        rows = self._db.execute(
            "SELECT id, document_id, ordinal, text, headings, article, title, document_type, access_level, "
            "terms, folded, vector FROM chunks ORDER BY document_id, ordinal").fetchall()
        chunks = [_chunk_from_row(row[:9]) for row in rows]
        vectors = (np.frombuffer(b"".join(row[11] for row in rows), dtype=np.float32)
                   .reshape(len(rows), self._dimension) if rows else np.zeros((0, self._dimension), np.float32))
        return _Snapshot(
            chunks=chunks,
            access=np.array([c.access_level for c in chunks], dtype=np.int8),
            document_types=np.array([c.document_type for c in chunks], dtype=object),
            document_ids=np.array([c.document_id for c in chunks], dtype=object),
            vectors=vectors,
            lexical=BM25Index.build([row[9].split() for row in rows]),
            folded=BM25Index.build([row[10].split() for row in rows]),
        )


def _score(snap: _Snapshot, query: SearchQuery) -> dict[str, np.ndarray]:
    signals: dict[str, np.ndarray] = {}
    if query.mode in ("hybrid", "bm25"):
        signals["lexical"] = snap.lexical.score(query.terms)
        signals["folded"] = snap.folded.score(query.folded_terms)
    if query.mode in ("hybrid", "dense") and query.vector is not None:
        signals["dense"] = snap.vectors @ np.asarray(query.vector, dtype=np.float32)
    return signals


def _boost_named_articles(snap: _Snapshot, query: SearchQuery, rows: np.ndarray, fused: np.ndarray,
                          allowed: np.ndarray, boost: float) -> tuple[np.ndarray, np.ndarray]:
    """Put the chunks of the articles the question names (`query.article_refs`) first.

    Every allowed chunk of a named article gets `boost` (1.0 by default) on top of its fused score (0 if it
    was not among the candidates), so named articles lead and keep their own order among themselves.
    The OpenSearch adapter does the same: a filter-only query in the same _msearch fetches the allowed
    chunks of the named articles (`terms` on document_id, `term` on article), and the boost is added
    in its client-side fusion.
    """
    if snap.article_rows is None:
        by_article: dict[tuple[str, str], list[int]] = {}
        for row, chunk in enumerate(snap.chunks):
            if chunk.article:
                by_article.setdefault((chunk.document_id, chunk.article), []).append(row)
        snap.article_rows = by_article
    named = {row for ref in query.article_refs for doc in ref.document_ids
             for row in snap.article_rows.get((doc, ref.article), ()) if allowed[row]}
    if not named:
        return rows, fused
    scores = dict(zip(rows.tolist(), fused.tolist(), strict=True))
    for row in named:
        scores[row] = scores.get(row, 0.0) + boost
    order = sorted(scores, key=lambda r: -scores[r])
    return np.array(order, dtype=np.int64), np.array([scores[r] for r in order], dtype=np.float32)


def _boost_neighbours(snap: _Snapshot, rows: np.ndarray, fused: np.ndarray,
                      boost: float) -> tuple[np.ndarray, np.ndarray]:
    """`rerank_with_neighbours` with the article positions of the snapshot (computed once per snapshot)."""
    if snap.positions is None:
        snap.positions = [article_position(c) for c in snap.chunks]
    return rerank_with_neighbours(rows, fused, [snap.positions[r] for r in rows.tolist()], boost)


def _passage(headings: str, text: str) -> str:
    """`Chunk.passage` from the stored columns."""
    path = " › ".join(json.loads(headings))
    return f"{path}\n{text}" if path else text


def _mask(snap: _Snapshot, filter: SearchFilter) -> np.ndarray:
    allowed = snap.access <= int(filter.max_access_level)
    if filter.document_types is not None:
        allowed &= np.isin(snap.document_types, list(filter.document_types))
    if filter.document_ids is not None:
        allowed &= np.isin(snap.document_ids, list(filter.document_ids))
    return allowed


def _chunk_from_row(row: Sequence) -> Chunk:
    chunk_id, document_id, ordinal, text, headings, article, title, document_type, access = row
    return Chunk(id=chunk_id, document_id=document_id, ordinal=ordinal, text=text,
                 headings=tuple(json.loads(headings)), article=article, title=title,
                 document_type=document_type, access_level=AccessLevel(access))
