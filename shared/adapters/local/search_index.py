"""The embedded hybrid index of local mode: SQLite as the source of truth, two derived search structures.

SQLite keeps the chunks (text, analysed terms, float32 vector), the syllable counts and a log of
deleted rows. Rows get ever-increasing numbers (AUTOINCREMENT), so an index version is the pair
(highest row ever inserted, highest deletion number), and every derived structure catches up with
a version by reading only the rows inserted and deleted since its own:

- lexical: Tantivy, BM25 over the segmented words and over the folded syllable uni/bigrams, on disk
  (`local_lexical`);
- dense: int8 codes of every vector in memory, scanned exactly, the best candidates rescored with the
  float32 vectors from SQLite (`local_vectors`).

A search opens a SQLite read transaction (a snapshot), brings the dense snapshot to its version and
takes the Tantivy searcher holding the same rows, so a replaced document is seen whole, old or new.
From SQLite it reads only the float32 vectors of the dense candidates (rescoring), the title and
article of the fused candidates (neighbouring articles) and the texts of the hits. The signals are
fused by `fuse_candidates`, exactly as the OpenSearch adapter fuses its engine's candidates, and
filters apply inside each signal's search, before any top-k. `bench/scale.py` measures it at 10k,
100k and 1M chunks against the index it replaced (README "How big can local mode go").

Files written by the earlier format (one `chunks` table keyed by id, searched from arrays rebuilt in
memory after every write) are migrated in place when opened: one transaction, then the lexical
index is built from them.
"""

from __future__ import annotations

import functools
import json
import logging
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from shared.adapters.local.lexical import LexicalIndex, LexicalRow, Version
from shared.adapters.local.sqlite import open_database, write_transaction
from shared.adapters.local.vectors import DenseIndex, VectorRows, VectorSnapshot
from shared.domain.errors import DependencyUnavailable, ModelUnavailable
from shared.domain.models import AccessLevel, Chunk, SearchFilter, SearchHit, SearchQuery
from shared.domain.rbac import UNRESTRICTED
from shared.ports import Analyzer
from shared.services.retrieval.fusion import Weights, fuse_candidates
from shared.services.retrieval.neighbours import (
    NEIGHBOUR_BOOST,
    Position,
    article_position,
    rerank_with_neighbours,
)
from shared.services.retrieval.references import REFERENCE_BOOST, DocumentCatalogue
from shared.services.retrieval.restore import DiacriticRestorer, SyllableCounts
from shared.services.retrieval.understanding import QueryResources

log = logging.getLogger(__name__)

# The on-disk format of index.sqlite. 1: chunks keyed by id (no row numbers, no deletion log).
INDEX_FORMAT = 2
_META = "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
_TABLES = (
    "CREATE TABLE IF NOT EXISTS chunks ("
    " row INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, document_id TEXT NOT NULL,"
    " ordinal INTEGER NOT NULL, text TEXT NOT NULL, headings TEXT NOT NULL, article TEXT, title TEXT NOT NULL,"
    " document_type TEXT NOT NULL, access_level INTEGER NOT NULL, terms TEXT NOT NULL, folded TEXT NOT NULL,"
    " vector BLOB NOT NULL)",
    "CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id, ordinal)",
    "CREATE TABLE IF NOT EXISTS deleted_rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, row INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS syllable_unigrams (form TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS syllable_bigrams (pair TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID",
)
_CHUNK_COLUMNS = "id, document_id, ordinal, text, headings, article, title, document_type, access_level"
# Bumped when what the syllable count tables hold changes: an index without the current version
# recounts every stored passage once when opened.
_COUNTS_VERSION = "1"
_RESCORE_FACTOR = 2  # int8 candidates rescored with float32 per dense candidate kept
_CATCH_UP_TIMEOUT_S = 30.0
_INLINE_RESOURCES_S = 0.2  # query resources that took longer to build are rebuilt in the background
_BATCH = 500  # rows per `IN (...)`: under SQLite's bound-parameter limit
_LEXICAL_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="bm25")


@dataclass(frozen=True, slots=True)
class _View:
    """What one search reads: a SQLite snapshot and both derived structures at its version."""

    db: sqlite3.Connection
    version: Version
    dense: VectorSnapshot
    lexical: Any  # tantivy.Searcher


