"""The small interfaces the core talks to, all of them. Adapters implement them; nothing here does I/O.

Ports import only `shared.domain` (and numpy for vectors). Every store port may raise, besides what its
docstring names:
- `Throttled` (a DependencyUnavailable): the backing service refused the request for now (DynamoDB
  throttling, a busy SQLite file, OpenSearch 429); `shared.services.retry.RetryPolicy` retries it;
- `DependencyUnavailable`: the backing service cannot be reached or used right now (a 503).
Adapters translate their SDK's errors into these at the boundary (shared/adapters/aws/errors.py,
shared/adapters/local/sqlite.py); no SDK exception crosses a port.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Protocol

import numpy as np

from shared.domain.activity import CounterItem, FeedbackRecord, QueryRecord
from shared.domain.auth import ApiKeyRecord, User
from shared.domain.models import (
    BlobInfo,
    Chunk,
    Document,
    DocumentKind,
    Purged,
    SearchFilter,
    SearchHit,
    SearchQuery,
)

# --- text and models ---------------------------------------------------------------------------------------


class Embedder(Protocol):
    """Turns text into L2-normalised vectors. Queries and passages are embedded differently (e5 prefixes).

    Raises ModelUnavailable when the model files are missing or unreadable, DependencyUnavailable when a
    remote model cannot be reached."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text, unit length."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text, unit length."""
        ...


class Analyzer(Protocol):
    """Vietnamese text → the terms the lexical fields hold (shared/services/text/analysis.py). Pure: raises nothing."""

    def index_terms(self, text: str) -> list[str]:
        """Segmented terms of a passage (the lexical field)."""
        ...

    def query_terms(self, text: str) -> list[str]:
        """Segmented terms of a question, matched against `index_terms`."""
        ...

    def folded_terms(self, text: str) -> list[str]:
        """Diacritic-free syllables and syllable bigrams (the folded field), for passages and questions alike."""
        ...


class SentenceVectorCache(Protocol):
    """Passage vectors kept by text (`shared.adapters.local.embedding_cache.CachedEmbedder`): ingestion embeds the
    sentences an answer may quote, answering looks them up. Raises what Embedder raises, and the store errors of
    the module docstring."""

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text, unit length; the model runs only for the texts not kept yet."""
        ...

    def cached_passages(self, texts: Sequence[str]) -> np.ndarray | None:
        """The rows of `texts` if every one is kept, else None; never runs the model."""
        ...


class Generator(Protocol):
    """Writes an answer from numbered passages. Pieces of text are yielded as they are produced.

    Raises DependencyUnavailable (Throttled when throttled) when a remote model cannot answer now; an error
    after the first piece ends the stream."""

    def generate(self, question: str, passages: Sequence[SearchHit], *,
                 question_vector: np.ndarray | None = None) -> Iterator[str]:
        """`question_vector`: the question's embedding when retrieval computed one (a generator may use it)."""
        ...


# --- search ------------------------------------------------------------------------------------------------


