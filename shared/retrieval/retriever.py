"""Retriever: analyse the question once, search the index under the caller's filter."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

from shared.domain.errors import InvalidQuery
from shared.domain.models import SearchFilter, SearchHit, SearchQuery
from shared.ports import Embedder, SearchIndex
from shared.text.normalize import normalize_text

MODES = ("hybrid", "bm25", "dense")


class QueryAnalyzer(Protocol):
    def query_terms(self, text: str) -> list[str]: ...
    def folded_terms(self, text: str) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: SearchQuery
    hits: list[SearchHit]
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Retriever:
    embedder: Embedder
    index: SearchIndex
    analyzer: QueryAnalyzer

    def analyze(self, question: str, *, mode: str = "hybrid") -> tuple[SearchQuery, dict[str, float]]:
        """Normalise the question and compute every representation the index matches on."""
        if mode not in MODES:
            raise InvalidQuery(f"unknown search mode {mode!r}; expected one of {', '.join(MODES)}")
        started = time.perf_counter()
        text = normalize_text(question)
        if not text:
            raise InvalidQuery("the question is empty")
        terms, folded = (), ()
        if mode != "dense":
            terms = tuple(self.analyzer.query_terms(text))
            folded = tuple(self.analyzer.folded_terms(text))
        analyzed = time.perf_counter()
        vector = self.embedder.embed_queries([text])[0] if mode != "bm25" else None
        embedded = time.perf_counter()
        query = SearchQuery(text=text, terms=terms, folded_terms=folded, vector=vector, mode=mode)
        return query, {"analyze": (analyzed - started) * 1000, "embed": (embedded - analyzed) * 1000}

    def retrieve(self, question: str, *, filter: SearchFilter, k: int = 5, mode: str = "hybrid") -> Retrieval:
        query, timings = self.analyze(question, mode=mode)
        started = time.perf_counter()
        hits = self.index.search(query, k=k, filter=filter)
        timings["search"] = (time.perf_counter() - started) * 1000
        return Retrieval(query=query, hits=hits, timings_ms=timings)
