"""The lexical half of the local index: BM25 over the two analysed fields, in Tantivy.

Tantivy keeps its postings on disk in immutable segments, adds new ones per commit, marks deletes
in a bitset and merges segments in background threads: a write costs what it changes, and a query
uses block-max WAND, so its cost follows the query's rare terms rather than the corpus size. Its
BM25 is Lucene's (k1 1.2, b 0.75, idf ln(1 + (N - df + 0.5) / (df + 0.5))), the formula of the
numpy BM25 it replaces and of OpenSearch; document lengths are stored in one byte, as Lucene does.

The index is derived from the chunk table of the index SQLite, which stays the source of truth.
A search pairs a searcher with a SQLite snapshot of the same content, so it never sees half of a
write. The content is identified by (live rows, highest live row): rows are numbered in insertion
order and every commit applies the writes of a SQLite snapshot, so a commit that adds rows raises the
highest one, and one that only deletes lowers the count; two states with the same pair hold the same
rows. The version applied last (highest row inserted, highest deletion number) is kept beside the
index, written after each commit; replaying writes is idempotent (rows are deleted before they are
added), so a crash between the two only costs a replay. A lost or corrupt directory is rebuilt
from SQLite.

One process at a time holds Tantivy's writer lock (the first that asks); it applies every
process's writes, within `FOLLOW_INTERVAL_S` of their commit, from a background thread. The others
wait for it when they need a write it has not applied yet; when it exits, the next one takes over.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import weakref
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import tantivy

from shared.domain.models import AccessLevel, SearchFilter

log = logging.getLogger(__name__)

FOLLOW_INTERVAL_S = 0.1
_TOKENIZER = "vnrag_whitespace"  # the fields hold terms analysed already, joined by spaces
_APPLIED = "applied.json"  # the version of the last commit (written after it)
_WRITER_HEAP = 128_000_000
_WRITER_THREADS = 2

Version = tuple[int, int]  # (highest chunk row inserted, highest deletion number)
Content = tuple[int, int]  # (live rows, highest live row)


@dataclass(frozen=True, slots=True)
class LexicalRow:
    row: int
    terms: str
    folded: str
    access_level: int
    document_type: str
    document_id: str


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("row", indexed=True, fast=True)
    builder.add_unsigned_field("access", indexed=True, fast=True)
    builder.add_text_field("type", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("document", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("terms", tokenizer_name=_TOKENIZER, index_option="freq")
    builder.add_text_field("folded", tokenizer_name=_TOKENIZER, index_option="freq")
    return builder.build()


class LexicalIndex:
    """A Tantivy index of the chunk rows. `changes_since(version)` opens a SQLite snapshot and gives
    (its version, the rows added after version[0], the rows deleted after version[1])."""

    def __init__(self, path: Path, changes_since: Callable[[Version], AbstractContextManager[
            tuple[Version, Iterable[LexicalRow], Sequence[int]]]]) -> None:
        self._path = path
        self._changes_since = changes_since
        self._schema = _schema()
        self._index = self._open()
        self._lock = threading.Lock()
        self._writer: tantivy.IndexWriter | None = None
        self._applied: Version = (0, 0)  # meaningful while this process holds the writer
        self._replay = False
        self._searcher, self._content = self._reload()
        self._follower: threading.Thread | None = None

    # -- reading ------------------------------------------------------------------------------------
    def searcher_for(self, content: Content) -> tantivy.Searcher | None:
        """A searcher holding exactly `content`, or None when the lexical index does not (yet, or any
        more: a newer write landed since the caller's snapshot)."""
        with self._lock:
            if self._content != content:
                self._searcher, self._content = self._reload()
            return self._searcher if self._content == content else None

    def search(self, searcher: tantivy.Searcher, field: str, terms: Sequence[str], filter: SearchFilter,
               n: int, *, rows: Sequence[int] | None = None) -> tuple[list[int], list[float]]:
        """Chunk rows and BM25 scores of the `n` best allowed matches of `terms` in `field`, best first;
        `rows` restricts the search to those rows (to score chunks outside the candidates)."""
        if not terms or n <= 0:
            return [], []
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(self._schema, field, t)) for t in terms])
        required = self._filters(filter)
        if rows is not None:
            required.append(tantivy.Query.term_set_query(self._schema, "row", list(rows)))
        if required:  # filters score 0, so the score stays the BM25 of `terms`
            query = tantivy.Query.boolean_query(
                [(tantivy.Occur.Must, query)]
                + [(tantivy.Occur.Must, tantivy.Query.const_score_query(q, 0.0)) for q in required])
        hits = searcher.search(query, n, count=False).hits
        if not hits:
            return [], []
        found = searcher.fast_field_values("row", [address for _, address in hits])
        # Every document is written with its "row", so no value is missing and rows stay paired with scores.
        return [int(cast(int, r)) for r in found], [float(score) for score, _ in hits]

    def _filters(self, filter: SearchFilter) -> list[tantivy.Query]:
        queries = []
        if filter.max_access_level < max(AccessLevel):  # the top level lets everything through
            queries.append(tantivy.Query.range_query(self._schema, "access", tantivy.FieldType.Unsigned, None,
                                                     int(filter.max_access_level)))
        if filter.document_types is not None:
            queries.append(tantivy.Query.term_set_query(self._schema, "type", sorted(filter.document_types)))
        if filter.document_ids is not None:
            queries.append(tantivy.Query.term_set_query(self._schema, "document", sorted(filter.document_ids)))
        return queries

    # -- applying writes ----------------------------------------------------------------------------
    def catch_up(self) -> bool:
        """Apply the writes committed to SQLite since the last commit, if this process holds (or can
        take) the writer lock. Returns whether it holds it."""
        with self._lock:
            if self._writer is None:
                try:
                    self._writer = self._index.writer(_WRITER_HEAP, _WRITER_THREADS)
                except ValueError:  # another process holds it and applies the writes
                    return False
                self._applied = self._read_applied()
                self._replay = self._content != (0, 0)  # the applied version may be older than the index
                self._start_following()
            self._apply()
            return True

    def close(self) -> None:
        with self._lock:
            self._writer = None  # dropping the writer releases the lock

    def _apply(self) -> None:
        with self._changes_since(self._applied) as (version, added, deleted):
            if version == self._applied:
                return
            writer, schema = self._writer, self._schema
            assert writer is not None
            batch: list[LexicalRow] = []
            for row in added:
                batch.append(row)
                if len(batch) == 10_000:
                    self._add(batch)
                    batch = []
            self._add(batch)
            for start in range(0, len(deleted), 10_000):
                writer.delete_documents_by_query(
                    tantivy.Query.term_set_query(schema, "row", list(deleted[start:start + 10_000])))
            writer.commit()  # atomic: the rows and their deletions, or none of them
        self._write_applied(version)
        self._applied, self._replay = version, False
        self._searcher, self._content = self._reload()

    def _add(self, rows: Sequence[LexicalRow]) -> None:
        """Add `rows`; when replaying (the index may hold some of them already), delete them first:
        a delete only removes what was added before it, so the rows are there once."""
        writer = self._writer
        assert writer is not None
        if self._replay and rows:
            writer.delete_documents_by_query(tantivy.Query.term_set_query(self._schema, "row", [r.row for r in rows]))
        for row in rows:
            doc = tantivy.Document()
            doc.add_unsigned("row", row.row)
            doc.add_unsigned("access", row.access_level)
            doc.add_text("type", row.document_type)
            doc.add_text("document", row.document_id)
            doc.add_text("terms", row.terms)
            doc.add_text("folded", row.folded)
            writer.add_document(doc)

    def _read_applied(self) -> Version:
        try:
            row, deletion = json.loads((self._path / _APPLIED).read_text())
            return int(row), int(deletion)
        except (OSError, ValueError, TypeError):
            return (0, 0)  # unknown: replay everything (idempotent)

    def _write_applied(self, version: Version) -> None:
        temporary = self._path / (_APPLIED + ".tmp")
        temporary.write_text(json.dumps(list(version)))
        os.replace(temporary, self._path / _APPLIED)

    def _reload(self) -> tuple[tantivy.Searcher, Content]:
        self._index.reload()
        searcher = self._index.searcher()
        if searcher.num_docs == 0:
            return searcher, (0, 0)
        hits = searcher.search(tantivy.Query.all_query(), 1, count=False, order_by_field="row").hits
        return searcher, (int(searcher.num_docs), int(hits[0][0]))

    def _open(self) -> tantivy.Index:
        """Open the directory, or start it afresh when it is missing or unreadable (it is rebuilt from
        SQLite by the next `catch_up`)."""
        self._path.mkdir(parents=True, exist_ok=True)
        try:
            index = tantivy.Index(self._schema, path=str(self._path), reuse=True)
        except (OSError, ValueError) as exc:
            log.warning("the lexical index at %s cannot be opened (%s): rebuilding it from the chunks",
                        self._path, exc)
            shutil.rmtree(self._path)
            self._path.mkdir(parents=True)
            index = tantivy.Index(self._schema, path=str(self._path), reuse=False)
        index.register_tokenizer(_TOKENIZER, tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
        index.config_reader("Manual", 1)
        return index

    def _start_following(self) -> None:
        """Apply other processes' writes in the background while this process holds the writer lock."""
        ref = weakref.ref(self)
        stop = threading.Event()

        def follow() -> None:
            while not stop.wait(FOLLOW_INTERVAL_S):
                index = ref()
                if index is None or index._writer is None:
                    return
                try:
                    index.catch_up()
                except Exception:  # logged and retried: a failed follow must not end the thread
                    log.exception("applying writes to the lexical index failed")
                del index

        self._follower = threading.Thread(target=follow, name="lexical-follower", daemon=True)
        self._follower.start()
