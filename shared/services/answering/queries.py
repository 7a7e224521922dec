"""QueryService: the use cases behind /query, /query/stream and /feedback.

Rate limiting, access filtering, answering and the query log happen here, once, for the HTTP routes
and the Lambda entries alike.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.domain.activity import FeedbackRecord, QueryRecord
from shared.domain.errors import DomainError, QueryNotFound, RateLimited
from shared.domain.models import AccessLevel, Answer, Citation, Principal
from shared.domain.rbac import search_filter_for
from shared.observability import NullTelemetry
from shared.ports import ActivityStore, Limiter, Telemetry, UsageRecorder
from shared.services.answering.service import NO_ANSWER, Answerer
from shared.services.retry import RetryPolicy

log = logging.getLogger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class QueryFilters:
    document_types: tuple[str, ...] | None = None
    document_ids: tuple[str, ...] | None = None
    max_access_level: AccessLevel | None = None  # only documents up to this level (never above the role's)


@dataclass(frozen=True, slots=True)
class AnsweredQuery:
    query_id: str
    question: str
    answer: Answer
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event: `token` (text), `citations` (the sources), `done`, or `error`."""

    kind: str
    data: Any  # str (token), tuple[Citation, ...] (citations), AnsweredQuery (done), dict (error)


@dataclass(frozen=True, slots=True)
class QueryService:
    answerer: Answerer
    activity: ActivityStore
    limiter: Limiter
    telemetry: Telemetry = field(default_factory=NullTelemetry)
    analytics: UsageRecorder | None = None
    now: Callable[[], datetime] = _utc_now  # when queries and ratings happen (UTC); tests freeze it
    # A throttled query log (DynamoDB, a locked SQLite file) is retried with backoff, then a 503.
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def ask(self, principal: Principal, question: str, *, top_k: int = 5,
            filters: QueryFilters = QueryFilters()) -> AnsweredQuery:
        self._check_limit(principal)
        started = time.perf_counter()
        try:
            answer = self.answerer.answer(question, filter=self._filter(principal, filters), top_k=top_k)
        except Exception as exc:
            self.telemetry.query_failed(principal_id=principal.id, role=principal.role.label,
                                        error=getattr(exc, "code", type(exc).__name__))
            raise
        answer.timings_ms["total"] = (time.perf_counter() - started) * 1000
        return self._log(principal, question, answer)

    def stream(self, principal: Principal, question: str, *, top_k: int = 5,
               filters: QueryFilters = QueryFilters()) -> Iterator[StreamEvent]:
        """Checks (rate limit, validation) run before the first event, so they fail as plain HTTP errors."""
        self._check_limit(principal)
        started = time.perf_counter()
        try:
            retrieval, citations = self.answerer.retrieve(question, filter=self._filter(principal, filters),
                                                          top_k=top_k)
        except Exception as exc:
            self.telemetry.query_failed(principal_id=principal.id, role=principal.role.label,
                                        error=getattr(exc, "code", type(exc).__name__))
            raise
        return self._stream(principal, question, retrieval, citations, started)

    def feedback(self, principal: Principal, query_id: str, rating: int, comment: str = "") -> FeedbackRecord:
        record = self.retry.call(lambda: self.activity.get_query(query_id), what="the query log")
        if record is None or record.principal_id != principal.id:  # someone else's query reads as absent
            raise QueryNotFound("query not found")
        feedback = FeedbackRecord(query_id=query_id, principal_id=principal.id, rating=rating, comment=comment,
                                  created_at=self.now())
        self.retry.call(lambda: self.activity.put_feedback(feedback), what="the query log")
        if self.analytics is not None:
            self.analytics.record_rating(query_id=query_id, principal_id=principal.id, rating=rating,
                                         query_created_at=record.created_at)
        return feedback

    def _check_limit(self, principal: Principal) -> None:
        try:
            self.limiter.check(principal.id)
        except RateLimited:
            self.telemetry.rate_limited(principal_id=principal.id, role=principal.role.label)
            raise

    def _stream(self, principal: Principal, question: str, retrieval, citations: tuple[Citation, ...],
                started: float) -> Iterator[StreamEvent]:
        pieces: list[str] = []
        try:
            generate_started = time.perf_counter()
            for piece in self.answerer.generate(retrieval, citations):
                pieces.append(piece)
                yield StreamEvent("token", piece)
            if not pieces:
                citations = ()
                pieces.append(NO_ANSWER)
                yield StreamEvent("token", NO_ANSWER)
            now = time.perf_counter()
            timings = {**retrieval.timings_ms, "generate": (now - generate_started) * 1000,
                       "total": (now - started) * 1000}
            answer = Answer(text="".join(pieces).strip(), citations=citations, found=bool(citations),
                            timings_ms=timings)
            answered = self._log(principal, question, answer)
        except Exception as exc:  # noqa: BLE001 - the stream has started: report in-band, never crash
            log.exception("answer failed mid-stream")
            self.telemetry.query_failed(principal_id=principal.id, role=principal.role.label,
                                        error=getattr(exc, "code", type(exc).__name__))
            message = str(exc) if isinstance(exc, DomainError) else "the answer could not be completed"
            yield StreamEvent("error", {"code": getattr(exc, "code", "generation_failed"), "message": message})
            return
        yield StreamEvent("citations", citations)
        yield StreamEvent("done", answered)

    def _filter(self, principal: Principal, filters: QueryFilters):
        return search_filter_for(principal, document_types=filters.document_types,
                                 document_ids=filters.document_ids, max_access_level=filters.max_access_level)

    def _log(self, principal: Principal, question: str, answer: Answer) -> AnsweredQuery:
        answered = AnsweredQuery(query_id=uuid.uuid4().hex, question=question, answer=answer,
                                 created_at=self.now())
        latency_ms = answer.timings_ms.get("total", 0.0)
        record = QueryRecord(
            id=answered.query_id, principal_id=principal.id, role=principal.role.label, question=question,
            created_at=answered.created_at, latency_ms=latency_ms, found=answer.found,
            document_ids=_unique(c.hit.chunk.document_id for c in answer.citations), timings_ms=answer.timings_ms)
        self.retry.call(lambda: self.activity.put_query(record), what="the query log")
        if self.analytics is not None:
            self.analytics.record_query(principal_id=principal.id, question=question, found=answer.found,
                                        latency_ms=latency_ms, created_at=answered.created_at)
        self.telemetry.query_finished(query_id=answered.query_id, principal_id=principal.id,
                                      role=principal.role.label, found=answer.found, timings_ms=answer.timings_ms,
                                      question=question)
        return answered


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))
