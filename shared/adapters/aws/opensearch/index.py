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

Replacing a document is atomic for searchers: every search sees exactly one version of it, the old
one until the switch and the new one after, never both, never neither, and a new document appears with
all its chunks at once (opensearch_generations.py has the rules). Each write stamps its chunks with a
fresh `generation` (managed domains: `_id` = `<chunk id>.<generation>`, so an unchanged chunk's new copy
does not overwrite the old copy) and `written_at`; a state record per document (`<index>-state`, see
opensearch_state.py) says which generation is shown. A replace (1) marks the new generation pending,
(2) bulk-writes its chunks and waits until they are all searchable, (3) switches the record to the new
generation in ONE document write (the atomic step), then waits `margin_s`, so that a search sent after
it returns sees the new version. Every search fetches all state records in the same `_msearch` (one
more body, no extra round trip) and drops hidden chunks before fusion and top-k. The old chunks are
deleted only `grace_s` after the switch, by a later write or `purge_retired()`: the sub-searches of one
`_msearch` are no snapshot, so a search that read the record just before the switch must still find the
old chunks; `grace_s` must exceed the longest a search request can take (the client's timeout) plus
twice `margin_s`. Why not an alias swap or a new index per version: those are per index, not per
document. Deleting a document is one switch to a generation with no chunks; its chunks go at purge.
Chunks written before generations existed count as the document's current version until replaced.

State records are few only if purges run: a record goes once its document is clean (one version,
switched more than `grace_s` ago), and the ingest function purges every minute on a schedule besides
at each write, so a search normally reads only the records of documents written in the last minute or
so. A search reads at most `state_limit` records (STATE_LIMIT, 10,000) and asks for the exact total:
past the limit it logs a warning with both numbers, and the documents whose records it missed are
shown as if they had none, i.e. all their chunks: the old and the new version together until the
purge, a document being written before it is whole, a deleted one until its chunks are purged. A purge,
too, reads at most `state_limit` records; those it drops make room for the rest at the next one (no
progress only if every record it read must still be kept).

Guarantees: on a managed domain, given `refresh="wait_for"` and clocks within `margin_s` of each other,
as stated above. On Serverless, writes cannot name `_id` or wait for a refresh: the adapter polls with a
search until each step is visible before taking the next, and state changes are new records with a
sequence number (readers take the newest). That orders the steps as on a managed domain for the search
that polled; a search served by a replica that lags behind it by more than `margin_s` can still see the
previous state, and one writer per document at a time is required (no conditional writes).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from shared.adapters.aws.errors import call_opensearch
from shared.adapters.aws.opensearch.generations import BASELINE, DocumentState, SearchView
from shared.adapters.aws.opensearch.queries import (
    GENERATION_FIELDS,
    STATE_LIMIT,
    chunk_source,
    filter_clauses,
    generation_query,
    index_body,
    knn_query,
    lexical_query,
    named_articles_query,
    retired_chunks_query,
    state_index_body,
    states_query,
)
from shared.adapters.aws.opensearch.ranking import boost_named_articles, dense_hits, fuse_hits
from shared.adapters.aws.opensearch.state import StateRecords
from shared.domain.errors import DependencyUnavailable, ModelUnavailable
from shared.domain.models import Chunk, Purged, SearchFilter, SearchHit, SearchQuery
from shared.ports import Analyzer
from shared.services.retrieval.neighbours import NEIGHBOUR_BOOST
from shared.services.retrieval.references import REFERENCE_BOOST

log = logging.getLogger(__name__)
_NAMED = "named"  # the _msearch body that fetches the chunks of the articles a question names
_STATES = "states"  # the _msearch body that fetches the state records
_VIEW_SOURCE = ["document_id", "generation", "written_at"]


class OpenSearchSearchIndex:
    def __init__(self, client: Any, *, index: str, analyzer: Analyzer, dimension: int, model_id: str,
                 weights: Any, candidates: int = 100, refresh: bool | str = "wait_for",
                 serverless: bool = False, reference_boost: float = REFERENCE_BOOST,
                 neighbour_boost: float = NEIGHBOUR_BOOST, margin_s: float = 0.25,
                 grace_s: float = 30.0, stale_s: float = 3600.0, poll_s: float = 0.5,
                 visible_within_s: float = 120.0, state_limit: int = STATE_LIMIT,
                 clock: Callable[[], float] = time.time, sleep: Callable[[float], None] = time.sleep) -> None:
        """`weights` has lexical/folded/dense like the local index's. `refresh="wait_for"` makes every
        write visible to search before it returns (replacement relies on it on managed domains).

        `serverless=True` (OpenSearch Serverless vector collections): writes may not name a document
        `_id` and there is no refresh parameter, so documents get generated ids (the chunk id is a field),
        copies are found by query and deleted by their generated ids, and each step polls by search until
        it is visible (every `poll_s`, DependencyUnavailable after `visible_within_s`).
        `margin_s`: the clock skew tolerated between writers and searchers; `grace_s`: how long a replaced
        version's chunks outlive the switch (longer than any search request plus 2 x margin_s);
        `stale_s`: after this long a pending write is taken as abandoned and its chunks purged.
        `state_limit`: the most state records one search or purge reads (see the module docstring).
        """
        self._client, self._index, self._analyzer = client, index, analyzer
        self._dimension, self._model_id, self._weights = dimension, model_id, weights
        self._candidates, self._serverless = candidates, serverless
        self._refresh: bool | str = False if serverless else refresh
        self._reference_boost = reference_boost
        self._neighbour_boost = neighbour_boost
        self._margin, self._grace, self._stale = margin_s, grace_s, stale_s
        self._poll, self._visible_within, self._now, self._sleep = poll_s, visible_within_s, clock, sleep
        self._state_index, self._state_limit = f"{index}-state", state_limit
        self._states = StateRecords(client, self._state_index, call=self._call, serverless=serverless,
                                    refresh=self._refresh, await_visible=self._await, limit=state_limit)
        self._ensured = False  # ensure_index ran in this process

    # -- bootstrap ----------------------------------------------------------------------------------
    def ensure_index(self) -> bool:
        """Create the chunk and state indexes if missing (True if this call created the chunk index); add
        the generation fields to a chunk index created before them; refuse one built for other vectors."""
        wanted = f"{self._model_id}/{self._dimension}"
        created = self._create(self._index, index_body(self._dimension, self._model_id))
        self._create(self._state_index, state_index_body())
        mapping = next(iter(self._call(self._client.indices.get_mapping, index=self._index).values()))["mappings"]
        stored = mapping.get("_meta", {}).get("embedding_model")
        if stored != wanted:
            raise ModelUnavailable(f"index {self._index} holds vectors of {stored}, not {wanted}")
        if not set(GENERATION_FIELDS) <= set(mapping.get("properties", {})):
            self._call(self._client.indices.put_mapping, index=self._index, body={"properties": GENERATION_FIELDS})
        self._ensured = True
        return created

    def _ensure_once(self) -> None:
        """Every write goes through here first, whichever function writes (the ingest function, a document
        deleted through the API): a write to a missing index makes OpenSearch create it with a dynamic mapping,
        without the k-NN vector field, and vector search on it is broken for good."""
        if not self._ensured:
            self.ensure_index()

    def _create(self, name: str, body: dict) -> bool:
        from opensearchpy.exceptions import RequestError

        if self._call(self._client.indices.exists, index=name):
            return False
        try:
            self._call(self._client.indices.create, index=name, body=body)
            return True
        except RequestError as exc:  # another instance created it first: fine
            if "resource_already_exists" not in str(exc):
                raise
            return False

    # -- writes -------------------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        """Per document: a new one is written as a replacement (it appears whole); chunks of an existing
        one are written into its current generation, each replacing its own copy."""
        self._ensure_once()
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self._dimension)
        by_document: dict[str, list[int]] = {}
        for i, chunk in enumerate(chunks):
            by_document.setdefault(chunk.document_id, []).append(i)
        for document_id, rows in by_document.items():
            group = [chunks[i] for i in rows]
            generation = self._current_generation(document_id)
            if generation is None:
                self.replace_document(document_id, group, vectors[rows])
                continue
            written = self._write(group, vectors[rows], generation, written_at=None)
            if self._serverless:  # older copies of these chunk ids carry other generated ids
                self._delete_where({"bool": {"filter": [*generation_query(document_id, generation)["bool"]["filter"],
                                                        {"terms": {"chunk_id": [c.id for c in group]}}],
                                             "must_not": [{"ids": {"values": written}}]}})
        return len(chunks)

    def replace_document(self, document_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        if any(c.document_id != document_id for c in chunks):
            raise ValueError("every chunk must belong to the document being replaced")
        self._ensure_once()
        self.purge_retired()
        generation = uuid.uuid4().hex
        self._change_state(document_id, lambda s: s.marked(generation, self._now()))  # (1) hidden while written
        self._write(chunks, vectors, generation, written_at=self._now())  # (2) searchable, still hidden
        if self._serverless:
            self._await(lambda: self._hits(generation_query(document_id, generation)) == len(chunks),
                        f"{len(chunks)} chunks of {document_id}")
        visible_at = self._now()
        self._change_state(document_id, lambda s: s.switched(generation, visible_at))  # (3) the switch
        self._sleep(self._margin)  # searches sent from now on show the new version
        return len(chunks)

    def delete_document(self, document_id: str) -> int:
        """Hide every chunk of the document in one switch (to a generation without chunks); they are
        deleted at a purge. Returns how many chunks searches stopped seeing."""
        self._ensure_once()
        self.purge_retired()
        shown = self._shown_chunks(document_id)
        if shown:
            self._change_state(document_id, lambda s: s.switched(uuid.uuid4().hex, self._now()))
            self._sleep(self._margin)
        return shown

    def purge_retired(self) -> Purged:
        """Delete the chunks of versions retired more than `grace_s` ago (and of abandoned writes), then
        drop the state records of documents left clean."""
        from opensearchpy.exceptions import ConflictError

        deleted, dropped, now = 0, 0, self._now()
        states = self._states.all()
        for state in states:
            retired, baseline, kept = state.retired(now, self._grace, self._stale)
            if not retired and not baseline and kept is not None and (kept.history, kept.pending) == (
                    state.history, state.pending):
                continue
            if retired or baseline:
                deleted += self._delete_where(retired_chunks_query(
                    state.document_id, retired, state.created_at if baseline else None, state.named() - retired))
            try:  # chunk deletions are visible by now, so no search can miss them afterwards
                if kept is None:
                    self._states.drop(state)
                    dropped += 1
                else:
                    self._states.put(kept, expected=state, now=now)
            except ConflictError:  # a writer changed it meanwhile: the next purge takes it from there
                log.info("state of %s changed during a purge", state.document_id)
        return Purged(chunks=deleted, records_dropped=dropped, records_left=len(states) - dropped)

    def _change_state(self, document_id: str, change: Callable[[DocumentState], DocumentState]) -> None:
        from opensearchpy.exceptions import ConflictError

        for _ in range(10):
            current = self._states.get(document_id)
            base = current or DocumentState(document_id, created_at=self._now())
            try:
                self._states.put(change(base), expected=current, now=self._now())
                return
            except ConflictError:  # another writer of this document got there first: apply ours on top
                continue
        raise DependencyUnavailable(f"the state of {document_id} keeps changing")

    def _current_generation(self, document_id: str) -> str | None:
        """The generation searches show for the document now; None if it has no chunks."""
        state = self._states.get(document_id)
        chosen = state.chosen(self._now(), 0.0) if state else BASELINE
        if chosen != BASELINE:
            return chosen
        query: dict = {"bool": {"filter": [{"term": {"document_id": document_id}}],
                                "must_not": [{"terms": {"generation": sorted(state.named())}}] if state else []}}
        found = self._call(self._client.search, index=self._index,
                           body={"size": 1, "_source": {"includes": ["generation"]}, "query": query})
        hits = found["hits"]["hits"]
        return (hits[0]["_source"].get("generation") or "") if hits else None

    def _write(self, chunks: Sequence[Chunk], vectors: np.ndarray, generation: str,
               written_at: float | None) -> list[str]:
        """Bulk-index the chunks; returns the `_id` of each written document."""
        if not chunks:
            return []
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(chunks), self._dimension)
        lines: list[dict] = []
        for chunk, vector in zip(chunks, vectors, strict=True):
            doc_id = f"{chunk.id}.{generation}" if generation else chunk.id  # "": a chunk written before generations
            action = {"_index": self._index} if self._serverless else {"_index": self._index, "_id": doc_id}
            lines.append({"index": action})
            lines.append(chunk_source(chunk, self._analyzer.index_terms(chunk.passage),
                                      self._analyzer.folded_terms(chunk.passage), [float(x) for x in vector],
                                      generation=generation, written_at=written_at))
        params = {"refresh": self._refresh} if self._refresh else {}
        out = self._call(self._client.bulk, body=lines, **params)
        if out.get("errors"):
            failed = [i for i in out["items"] if i.get("index", {}).get("error")]
            raise DependencyUnavailable(f"{len(failed)} of {len(chunks)} chunks were not indexed: "
                                        f"{failed[0]['index']['error']}")
        return [item["index"]["_id"] for item in out["items"]]

    def count(self) -> int:
        """Chunks searches see (0 before the first ingest has created the index). Chunks of a version
        being written, or replaced and not yet purged, are not counted."""
        from opensearchpy.exceptions import NotFoundError

        try:
            total = int(self._call(self._client.count, index=self._index)["count"])
        except NotFoundError:
            return 0
        states = self._states.all()
        if not states:
            return total
        view = SearchView({s.document_id: s for s in states}, self._now(), self._margin)
        bodies = {s.document_id: {"size": 10_000, "_source": {"includes": _VIEW_SOURCE},
                                  "query": {"bool": {"filter": [{"term": {"document_id": s.document_id}}]}}}
                  for s in states}
        for hits in self._msearch(bodies).values():
            total -= sum(1 for h in hits if not view.shows(h["_source"]))
        return total

    def _shown_chunks(self, document_id: str) -> int:
        state = self._states.get(document_id)
        view = SearchView({document_id: state} if state else {}, self._now() + self._margin, self._margin)
        found = self._call(self._client.search, index=self._index, body={
            "size": 10_000, "_source": {"includes": _VIEW_SOURCE},
            "query": {"bool": {"filter": [{"term": {"document_id": document_id}}]}}})
        return sum(1 for h in found["hits"]["hits"] if view.shows(h["_source"]))

    def _hits(self, query: dict) -> int:
        out = self._call(self._client.search, index=self._index,
                         body={"size": 0, "track_total_hits": True, "query": query})
        return int(out["hits"]["total"]["value"])

    def _await(self, visible: Callable[[], bool], what: str) -> None:
        """Serverless: poll until a write is visible to search (there is no refresh to wait for)."""
        deadline = self._now() + self._visible_within
        while not visible():
            if self._now() > deadline:
                raise DependencyUnavailable(f"{what} did not become searchable within {self._visible_within} s")
            self._sleep(self._poll)

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
            bodies["dense"] = knn_query(vector, filter, n)  # n, not k: hidden chunks are dropped first
        if not bodies:
            return []
        if query.article_refs and self._reference_boost > 0:  # in the same round trip
            bodies[_NAMED] = named_articles_query(query.article_refs, filter, n)
        bodies[_STATES] = states_query(self._state_limit)
        sent_at = self._now()
        results = self._msearch(bodies)
        view = SearchView.of([h["_source"] for h in results.pop(_STATES)], sent_at, self._margin)
        results = {name: [h for h in hits if view.shows(h["_source"])] for name, hits in results.items()}
        named = results.pop(_NAMED, [])
        if query.mode == "dense":
            ranked = dense_hits(results["dense"][:k])
        else:
            weights = {"lexical": self._weights.lexical, "folded": self._weights.folded,
                       "dense": self._weights.dense}
            neighbour_boost = self._neighbour_boost if query.mode == "hybrid" else 0.0
            ranked = fuse_hits(results, weights, n, neighbour_boost=neighbour_boost)
        if named:
            ranked = boost_named_articles(ranked, named, self._reference_boost)
        return ranked[:k]

    # -- internals ----------------------------------------------------------------------------------
    def _msearch(self, bodies: dict[str, dict]) -> dict[str, list[dict]]:
        lines: list[dict] = []
        for name, body in bodies.items():
            lines += [{"index": self._state_index if name == _STATES else self._index}, body]
        out = self._call(self._client.msearch, body=lines)
        results: dict[str, list[dict]] = {}
        for name, response in zip(bodies, out["responses"], strict=True):
            if name == _STATES and "index_not_found" in str(response.get("error", "")):
                results[name] = []  # no write has used generations yet
                continue
            if "error" in response:
                raise DependencyUnavailable(f"the search index failed: {response['error']}")
            results[name] = response["hits"]["hits"]
            if name == _STATES:
                total = int(response["hits"].get("total", {}).get("value", 0))
                if total > len(results[name]):  # the documents of the missed records show all their chunks
                    log.warning("a search read %d of %d state records (limit %d): replacements and deletes of "
                                "the rest are not hidden from it until purges catch up", len(results[name]),
                                total, self._state_limit)
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
            self._await(lambda: self._hits({"bool": {"filter": [query, {"ids": {"values": ids}}]}}) == 0,
                        f"the deletion of {len(ids)} chunks")
        return len(ids)

    def _call(self, fn: Any, **kwargs: Any) -> Any:
        return call_opensearch(fn, **kwargs)


__all__ = ["OpenSearchSearchIndex", "filter_clauses"]