class SearchIndex(Protocol):
    """Hybrid (lexical + vector) index of chunks.

    Implementations must never return a chunk that `filter` does not allow, and must apply the filter
    before taking the top k (so a filtered search still returns k hits when k exist). Raises
    ModelUnavailable when the vectors given or stored are not of the index's model, and the store errors
    of the module docstring.
    """

    def upsert(self, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        """Insert or replace by `chunk.id`; returns how many were written."""
        ...

    def replace_document(self, document_id: str, chunks: Sequence[Chunk], vectors: np.ndarray) -> int:
        """Atomically swap every chunk of `document_id` for `chunks`; returns how many were written."""
        ...

    def delete_document(self, document_id: str) -> int:
        """Remove every chunk of the document; returns how many were removed."""
        ...

    def search(self, query: SearchQuery, *, k: int, filter: SearchFilter) -> list[SearchHit]:
        """Best first; at most `k` hits, all allowed by `filter`."""
        ...

    def count(self) -> int: ...


class RetiredVersions(Protocol):
    """An index that keeps replaced versions for a grace period (OpenSearch) and purges them on a timer."""

    def purge_retired(self) -> Purged:
        """Delete replaced versions past their grace period; raises the store errors of the module docstring."""
        ...


class ManagedSearchIndex(SearchIndex, RetiredVersions, Protocol):
    """A SearchIndex on a search service (OpenSearch): created by its first writer, replaced versions purged on
    a timer."""

    def ensure_index(self) -> bool:
        """Create the index (and its state index) unless it exists; True if this call created it."""
        ...


# --- documents and files -----------------------------------------------------------------------------------


class DocumentStore(Protocol):
    """Document records (metadata and status), keyed by id."""

    def put_document(self, document: Document) -> None: ...

    def get_document(self, document_id: str) -> Document | None: ...

    def list_documents(
        self, *, filter: SearchFilter, skip: int = 0, limit: int = 50
    ) -> tuple[list[Document], int]:
        """Documents allowed by `filter`, newest first, and how many there are in all."""
        ...

    def delete_document(self, document_id: str) -> bool: ...

    def document_counts(self) -> dict[DocumentKind, int]:
        """How many documents there are of each kind (type, level, status), only kinds that have some.

        Read from counters that every put and delete moves in its own transaction (never a listing)."""
        ...

    def rebuild_document_counts(self) -> dict[DocumentKind, int]:
        """Recount from the documents themselves (an admin operation, once, for documents written before the
        counters existed); returns the counts."""
        ...


class DocumentCounts(Protocol):
    """The document store's counts by kind, kept at write time (`shared.domain.document_counts`)."""

    def document_counts(self) -> Mapping[DocumentKind, int]: ...

    def rebuild_document_counts(self) -> Mapping[DocumentKind, int]:
        """See DocumentStore.rebuild_document_counts."""
        ...


class BlobSource(Protocol):
    """Where dropped files are read from (an S3 bucket), by key. Raises the store errors of the module docstring."""

    @property
    def bucket(self) -> str: ...

    def head(self, key: str) -> BlobInfo | None:
        """Size, version and metadata of `key`; None if it is gone."""
        ...

    def read(self, key: str) -> bytes: ...

    def sidecar(self, key: str) -> dict[str, str]:
        """The known fields of `<key>.meta.json` ({} if there is none); ValueError if it is not a JSON object."""
        ...


class UploadSigner(Protocol):
    """Grants a caller without credentials one write of one blob (a presigned S3 PUT). Signing is computed
    locally, without a request, so it raises none of the store errors."""

    def presign_put(self, key: str, *, expires_seconds: int = 900, content_type: str | None = None,
                    metadata: dict[str, str] | None = None) -> str:
        """The URL to PUT to; `content_type` and `metadata` are signed in and must be sent as headers."""
        ...


class DropFolder(Protocol):
    """Where dropped files land (S3Ingestion): the key prefix, and how a key becomes a document id. Pure: raises
    nothing."""

    @property
    def prefix(self) -> str: ...

    def document_id(self, key: str) -> str: ...


class ObjectVersions(Protocol):
    """The last applied S3 event `sequencer` of each object key, so no change is applied twice or out of order."""

    def is_new(self, object_key: str, sequencer: str) -> bool: ...

    def record(self, object_key: str, sequencer: str) -> None: ...


# --- callers, logs, counters -------------------------------------------------------------------------------


class UserStore(Protocol):
    """Users keyed by username. Every write is a single-item write (a DynamoDB UpdateItem/PutItem)."""

    def create_user(self, user: User) -> None:
        """Write `user` only if the username is free (a conditional write); raises UserExists if not."""
        ...

    def get_user(self, username: str) -> User | None: ...

    def delete_user(self, username: str) -> bool:
        """True if the user existed."""
        ...

    def set_active(self, username: str, active: bool) -> bool:
        """True if the user exists (and now has `active`)."""
        ...

    def bump_token_version(self, username: str) -> bool:
        """Atomically add 1 to token_version, revoking every token issued before; False if no user."""
        ...

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        """Replace the stored hash (after a rehash or a password change); False if no user."""
        ...


class ApiKeyStore(Protocol):
    """API key records, found by the SHA-256 of the key (the hot path) or listed by owner."""

    def put_key(self, record: ApiKeyRecord) -> None:
        """Write a new record. Ids and key hashes are unique."""
        ...

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None: ...

    def list_keys(self, owner: str) -> list[ApiKeyRecord]:
        """Every key of `owner`, revoked and expired ones included, oldest first."""
        ...

    def revoke_key(self, owner: str, key_id: str) -> bool:
        """Mark the key revoked; False unless `owner` has a key with that id. Revoking twice is True twice."""
        ...


class CounterStore(Protocol):
    """Atomic counters that expire (a DynamoDB item with an ADD update and a TTL attribute)."""

    def increment(self, key: str, *, ttl_seconds: int) -> int:
        """Atomically add 1 and return the new value, safe across threads and processes.

        A counter lives `ttl_seconds` from its first increment; after that it is gone and the next
        increment starts again at 1.
        """
        ...


class Limiter(Protocol):
    """The per-caller rate limit (shared/services/rate_limit.py)."""

    def check(self, principal_id: str) -> None:
        """Count one request; raises RateLimited when the caller is over the limit."""
        ...


class ActivityStore(Protocol):
    """The query log and the ratings. Writes are retried by QueryService when Throttled."""

    def put_query(self, record: QueryRecord) -> None: ...

    def get_query(self, query_id: str) -> QueryRecord | None: ...

    def put_feedback(self, record: FeedbackRecord) -> None:
        """One rating per caller and query: a second one replaces the first."""
        ...


class AnalyticsStore(Protocol):
    """Counter items by (pk, sk): atomic adds, set members, a label; read back one partition at a time."""

    def add(self, pk: str, sk: str, amounts: Mapping[str, float], *, label: str | None = None,
            members: Iterable[str] = ()) -> None:
        """Atomically add each amount (a missing attribute counts from 0) and the members; set the label."""
        ...

    def swap_label(self, pk: str, sk: str, label: str) -> str | None:
        """Set the label and return the one it replaced (None when new)."""
        ...

    def add_once(self, pk: str, sk: str) -> bool:
        """Create the empty item unless it exists (a conditional put); True when this call created it."""
        ...

    def query(self, pk: str, sk_prefix: str = "") -> list[CounterItem]:
        """The items of partition `pk` whose sort key starts with `sk_prefix`."""
        ...


class UsageRecorder(Protocol):
    """Write-time analytics counters (shared.services.analytics.Analytics); raises the store errors."""

    def record_query(self, *, principal_id: str, question: str, found: bool, latency_ms: float,
                     created_at: datetime) -> None: ...

    def record_rating(self, *, query_id: str, principal_id: str, rating: int,
                      query_created_at: datetime) -> None: ...


class Telemetry(Protocol):
    """Metrics and structured logs of queries and ingests (shared/observability.py). Never raises: telemetry
    must not fail a request."""

    def query_finished(self, *, query_id: str, principal_id: str, role: str, found: bool,
                       timings_ms: dict[str, float], question: str) -> None: ...

    def query_failed(self, *, principal_id: str, role: str, error: str) -> None: ...

    def rate_limited(self, *, principal_id: str, role: str) -> None: ...

    def document_ingested(self, document: Document) -> None: ...

    def ingest_failed(self, document_id: str, error: str) -> None: ...

    def prometheus_text(self) -> bytes:
        """Everything counted so far, in the Prometheus text format."""
        ...
