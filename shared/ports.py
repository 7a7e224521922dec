"""The small interfaces the core talks to. Adapters implement them; nothing here does I/O."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np

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


class Generator(Protocol):
    """Writes an answer from numbered passages. Pieces of text are yielded as they are produced."""

    def generate(self, question: str, passages: Sequence[SearchHit]) -> Iterator[str]: ...

