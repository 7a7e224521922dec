"""Records of what callers asked and how they rated the answers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class QueryRecord:
    id: str
    principal_id: str
    role: str
    question: str
    created_at: datetime
    latency_ms: float
    found: bool
    document_ids: tuple[str, ...] = ()
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FeedbackRecord:
    query_id: str
    principal_id: str
    rating: int
    comment: str
    created_at: datetime
