"""A small real local index (SQLite, hash vectors, syllable terms) for tests that ingest a few texts.

`small_index(tmp_path)` gives the index and its store; `ingestor()` and `retriever()` wire them the way
local mode does, with the fast test embedder and analyzer instead of the model and pyvi.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.models import Document
from shared.services.ingestion import Ingestor, TextSource
from shared.services.retrieval.retriever import Retriever
from tests.fakes.analyzer import SyllableAnalyzer

DIMENSION = 64
HYBRID = Weights(0.35, 0.15, 0.5)  # lexical, folded, dense


@dataclass(frozen=True, slots=True)
class SmallIndex:
    embedder: HashEmbedder
    analyzer: SyllableAnalyzer
    index: LocalSearchIndex
    store: SqliteDocumentStore

    def ingestor(self, **options: Any) -> Ingestor:
        return Ingestor(embedder=self.embedder, index=self.index, store=self.store, **options)

    def ingest(self, texts: Sequence[TextSource]) -> list[Document]:
        return self.ingestor().ingest_texts(texts)

    def retriever(self, *, with_resources: bool = False) -> Retriever:
        """The Retriever over this index; `with_resources` adds the catalogue and restorer (named articles,
        questions without marks)."""
        resources = self.index.query_resources if with_resources else None
        return Retriever(embedder=self.embedder, index=self.index, analyzer=self.analyzer, resources=resources)


def small_index(folder: Path, *, weights: Weights = HYBRID, name: str = "",
                **index_options: Any) -> SmallIndex:
    """An empty index and store under `folder` (`name` tells apart several in one folder)."""
    analyzer = SyllableAnalyzer()
    index = LocalSearchIndex(folder / f"i{name}.sqlite", analyzer=analyzer, dimension=DIMENSION, weights=weights,
                             **index_options)
    store = SqliteDocumentStore(folder / f"s{name}.sqlite")
    return SmallIndex(HashEmbedder(dimension=DIMENSION), analyzer, index, store)
