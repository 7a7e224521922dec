"""Records of what callers asked and how they rated the answers, and the counters the analytics keep of them."""

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


@dataclass(frozen=True, slots=True)
class CounterItem:
    """One analytics counter item (shared/services/analytics.py): its sort key, summed values, label and set members."""

    sk: str
    values: dict[str, float] = field(default_factory=dict)
    label: str | None = None
    members: frozenset[str] = frozenset()