class LocalSearchIndex:
    def __init__(self, path: Path, *, analyzer: Analyzer, dimension: int, weights: Weights,
                 candidates: int = 100, model_id: str = "unknown", reference_boost: float = REFERENCE_BOOST,
                 neighbour_boost: float = NEIGHBOUR_BOOST) -> None:
        self._path = path
        self._db = open_database(path, _META)
        self._lock = threading.RLock()
        self._readers = threading.local()
        self._analyzer = analyzer
        self._dimension = dimension
        self._weights = weights
        self._candidates = candidates
        self._reference_boost = reference_boost
        self._neighbour_boost = neighbour_boost
        self._prepare_tables()
        self._check_model(model_id, dimension)
        self._check_counts()
        self._sync_db = open_database(path, _META)  # used by the lexical catch-up only, under its lock
        self._lexical = LexicalIndex(path.with_name(path.stem + ".lexical"), self._lexical_changes)
        self._dense = DenseIndex(dimension)
        self._resources: tuple[Version, QueryResources] | None = None
        self._resources_cost = 0.0
        self._resources_building = False
        self._lexical.catch_up()  # builds the lexical index of a migrated or restored file
        with self._view():  # loads the vectors now rather than in the first question
            pass

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
        return _content(self._db)[0]

    def document_chunks(self, document_id: str) -> list[Chunk]:
        rows = self._db.execute(f"SELECT {_CHUNK_COLUMNS} FROM chunks WHERE document_id = ? ORDER BY ordinal",
                                (document_id,))
        return [_chunk_from_row(row) for row in rows]

    def close(self) -> None:
        """Release the lexical writer lock (for another process to take) and the connections."""
        self._lexical.close()

    # -- search -------------------------------------------------------------------------------------
    def search(self, query: SearchQuery, *, k: int, filter: SearchFilter) -> list[SearchHit]:
        if k <= 0:
            return []
        with self._view() as view:
            return self._search(view, query, k, filter)

    def _search(self, view: _View, query: SearchQuery, k: int, filter: SearchFilter) -> list[SearchHit]:
        n = max(self._candidates, k)
        weights = {"lexical": self._weights.lexical, "folded": self._weights.folded, "dense": self._weights.dense}
        pools: dict[str, tuple[list[int], list[float]]] = {}
        lexical = [(name, field, terms) for name, field, terms in
                   (("lexical", "terms", query.terms), ("folded", "folded", query.folded_terms))
                   if query.mode in ("hybrid", "bm25") and weights[name] > 0]
        dense = query.mode in ("hybrid", "dense") and query.vector is not None
        # Tantivy and the int8 scan both release the GIL: on two cores the BM25 searches run in a
        # worker thread while this one scans the vectors.
        pending = [(name, _LEXICAL_POOL.submit(self._lexical.search, view.lexical, field, terms, filter, n))
                   for name, field, terms in lexical] if dense else []
        if not dense:
            pools.update((name, self._lexical.search(view.lexical, field, terms, filter, n))
                         for name, field, terms in lexical)
        if dense:
            pools["dense"] = self._dense_candidates(view, query.vector, filter, n)
        pools.update((name, future.result()) for name, future in pending)
        if query.mode == "dense":
            rows = pools.get("dense", ([], []))[0][:k]
            fused = np.asarray(pools.get("dense", ([], []))[1][:k], dtype=np.float32)
        else:
            ids, order, fused, _ = fuse_candidates(pools, weights)
            rows = [ids[i] for i in order.tolist()]
        if query.mode == "hybrid" and self._neighbour_boost > 0 and rows:
            positions = _positions(view.db, rows)
            order, fused = rerank_with_neighbours(np.arange(len(rows)), fused, [positions.get(r) for r in rows],
                                                  self._neighbour_boost)
            rows = [rows[i] for i in order.tolist()]
        if query.article_refs and self._reference_boost > 0:
            rows, fused = self._boost_named_articles(view, query, rows, fused, filter)
        stored = _fetch(view.db, rows[:k])  # texts and vectors are read for the hits only
        bm25 = dict(zip(*pools["lexical"], strict=True)) if "lexical" in pools else None
        vector = None if query.vector is None else np.asarray(query.vector, dtype=np.float32)
        return [SearchHit(stored[r][0], float(score),
                          lexical_score=None if bm25 is None else bm25.get(r, 0.0),
                          dense_score=None if vector is None else float(stored[r][1] @ vector))
                for r, score in zip(rows[:k], fused[:k], strict=False)]

    def _dense_candidates(self, view: _View, vector, filter: SearchFilter, n: int) -> tuple[list[int], list[float]]:
        """The `n` best allowed rows by inner product: int8 scan, then float32 rescoring."""
        only = None
        if filter.document_ids is not None:
            only = np.array(_rows_of_documents(view.db, filter.document_ids), dtype=np.int64)
        rows, _ = view.dense.top(vector, _RESCORE_FACTOR * n, filter, only)
        if not len(rows):
            return [], []
        stored = _vectors(view.db, rows.tolist())
        exact = stored[1] @ np.asarray(vector, dtype=np.float32)
        order = np.argsort(-exact, kind="stable")[:n]
        return [stored[0][i] for i in order.tolist()], exact[order].tolist()

    def _boost_named_articles(self, view: _View, query: SearchQuery, rows: list[int], fused: np.ndarray,
                              filter: SearchFilter) -> tuple[list[int], np.ndarray]:
        """Put the chunks of the articles the question names (`query.article_refs`) first.

        Every allowed chunk of a named article gets `boost` (1.0 by default) on top of its fused score (0 if it
        was not among the candidates), so named articles lead and keep their own order among themselves.
        The OpenSearch adapter does the same: a filter-only query in the same _msearch fetches the allowed
        chunks of the named articles (`terms` on document_id, `term` on article), and the boost is added
        in its client-side fusion.
        """
        named: set[int] = set()
        for ref in query.article_refs:
            documents = sorted(ref.document_ids)
            for start in range(0, len(documents), _BATCH):
                batch = documents[start:start + _BATCH]
                for row in view.db.execute(
                        f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE article = ? "
                        f"AND document_id IN ({','.join('?' * len(batch))})", (ref.article, *batch)):
                    if filter.allows(_chunk_from_row(row[1:])):
                        named.add(row[0])
        if not named:
            return rows, fused
        scores = dict(zip(rows, fused.tolist(), strict=True))
        for row in named:
            scores[row] = scores.get(row, 0.0) + self._reference_boost
        order = sorted(scores, key=lambda r: -scores[r])
        return order, np.array([scores[r] for r in order], dtype=np.float32)

    def syllable_counts(self) -> SyllableCounts:
        """The stored syllable counts, e.g. to publish as a snapshot (`SyllableCounts.dump`)."""
        with self._lock:
            return SyllableCounts(Counter(dict(self._db.execute("SELECT form, n FROM syllable_unigrams"))),
                                  Counter(dict(self._db.execute("SELECT pair, n FROM syllable_bigrams"))))

    def query_resources(self) -> QueryResources:
        """What query understanding learns from the indexed corpus: the diacritic restorer (from the
        stored syllable counts) and the catalogue of document titles, numbers and articles.

        Rebuilt when the index changed: at once while that is cheap (it took under
        `_INLINE_RESOURCES_S` last time), else in a background thread while questions keep the
        previous ones, so a write never stalls the next question on a large index."""
        with self._lock:
            version = _version(self._db)
            cached = self._resources
            if cached is not None and cached[0] == version:
                return cached[1]
            if cached is None or self._resources_cost < _INLINE_RESOURCES_S:
                return self._build_resources()
            if not self._resources_building:
                self._resources_building = True
                threading.Thread(target=self._build_resources, name="query-resources", daemon=True).start()
            return cached[1]

    def _build_resources(self) -> QueryResources:
        started = time.perf_counter()
        db = self._reader()
        try:
            with _read_transaction(db):
                version = _version(db)
                counts = SyllableCounts(Counter(dict(db.execute("SELECT form, n FROM syllable_unigrams"))),
                                        Counter(dict(db.execute("SELECT pair, n FROM syllable_bigrams"))))
                catalogue = _catalogue(db)
            resources = QueryResources(restorer=DiacriticRestorer.from_counts(counts), catalogue=catalogue)
            with self._lock:
                if self._resources is None or self._resources[0] < version:
                    self._resources = (version, resources)
                self._resources_cost = time.perf_counter() - started
            return resources
        finally:
            self._resources_building = False

    def score_all(self, query: SearchQuery) -> tuple[list[Chunk], dict[str, np.ndarray]]:
        """Every chunk and its raw score per signal the query's mode uses (for tuning on small corpora:
        it reads every chunk)."""
        with self._view() as view:
            rows, chunks, vectors = [], [], []
            for row in view.db.execute(f"SELECT row, {_CHUNK_COLUMNS}, vector FROM chunks ORDER BY row"):
                rows.append(row[0])
                chunks.append(_chunk_from_row(row[1:10]))
                vectors.append(np.frombuffer(row[10], dtype=np.float32))
            position = {r: i for i, r in enumerate(rows)}
            signals: dict[str, np.ndarray] = {}
            if query.mode in ("hybrid", "bm25"):
                for name, field, terms in (("lexical", "terms", query.terms),
                                           ("folded", "folded", query.folded_terms)):
                    scores = np.zeros(len(rows), dtype=np.float32)
                    found, values = self._lexical.search(view.lexical, field, terms, UNRESTRICTED, len(rows))
                    scores[[position[r] for r in found]] = values
                    signals[name] = scores
            if query.mode in ("hybrid", "dense") and query.vector is not None:
                matrix = np.stack(vectors) if vectors else np.zeros((0, self._dimension), np.float32)
                signals["dense"] = matrix @ np.asarray(query.vector, dtype=np.float32)
            return chunks, signals

    # -- snapshots ----------------------------------------------------------------------------------
    @contextmanager
    def _view(self) -> Iterator[_View]:
        """A SQLite snapshot with the dense snapshot and the lexical searcher of its version. Waits for
        the lexical index when it lags behind SQLite (applying the writes itself when it can)."""
        deadline = time.monotonic() + _CATCH_UP_TIMEOUT_S
        db = self._reader()
        while True:
            with _read_transaction(db):
                version = _version(db)
                dense = self._dense.at(version, lambda since: _vector_changes(db, since, self._dimension))
                searcher = self._lexical.searcher_for(_content(db))
                if dense is not None and searcher is not None:
                    yield _View(db, version, dense, searcher)
                    return
            if time.monotonic() > deadline:
                raise DependencyUnavailable(
                    f"the lexical index of {self._path} has not caught up with its chunks within "
                    f"{_CATCH_UP_TIMEOUT_S:.0f} s: the process applying the writes may be stuck")
            if searcher is None and not self._lexical.catch_up():
                time.sleep(0.01)  # another process holds the writer and applies the writes
            # otherwise a newer write landed meanwhile, or this process just applied the missing ones

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection: a search's snapshot lives in its own transaction."""
        db = getattr(self._readers, "db", None)
        if db is None:
            db = self._readers.db = open_database(self._path, _META)
        return db

    @contextmanager
    def _lexical_changes(self, since: Version) -> Iterator[tuple[Version, Iterator[LexicalRow], list[int]]]:
        db = self._sync_db
        with _read_transaction(db):
            version = _version(db)
            deleted = [] if version == since else _deleted_since(db, since)
            added = () if version[0] == since[0] else (
                LexicalRow(*row) for row in db.execute(
                    "SELECT row, terms, folded, access_level, document_type, document_id FROM chunks "
                    "WHERE row > ? ORDER BY row", (since[0],)))
            yield version, iter(added), deleted

    # -- internals ----------------------------------------------------------------------------------
    def _prepare_tables(self) -> None:
        """Create the tables, migrate a file of the earlier format, refuse one of a later format."""
        with self._lock, self._transaction():
            stored = self._db.execute("SELECT value FROM meta WHERE key = 'index_format'").fetchone()
            columns = {c[1] for c in self._db.execute("PRAGMA table_info(chunks)")}
            if stored is not None and int(stored[0]) > INDEX_FORMAT:
                raise DependencyUnavailable(
                    f"{self._path} holds a search index of format {stored[0]}, written by a newer vnrag than this "
                    f"one (format {INDEX_FORMAT}): upgrade vnrag, or set VNRAG_DATA_DIR to another directory")
            if columns and "row" not in columns:
                self._migrate_format_1()
            for statement in _TABLES:
                self._db.execute(statement)
            self._db.execute("INSERT OR REPLACE INTO meta VALUES ('index_format', ?)", (str(INDEX_FORMAT),))
            if self._db.execute("SELECT 1 FROM meta WHERE key = 'live_rows'").fetchone() is None:
                self._db.execute("INSERT INTO meta SELECT 'live_rows', COUNT(*) FROM chunks")

    def _migrate_format_1(self) -> None:
        """Copy the chunks of a format-1 file into the numbered table, inside the caller's transaction:
        a crash leaves the file as it was. Vectors, terms and syllable counts are kept as they are."""
        count = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
        log.warning("migrating the search index %s (%d chunks) to format %d", self._path, count, INDEX_FORMAT)
        self._db.execute("DROP INDEX IF EXISTS chunks_by_document")
        self._db.execute("ALTER TABLE chunks RENAME TO chunks_format_1")
        for statement in _TABLES:
            self._db.execute(statement)
        self._db.execute(f"INSERT INTO chunks ({_CHUNK_COLUMNS}, terms, folded, vector) "
                         f"SELECT {_CHUNK_COLUMNS}, terms, folded, vector FROM chunks_format_1 "
                         "ORDER BY document_id, ordinal")
        self._db.execute("DROP TABLE chunks_format_1")

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

    def _delete_where(self, condition: str, params: Sequence) -> int:
        """Delete chunks, logging their rows and taking their syllables out of the counts; inside the
        caller's transaction."""
        counts = SyllableCounts()
        for headings, text in self._db.execute(f"SELECT headings, text FROM chunks WHERE {condition}", params):
            counts.add_text(_passage(headings, text), sign=-1)
        self._apply_counts(counts)
        self._db.execute(f"INSERT INTO deleted_rows (row) SELECT row FROM chunks WHERE {condition}", params)
        deleted = self._db.execute(f"DELETE FROM chunks WHERE {condition}", params).rowcount
        self._count_live(-deleted)
        return deleted

    def _insert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self._dimension)
        last = {c.id: i for i, c in enumerate(chunks)}
        if len(last) < len(chunks):  # one id twice in a batch: the last one wins, as in separate upserts
            keep = sorted(last.values())
            chunks, vectors = [chunks[i] for i in keep], vectors[keep]
        for start in range(0, len(chunks), _BATCH):  # chunks replaced by id are deleted first
            ids = [c.id for c in chunks[start:start + _BATCH]]
            self._delete_where(f"id IN ({','.join('?' * len(ids))})", ids)
        counts = SyllableCounts()
        for c in chunks:
            counts.add_text(c.passage)
        self._apply_counts(counts)
        self._db.executemany(
            f"INSERT INTO chunks ({_CHUNK_COLUMNS}, terms, folded, vector) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(c.id, c.document_id, c.ordinal, c.text, json.dumps(c.headings, ensure_ascii=False), c.article,
              c.title, c.document_type, int(c.access_level), " ".join(self._analyzer.index_terms(c.passage)),
              " ".join(self._analyzer.folded_terms(c.passage)), v.tobytes())
             for c, v in zip(chunks, vectors, strict=True)])
        self._count_live(len(chunks))

    def _count_live(self, change: int) -> None:
        if change:
            self._db.execute("UPDATE meta SET value = CAST(value AS INTEGER) + ? WHERE key = 'live_rows'", (change,))

    def _transaction(self) -> AbstractContextManager[None]:
        return write_transaction(self._db)


