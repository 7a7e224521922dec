"""What query understanding learns from the corpus, kept on S3 for AWS mode (local mode keeps it in SQLite).

The diacritic restorer needs the syllable counts of every indexed passage, and reference resolution
needs the catalogue of document names and articles (`shared.services.retrieval.understanding`). On AWS the
index lives in OpenSearch, so both are kept as objects under `<prefix>` (default `_index/`, outside
the drop prefix) of the documents bucket:

* `syllables.snapshot`: what the query and stream functions read (shared/adapters/aws/s3/query_resources.py)
  at cold start and again at most
  every `refresh_seconds`. `SyllableCounts.dump`'s format (gzip'd JSON, pairs seen once dropped;
  `SyllableCounts.load` reads it) plus `documents` ([id, names, articles] per document, for the
  `DocumentCatalogue`) and `version`.
* `syllables.state`: the writers' running totals, exact (no pair dropped), and per document the
  digest of its contribution, its names and its articles. Updated read-modify-write under a
  conditional PUT (If-Match on the ETag read, If-None-Match for the first), so concurrent ingest
  functions never lose each other's updates: a writer that loses the race reads again and retries.
* `syllables/documents/<id>/<digest>.json.gz`: one document's contribution (its chunks' counts
  and chunk ids), content-addressed, so replacing or deleting a document subtracts exactly what
  was added.

Setting a document to the contribution the state already holds changes nothing, so an SQS
redelivery after a partial failure neither counts a document twice nor misses it. The snapshot is
published after each change, never replacing a newer one (its version travels as object metadata).

`CorpusTrackingIndex` wraps the search index given to the Ingestor, so every write through it (the
ingest function's, and the query function's document upload and delete) updates the statistics
after the index itself; if the update fails the write raises and is retried (SQS, or the caller).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from urllib.parse import quote

import numpy as np

from shared.adapters.aws.errors import call, error_code
from shared.domain.errors import DependencyUnavailable
from shared.domain.models import Chunk, SearchFilter, SearchHit, SearchQuery
from shared.ports import SearchIndex
from shared.services.retrieval.restore import SyllableCounts

log = logging.getLogger(__name__)

SNAPSHOT = "syllables.snapshot"
STATE = "syllables.state"
STATE_FORMAT = "vnrag-syllable-state/1"
WHAT = "the corpus statistics bucket"
_MISSING = ("404", "NoSuchKey", "NotFound")
# Without s3:ListBucket (the query functions have none) S3 answers 403 for a key that does not exist.
MISSING_OR_HIDDEN = (*_MISSING, "403", "AccessDenied")
_CONFLICT = ("PreconditionFailed", "412", "ConditionalRequestConflict", "409")


def _gzip_json(payload: object) -> bytes:
    return gzip.compress(json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8"),
                         compresslevel=6, mtime=0)


def gunzip_json(data: bytes) -> Any:
    return json.loads(gzip.decompress(data).decode("utf-8"))


@dataclass(slots=True)
class Contribution:
    """One document's share of the statistics: its chunks' syllable counts and ids, names, articles."""

    counts: SyllableCounts = field(default_factory=SyllableCounts)
    chunk_ids: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)
    articles: set[str] = field(default_factory=set)

    def add(self, chunks: Iterable[Chunk]) -> None:
        """Count the chunks not counted yet (a chunk id hashes its content: a known id adds nothing)."""
        for c in chunks:
            if c.id in self.chunk_ids:
                continue
            self.chunk_ids.add(c.id)
            self.counts.add_text(c.passage)
            if not self.names:
                self.names = [c.title, *c.headings[:1]]
            if c.article:
                self.articles.add(c.article)

    @property
    def digest(self) -> str:
        body = json.dumps([sorted(self.chunk_ids), self.names, sorted(self.articles)], ensure_ascii=False)
        return hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]

    def to_bytes(self) -> bytes:
        return _gzip_json({**self.counts.payload(min_bigram_count=1), "chunk_ids": sorted(self.chunk_ids),
                           "names": self.names, "articles": sorted(self.articles)})

    @classmethod
    def from_bytes(cls, data: bytes) -> Contribution:
        payload = gunzip_json(data)
        return cls(SyllableCounts.from_payload(payload), set(payload["chunk_ids"]), list(payload["names"]),
                   set(payload["articles"]))


class S3CorpusStats:
    """The writers' side: keeps `syllables.state` and the published snapshot in step with the index."""

    def __init__(self, bucket: str, *, client: Any, prefix: str = "_index/", max_attempts: int = 10,
                 on_publish: Callable[[], None] | None = None) -> None:
        self.bucket, self._client, self._prefix = bucket, client, prefix
        self._max_attempts, self._on_publish = max_attempts, on_publish

    # -- the changes ------------------------------------------------------------------------------
    def set_document(self, document_id: str, chunks: Sequence[Chunk]) -> None:
        """The document now consists of exactly `chunks` (an ingest or a replace)."""
        new = Contribution()
        new.add(chunks)
        self._change(document_id, lambda _old: new)

    def add_chunks(self, document_id: str, chunks: Sequence[Chunk]) -> None:
        """`chunks` were written into the document by id (an upsert); the chunks it had stay."""
        def merged(old: Contribution | None) -> Contribution:
            both = old or Contribution()
            both.add(chunks)
            return both

        self._change(document_id, merged)

    def remove_document(self, document_id: str) -> None:
        self._change(document_id, lambda _old: None)

    # -- reading what is there (also for tests and tools) -----------------------------------------
    def state(self) -> dict[str, Any]:
        return self._read_state()[0]

    def counts(self) -> SyllableCounts:
        return SyllableCounts.from_payload(self.state())

    # -- internals --------------------------------------------------------------------------------
    def _key(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def _contribution_key(self, document_id: str, digest: str) -> str:
        return self._key(f"syllables/documents/{quote(document_id, safe='')}/{digest}.json.gz")

    def _change(self, document_id: str, build: Callable[[Contribution | None], Contribution | None]) -> None:
        for _ in range(self._max_attempts):
            state, etag = self._read_state()
            entry = state["documents"].get(document_id)
            old = self._contribution(document_id, entry["digest"]) if entry else None
            new = build(_copy(old) if old is not None else None)
            if new is not None and entry is not None and entry["digest"] == new.digest:
                break  # already counted: a redelivered event
            if new is None and entry is None:
                break  # not counted: nothing to take out
            totals = SyllableCounts.from_payload(state)
            if old is not None:
                totals.subtract(old.counts)
            if new is not None:
                self._put(self._contribution_key(document_id, new.digest), new.to_bytes())
                totals.unigrams.update(new.counts.unigrams)
                totals.bigrams.update(new.counts.bigrams)
                state["documents"][document_id] = {"digest": new.digest, "names": new.names,
                                                   "articles": sorted(new.articles)}
            else:
                del state["documents"][document_id]
            state.update(totals.payload(min_bigram_count=1))
            state["version"] += 1
            if not self._put(self._key(STATE), _gzip_json(state), etag=etag):
                continue  # another writer got there first: read its state and apply this change again
            if entry is not None and (new is None or new.digest != entry["digest"]):
                self._delete(self._contribution_key(document_id, entry["digest"]))
            break
        else:
            raise DependencyUnavailable("the corpus statistics are being updated by too many writers; try again")
        self._publish(state)

    def _read_state(self) -> tuple[dict[str, Any], str | None]:
        data, etag = self._get(self._key(STATE))
        if data is None:
            return {**SyllableCounts().payload(), "state_format": STATE_FORMAT, "version": 0, "documents": {}}, None
        state = gunzip_json(data)
        if state.get("state_format") != STATE_FORMAT:
            raise ValueError(f"s3://{self.bucket}/{self._key(STATE)} is not a syllable state object")
        return state, etag

    def _contribution(self, document_id: str, digest: str) -> Contribution | None:
        data, _ = self._get(self._contribution_key(document_id, digest))
        if data is None:  # should not happen: the state names only contributions it wrote
            log.error("syllable contribution of %s (%s) is missing: its counts stay in the totals",
                      document_id, digest)
            return None
        return Contribution.from_bytes(data)

    def _publish(self, state: dict[str, Any]) -> None:
        """Write the readers' snapshot of `state` unless a newer one is already there."""
        totals = SyllableCounts.from_payload(state)
        documents = [[d, e["names"], e["articles"]] for d, e in sorted(state["documents"].items())]
        body = _gzip_json({**totals.payload(), "documents": documents, "version": state["version"]})
        key = self._key(SNAPSHOT)
        for _ in range(self._max_attempts):
            try:
                head = call(self._client.head_object, what=WHAT, Bucket=self.bucket, Key=key)
                etag, published = head["ETag"], int(head.get("Metadata", {}).get("version", "-1"))
            except Exception as exc:  # noqa: BLE001
                if error_code(exc) not in MISSING_OR_HIDDEN:
                    raise
                etag, published = None, -1
            if published >= state["version"]:
                break  # a newer state was published meanwhile
            if self._put(key, body, etag=etag, metadata={"version": str(state["version"])}):
                break
        if self._on_publish is not None:
            self._on_publish()

    def _get(self, key: str) -> tuple[bytes | None, str | None]:
        try:
            out = call(self._client.get_object, what=WHAT, Bucket=self.bucket, Key=key)
        except Exception as exc:  # noqa: BLE001 - a missing object is an answer
            if error_code(exc) in MISSING_OR_HIDDEN:
                return None, None
            raise
        return out["Body"].read(), out["ETag"]

    def _put(self, key: str, body: bytes, *, etag: str | None | bool = False,
             metadata: dict[str, str] | None = None) -> bool:
        """PUT `body`; with `etag` (a string: If-Match, None: If-None-Match) False when another writer
        changed the object first."""
        condition = {} if etag is False else {"IfMatch": etag} if etag else {"IfNoneMatch": "*"}
        try:
            call(self._client.put_object, what=WHAT, Bucket=self.bucket, Key=key, Body=body,
                 ContentType="application/json", ContentEncoding="gzip", Metadata=metadata or {}, **condition)
        except Exception as exc:  # noqa: BLE001
            if condition and error_code(exc) in _CONFLICT:
                return False
            raise
        return True

    def _delete(self, key: str) -> None:
        try:
            call(self._client.delete_object, what=WHAT, Bucket=self.bucket, Key=key)
        except Exception:  # noqa: BLE001 - an orphaned contribution is harmless; the state no longer names it
            log.warning("could not delete %s", key, exc_info=True)


def _copy(contribution: Contribution) -> Contribution:
    counts = SyllableCounts(Counter(contribution.counts.unigrams), Counter(contribution.counts.bigrams))
    return Contribution(counts, set(contribution.chunk_ids), list(contribution.names), set(contribution.articles))


class CorpusTrackingIndex:
    """A SearchIndex whose writes also update the corpus statistics (after the index write succeeds)."""

    def __init__(self, index: SearchIndex, stats: S3CorpusStats) -> None:
        self.index, self.stats = index, stats

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        written = self.index.upsert(chunks, vectors)
        for document_id, group in groupby(sorted(chunks, key=lambda c: c.document_id), key=lambda c: c.document_id):
            self.stats.add_chunks(document_id, list(group))
        return written

    def replace_document(self, document_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        written = self.index.replace_document(document_id, chunks, vectors)
        self.stats.set_document(document_id, chunks)
        return written

    def delete_document(self, document_id: str) -> int:
        removed = self.index.delete_document(document_id)
        self.stats.remove_document(document_id)
        return removed

    def search(self, query: SearchQuery, *, k: int, filter: SearchFilter) -> list[SearchHit]:
        return self.index.search(query, k=k, filter=filter)

    def count(self) -> int:
        return self.index.count()

    def __getattr__(self, name: str) -> Any:  # ensure_index and the rest of the adapter
        return getattr(self.index, name)
