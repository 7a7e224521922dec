"""Wire models: what the API accepts and returns, kept apart from the domain types."""

from __future__ import annotations

from datetime import date as date_
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from shared.domain.models import AccessLevel, Citation, Document
from shared.services.analytics import Quality, Usage
from shared.services.answering.queries import AnsweredQuery, QueryFilters

_Name = Annotated[str, Field(min_length=1, max_length=200)]  # a document type or id


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FiltersIn(_Strict):
    """Known keys only; they can only narrow what the caller may read."""

    # One type or a list of them; a single string is read as a list of one (errors then point at an index).
    document_type: Annotated[list[_Name], BeforeValidator(_one_or_many), Field(max_length=100)] | None = Field(
        default=None, description="one type or a list")
    document_ids: list[_Name] | None = Field(default=None, max_length=100)
    max_access_level: Literal["public", "internal", "confidential", "restricted"] | None = Field(
        default=None, description="only documents up to this level; a level above the caller's own changes nothing")

    def to_domain(self) -> QueryFilters:
        types = self.document_type
        level = AccessLevel.parse(self.max_access_level) if self.max_access_level is not None else None
        return QueryFilters(document_types=tuple(types) if types is not None else None,
                            document_ids=tuple(self.document_ids) if self.document_ids is not None else None,
                            max_access_level=level)


class QuestionIn(_Strict):
    query: str = Field(min_length=1, max_length=1000)
    top_k: int = Field(default=5, ge=1, le=20, strict=True)  # strict: `true` or "5" is not a number
    filters: FiltersIn = Field(default_factory=FiltersIn)

    @field_validator("query")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the question is empty")
        return value


class SourceOut(BaseModel):
    citation_number: int
    source_id: str
    document_id: str
    title: str
    heading_path: str
    article: str | None
    relevance_score: float
    snippet: str = Field(description="the cited sentences, shortened")
    text: str = Field(description="the whole passage the citation comes from: its article, or the part of a "
                                  "long article that one chunk holds")

    @classmethod
    def from_domain(cls, c: Citation) -> SourceOut:
        chunk = c.hit.chunk
        return cls(citation_number=c.number, source_id=chunk.id, document_id=chunk.document_id, title=chunk.title,
                   heading_path=chunk.heading_path, article=chunk.article,
                   relevance_score=round(c.hit.score, 4), snippet=c.snippet, text=chunk.text)


class AnswerOut(BaseModel):
    query_id: str
    query: str
    answer: str
    found: bool
    sources: list[SourceOut]
    metadata: dict
    timestamp: datetime

    @classmethod
    def from_domain(cls, q: AnsweredQuery) -> AnswerOut:
        return cls(query_id=q.query_id, query=q.question, answer=q.answer.text, found=q.answer.found,
                   sources=[SourceOut.from_domain(c) for c in q.answer.citations],
                   metadata=answer_metadata(q), timestamp=q.created_at)


def answer_metadata(q: AnsweredQuery) -> dict:
    return {"latency_ms": {k: round(v, 2) for k, v in q.answer.timings_ms.items()},
            "sources_count": len(q.answer.citations)}


class DocumentOut(BaseModel):
    id: str
    title: str
    document_type: str
    access_level: str
    status: Literal["pending", "indexing", "indexed", "failed"]
    error: str | None
    chunk_count: int
    source: str
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def from_domain(cls, d: Document) -> DocumentOut:
        return cls(id=d.id, title=d.title, document_type=d.document_type, access_level=d.access_level.label,
                   status=d.status.value, error=d.error, chunk_count=d.chunk_count, source=d.source,
                   created_at=d.created_at, updated_at=d.updated_at)


class DocumentListOut(BaseModel):
    documents: list[DocumentOut]
    total: int
    skip: int
    limit: int


class FeedbackIn(_Strict):
    query_id: str = Field(min_length=1, max_length=64)
    rating: int = Field(ge=1, le=5, strict=True)
    comment: str = Field(default="", max_length=2000)


class FeedbackOut(BaseModel):
    query_id: str
    rating: int
    comment: str
    created_at: datetime


class LoginIn(_Strict):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class ApiKeyIn(_Strict):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int = Field(default=90, ge=1, le=365, strict=True)


class ApiKeyCreatedOut(BaseModel):
    id: str
    name: str
    api_key: str
    expires_at: datetime


class ApiKeyOut(BaseModel):
    id: str
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked: bool


class UserIn(_Strict):
    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    password: str = Field(min_length=8, max_length=1024)
    role: Literal["guest", "employee", "manager", "director"]
    email: str | None = Field(default=None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class MeOut(BaseModel):
    id: str
    role: Literal["guest", "employee", "manager", "director"]
    access_levels: list[str] = Field(description="the access levels this caller may read, lowest first")
    can_manage_documents: bool


class UserOut(BaseModel):
    username: str
    role: str
    email: str | None


class DailyCountOut(BaseModel):
    date: date_
    count: int


class TopQueryOut(BaseModel):
    query: str = Field(description="the question as counted: NFC, lower case, single spaces")
    count: int


class UsageOut(BaseModel):
    start: date_
    end: date_
    total_queries: int
    unique_users: int
    avg_latency_ms: float
    p95_latency_ms: float = Field(description="upper bound of the latency bucket holding the 95th percentile")
    daily: list[DailyCountOut]
    top_queries: list[TopQueryOut]

    @classmethod
    def from_domain(cls, usage: Usage) -> UsageOut:
        return cls(start=usage.start, end=usage.end, total_queries=usage.total_queries,
                   unique_users=usage.unique_users, avg_latency_ms=usage.avg_latency_ms,
                   p95_latency_ms=usage.p95_latency_ms,
                   daily=[DailyCountOut(date=d, count=n) for d, n in usage.daily],
                   top_queries=[TopQueryOut(query=q, count=n) for q, n in usage.top_queries])


class QualityOut(BaseModel):
    start: date_
    end: date_
    avg_rating: float | None
    ratings: dict[str, int] = Field(description="count of each rating, '1' to '5'")
    feedback_count: int
    no_answer_rate: float

    @classmethod
    def from_domain(cls, quality: Quality) -> QualityOut:
        return cls(start=quality.start, end=quality.end, avg_rating=quality.avg_rating,
                   ratings={str(r): n for r, n in quality.ratings.items()}, feedback_count=quality.feedback_count,
                   no_answer_rate=quality.no_answer_rate)


class DocumentFiguresOut(BaseModel):
    total: int
    by_type: dict[str, int]
    by_access_level: dict[str, int]
    by_status: dict[str, int]