@contextmanager
def _read_transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One read snapshot on an autocommit connection (WAL: writers go on meanwhile)."""
    db.execute("BEGIN")
    try:
        yield
    finally:
        db.execute("COMMIT")


def _content(db: sqlite3.Connection) -> tuple[int, int]:
    """(live rows, highest live row): what identifies the rows of a snapshot (see `local_lexical`)."""
    live = db.execute("SELECT value FROM meta WHERE key = 'live_rows'").fetchone()
    highest = db.execute("SELECT MAX(row) FROM chunks").fetchone()[0]
    return int(live[0]) if live else 0, int(highest or 0)


def _version(db: sqlite3.Connection) -> Version:
    """(highest chunk row ever inserted, highest deletion number): both only grow."""
    seqs = dict(db.execute("SELECT name, seq FROM sqlite_sequence WHERE name IN ('chunks', 'deleted_rows')"))
    return int(seqs.get("chunks", 0)), int(seqs.get("deleted_rows", 0))


def _deleted_since(db: sqlite3.Connection, since: Version) -> list[int]:
    """Rows deleted after `since` that `since` had (a row inserted later was never seen)."""
    return [r for (r,) in db.execute("SELECT row FROM deleted_rows WHERE seq > ? AND row <= ?", (since[1], since[0]))]


def _vector_changes(db: sqlite3.Connection, since: Version, dimension: int,
                    batch: int = 50_000) -> tuple[Iterator[VectorRows], np.ndarray]:
    """Rows inserted and deleted after `since`, read in the caller's transaction."""
    deleted = np.array(_deleted_since(db, since), dtype=np.int64)

    def added() -> Iterator[VectorRows]:
        cursor = db.execute("SELECT row, access_level, document_type, vector FROM chunks WHERE row > ? ORDER BY row",
                            (since[0],))
        while rows := cursor.fetchmany(batch):
            yield VectorRows(rows=np.array([r[0] for r in rows], dtype=np.int64),
                             vectors=np.frombuffer(b"".join(r[3] for r in rows), dtype=np.float32)
                             .reshape(len(rows), dimension),
                             access=np.array([r[1] for r in rows], dtype=np.int8),
                             types=[r[2] for r in rows])
    return added(), deleted


