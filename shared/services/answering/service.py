"""Answerer: retrieve under the caller's filter, decide whether anything relevant was found, generate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

from shared.domain.models import Answer, Citation, SearchFilter, SearchHit
from shared.ports import Generator
from shared.services.answering.sentences import coverage
from shared.services.retrieval.retriever import Retrieval, Retriever

NO_ANSWER = ("Không tìm thấy thông tin phù hợp với câu hỏi trong các tài liệu bạn được phép truy cập. "
             "Hãy thử diễn đạt lại câu hỏi hoặc nêu rõ văn bản, điều khoản cần tra cứu.")
_SNIPPET_CHARS = 300


@dataclass(frozen=True, slots=True)
class Answerer:
    retriever: Retriever
    generator: Generator
    min_dense_score: float = 0.87
    min_term_coverage: float = 0.9

    def answer(self, question: str, *, filter: SearchFilter, top_k: int = 5) -> Answer:
        retrieval, citations = self.retrieve(question, filter=filter, top_k=top_k)
        started = time.perf_counter()
        pieces = list(self.generate(retrieval, citations))
        timings = {**retrieval.timings_ms, "generate": (time.perf_counter() - started) * 1000}
        if not citations or not pieces:
            return Answer(text=NO_ANSWER, citations=(), found=False, timings_ms=timings)
        return Answer(text="".join(pieces).strip(), citations=citations, found=True, timings_ms=timings)

    def retrieve(self, question: str, *, filter: SearchFilter, top_k: int) -> tuple[Retrieval, tuple[Citation, ...]]:
        """The retrieval and the numbered citations; no citations when nothing relevant was found."""
        retrieval = self.retriever.retrieve(question, filter=filter, k=top_k)
        if not self.is_relevant(retrieval):
            return retrieval, ()
        citations = tuple(Citation(number=i, hit=hit, snippet=snippet(hit))
                          for i, hit in enumerate(retrieval.hits, start=1))
        return retrieval, citations

    def generate(self, retrieval: Retrieval, citations: tuple[Citation, ...]) -> Iterator[str]:
        if citations:
            yield from self.generator.generate(retrieval.query.text, [c.hit for c in citations],
                                               question_vector=retrieval.query.vector)

    def is_relevant(self, retrieval: Retrieval) -> bool:
        """Whether the best passage plausibly answers: close in meaning, or sharing most of the words."""
        if not retrieval.hits:
            return False
        best = max(retrieval.hits, key=lambda h: h.dense_score if h.dense_score is not None else -1.0)
        if best.dense_score is not None and best.dense_score >= self.min_dense_score:
            return True
        return max(coverage(retrieval.query.text, h.chunk.passage) for h in retrieval.hits) >= self.min_term_coverage


def snippet(hit: SearchHit, limit: int = _SNIPPET_CHARS) -> str:
    text = " ".join(hit.chunk.text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit] + "…"
