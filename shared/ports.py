"""The small interfaces the core talks to. Adapters implement them; nothing here does I/O."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np

from shared.auth.models import ApiKeyRecord, User
from shared.document_counts import DocumentKind
from shared.domain.models import Chunk, Document, SearchFilter, SearchHit, SearchQuery


class Embedder(Protocol):
    """Turns text into L2-normalised vectors. Queries and passages are embedded differently (e5 prefixes)."""

    model_id: str
    dimension: int

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text, unit length."""
        ...

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 row per text, unit length."""
        ...


class SearchIndex(Protocol):
    """Hybrid (lexical + vector) index of chunks.

    Implementations must never return a chunk that `filter` does not allow, and must apply the filter
    before taking the top k (so a filtered search still returns k hits when k exist).
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


class Generator(Protocol):
    """Writes an answer from numbered passages. Pieces of text are yielded as they are produced."""

    def generate(self, question: str, passages: Sequence[SearchHit], *,
                 question_vector: np.ndarray | None = None) -> Iterator[str]:
        """`question_vector`: the question's embedding when retrieval computed one (a generator may use it)."""
        ...


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