def _fetch(db: sqlite3.Connection, rows: Sequence[int]) -> dict[int, tuple[Chunk, np.ndarray]]:
    """The chunks and float32 vectors of `rows`."""
    found: dict[int, tuple[Chunk, np.ndarray]] = {}
    for start in range(0, len(rows), _BATCH):
        batch = rows[start:start + _BATCH]
        for row in db.execute(f"SELECT row, {_CHUNK_COLUMNS}, vector FROM chunks "
                              f"WHERE row IN ({','.join('?' * len(batch))})", batch):
            found[row[0]] = (_chunk_from_row(row[1:10]), np.frombuffer(row[10], dtype=np.float32))
    return found


def _positions(db: sqlite3.Connection, rows: Sequence[int]) -> dict[int, Position | None]:
    """The article position (`article_position`) of each of `rows`, from their document, title and article."""
    found: dict[int, Position | None] = {}
    for start in range(0, len(rows), _BATCH):
        batch = rows[start:start + _BATCH]
        for row, document_id, title, article in db.execute(
                f"SELECT row, document_id, title, article FROM chunks WHERE row IN ({','.join('?' * len(batch))})",
                batch):
            found[row] = _position(document_id, title, article)
    return found


@functools.lru_cache(maxsize=65_536)
def _position(document_id: str, title: str, article: str | None) -> Position | None:
    """`article_position` of a stored chunk, remembered: a query asks for a few hundred candidates, and
    normalising their titles each time would cost more than the rest of the search."""
    return article_position(Chunk(id="", document_id=document_id, ordinal=0, text="", title=title, article=article))


