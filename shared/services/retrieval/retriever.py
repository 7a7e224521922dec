"""Retriever: analyse the question once, search the index under the caller's filter."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from shared.domain.errors import InvalidQuery
from shared.domain.models import ArticleRef, SearchFilter, SearchHit, SearchQuery
from shared.ports import Analyzer, Embedder, SearchIndex
from shared.services.retrieval.restore import RESTORE_BELOW_RATIO, needs_restoration
from shared.services.retrieval.understanding import QueryResources, canonical_question

MODES = ("hybrid", "bm25", "dense")


@dataclass(frozen=True, slots=True)
class Retrieval:
    query: SearchQuery
    hits: list[SearchHit]
    timings_ms: dict[str, float]  # per stage: analyze, embed, search


@dataclass(frozen=True, slots=True)
class Retriever:
    embedder: Embedder
    index: SearchIndex
    analyzer: Analyzer
    # What query understanding learns from the indexed corpus (diacritic restorer, document catalogue);
    # called once per question, so it can follow the index as it changes. None: neither is used.
    resources: Callable[[], QueryResources] | None = None
    restore_below_ratio: float = RESTORE_BELOW_RATIO  # see `needs_restoration`; 0: never restore

    def analyze(self, question: str, *, mode: str = "hybrid") -> tuple[SearchQuery, dict[str, float]]:
        """Normalise the question and compute every representation the index matches on.

        A question typed without diacritics is restored first (`shared.services.retrieval.restore`): the
        segmented terms and the embedding come from the restored text, the folded terms from the
        text as typed (they are the same either way). Articles the question names become
        `article_refs` (`shared.services.retrieval.references`).
        """
        if mode not in MODES:
            raise InvalidQuery(f"unknown search mode {mode!r}; expected one of {', '.join(MODES)}")
        started = time.perf_counter()
        typed = canonical_question(question)
        if not typed:
            raise InvalidQuery("the question is empty")
        resources = self.resources() if self.resources is not None else None
        text, restored_from = typed, None
        refs: tuple[ArticleRef, ...] = ()
        if resources is not None:
            if resources.restorer is not None and needs_restoration(typed, below=self.restore_below_ratio):
                text = resources.restorer.restore(typed)
                restored_from = typed if text != typed else None
            if resources.catalogue is not None:
                refs = resources.catalogue.resolve(text)
        terms: tuple[str, ...] = ()
        folded: tuple[str, ...] = ()
        if mode != "dense":
            terms = tuple(self.analyzer.query_terms(text))
            folded = tuple(self.analyzer.folded_terms(typed))
        analyzed = time.perf_counter()
        vector = self.embedder.embed_queries([text])[0] if mode != "bm25" else None
        embedded = time.perf_counter()
        query = SearchQuery(text=text, terms=terms, folded_terms=folded, vector=vector, mode=mode,
                            article_refs=refs, restored_from=restored_from)
        return query, {"analyze": (analyzed - started) * 1000, "embed": (embedded - analyzed) * 1000}

    def retrieve(self, question: str, *, filter: SearchFilter, k: int = 5, mode: str = "hybrid") -> Retrieval:
        query, timings = self.analyze(question, mode=mode)
        started = time.perf_counter()
        hits = self.index.search(query, k=k, filter=filter)
        timings["search"] = (time.perf_counter() - started) * 1000
        return Retrieval(query=query, hits=hits, timings_ms=timings)