def _vectors(db: sqlite3.Connection, rows: Sequence[int]) -> tuple[list[int], np.ndarray]:
    found_rows, blobs = [], []
    for start in range(0, len(rows), _BATCH):
        batch = rows[start:start + _BATCH]
        for row, blob in db.execute(f"SELECT row, vector FROM chunks WHERE row IN ({','.join('?' * len(batch))})",
                                    batch):
            found_rows.append(row)
            blobs.append(blob)
    return found_rows, np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(found_rows), -1)


def _rows_of_documents(db: sqlite3.Connection, document_ids: frozenset[str]) -> list[int]:
    documents, rows = sorted(document_ids), []
    for start in range(0, len(documents), _BATCH):
        batch = documents[start:start + _BATCH]
        rows += [r for (r,) in db.execute(
            f"SELECT row FROM chunks WHERE document_id IN ({','.join('?' * len(batch))})", batch)]
    return rows


def _catalogue(db: sqlite3.Connection) -> DocumentCatalogue:
    """The document catalogue from the stored titles, first headings and article numbers."""
    names: dict[str, list[str]] = {}
    articles: dict[str, set[str]] = {}
    for document_id, title, headings, article in db.execute(
            "SELECT document_id, title, headings, article FROM chunks ORDER BY row"):
        if document_id not in names:
            names[document_id] = [title, *json.loads(headings)[:1]]
            articles[document_id] = set()
        if article:
            articles[document_id].add(article)
    return DocumentCatalogue((d, names[d], articles[d]) for d in names)


def _passage(headings: str, text: str) -> str:
    """`Chunk.passage` from the stored columns."""
    path = " › ".join(json.loads(headings))
    return f"{path}\n{text}" if path else text


def _chunk_from_row(row: Sequence) -> Chunk:
    chunk_id, document_id, ordinal, text, headings, article, title, document_type, access = row
    return Chunk(id=chunk_id, document_id=document_id, ordinal=ordinal, text=text,
                 headings=tuple(json.loads(headings)), article=article, title=title,
                 document_type=document_type, access_level=AccessLevel(access))
