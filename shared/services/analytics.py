"""Usage and quality analytics, kept as counters updated when a query or a rating is written.

Nothing here reads the query log: each write adds to a few counter items, and a report reads at most one
or two partitions per day of its range. The counter layout maps one-to-one onto a DynamoDB table with a
partition key `pk` and a sort key `sk`, where every update is a single `UpdateItem` with `ADD` (atomic, no
read) or a conditional put:

| pk               | sk                    | attributes (ADD unless said)                                          |
| ---------------- | --------------------- | --------------------------------------------------------------------- |
| `day#2026-11-29` | `usage`               | `queries`, `no_answer`, `latency_ms_sum`, `bucket#00` … `bucket#NN`    |
|                  |                       | (latency histogram, fixed bounds `LATENCY_BUCKETS_MS`), `users` (1    |
|                  |                       | when the caller's `users#` item below was new)                        |
| `day#2026-11-29` | `question#<sha1>`     | `count`; `label` (SET: the normalised question)                       |
| `day#2026-11-29` | `quality`             | `feedback`, `rating_sum`, `rating#1` … `rating#5`                     |
| `day#2026-11-29` | `rating#<qid>#<user>` | `label` (SET with ReturnValues=UPDATED_OLD: the caller's last rating)  |
| `users#2026-11-29` | `<principal id>`    | none: created once per caller and day (put if absent)                 |

A report over [start, end] issues one `Query` per day (`pk = day#D`, `begins_with(sk, …)`), at most
`MAX_RANGE_DAYS` of them; top queries are the sum of the days' `question#` items. Unique users of one day
are its `users` count; over several days they are the union of the days' `users#D` partitions (one more
`Query` per day). One item per caller and day, rather than a set on the usage item, keeps every item small
(a DynamoDB item holds 400 KB: a set of ids would overflow near ten thousand callers a day); days recorded
as such a set (`members` of the usage item, by earlier versions) are still read. A rating counts under
the day of the query it rates, so replacing a rating (one per caller and query) moves the counters of one
day only: the old rating is taken back, the new one added.

Only logged queries count here (answered and no-answer); refused and failed requests are in the metrics.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from shared.domain.activity import CounterItem
from shared.domain.errors import InvalidInput
from shared.domain.models import Principal
from shared.domain.rbac import READING_ANALYTICS, require_manager
from shared.ports import AnalyticsStore, DocumentCounts

# Upper bounds (ms) of the latency histogram kept per day; the last bucket is everything above.
LATENCY_BUCKETS_MS = (5, 10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10000,
                      30000, 60000)
MAX_RANGE_DAYS = 366
TOP_QUERIES = 10
_MAX_LABEL = 200


def normalize_question(question: str) -> str:
    """The form top queries are counted under: NFC, lower case, single spaces, no end punctuation."""
    text = unicodedata.normalize("NFC", question).lower()
    text = re.sub(r"\s+", " ", text).strip().rstrip("?.!…").strip()
    return text[:_MAX_LABEL]


def bucket_index(latency_ms: float) -> int:
    for i, bound in enumerate(LATENCY_BUCKETS_MS):
        if latency_ms <= bound:
            return i
    return len(LATENCY_BUCKETS_MS)


def percentile_from_buckets(counts: list[int], q: float = 0.95) -> float:
    """The upper bound of the bucket holding the q-th ranked latency (rank = ceil(q * n)); above the last
    bound, the last bound. 0 when there are none."""
    total = sum(counts)
    if total == 0:
        return 0.0
    rank, seen = math.ceil(q * total), 0
    for i, count in enumerate(counts):
        seen += count
        if seen >= rank:
            return float(LATENCY_BUCKETS_MS[min(i, len(LATENCY_BUCKETS_MS) - 1)])
    return float(LATENCY_BUCKETS_MS[-1])


def _bucket_key(i: int) -> str:
    return f"bucket#{i:02d}"


def _day_pk(day: date) -> str:
    return f"day#{day.isoformat()}"


def _users_pk(day: date) -> str:
    return f"users#{day.isoformat()}"


@dataclass(frozen=True, slots=True)
class Usage:
    start: date
    end: date
    total_queries: int
    unique_users: int
    avg_latency_ms: float
    p95_latency_ms: float
    daily: list[tuple[date, int]]
    top_queries: list[tuple[str, int]]


@dataclass(frozen=True, slots=True)
class Quality:
    start: date
    end: date
    avg_rating: float | None
    ratings: dict[int, int]
    feedback_count: int
    no_answer_rate: float


@dataclass(frozen=True, slots=True)
class DocumentFigures:
    total: int
    by_type: dict[str, int]
    by_access_level: dict[str, int]
    by_status: dict[str, int]


def parse_range(start: str | None, end: str | None, *, today: date, default_days: int = 30) -> tuple[date, date]:
    """[start, end] from YYYY-MM-DD strings (inclusive, UTC); by default the `default_days` up to today."""
    try:
        end_day = date.fromisoformat(end) if end else today
        start_day = date.fromisoformat(start) if start else end_day - timedelta(days=default_days - 1)
    except ValueError:
        raise InvalidInput("start and end must be dates written YYYY-MM-DD") from None
    if start_day > end_day:
        raise InvalidInput("start must not be after end")
    if (end_day - start_day).days + 1 > MAX_RANGE_DAYS:
        raise InvalidInput(f"the range may span at most {MAX_RANGE_DAYS} days")
    return start_day, end_day


class Analytics:
    """Records queries and ratings into counters at write time, and reports them to managers and above."""

    def __init__(self, store: AnalyticsStore, catalog: DocumentCounts | None = None, *,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self.catalog, self._now = store, catalog, now

    def period(self, principal: Principal, start: str | None, end: str | None) -> tuple[date, date]:
        """The report range from YYYY-MM-DD strings: see `parse_range` (default: the last 30 days). The role
        is checked first, so a caller who may not read analytics learns nothing from date errors."""
        require_reader(principal)
        return parse_range(start, end, today=self._now().date())

    # --- writes --------------------------------------------------------------------------------------------
    def record_query(self, *, principal_id: str, question: str, found: bool, latency_ms: float,
                     created_at: datetime) -> None:
        pk = _day_pk(created_at.date())
        amounts = {"queries": 1, "no_answer": 0 if found else 1, "latency_ms_sum": latency_ms,
                   _bucket_key(bucket_index(latency_ms)): 1}
        if self.store.add_once(_users_pk(created_at.date()), principal_id):
            amounts["users"] = 1
        self.store.add(pk, "usage", amounts)
        label = normalize_question(question)
        if label:
            digest = hashlib.sha1(label.encode("utf-8")).hexdigest()
            self.store.add(pk, f"question#{digest}", {"count": 1}, label=label)

    def record_rating(self, *, query_id: str, principal_id: str, rating: int, query_created_at: datetime) -> None:
        pk = _day_pk(query_created_at.date())
        previous = self.store.swap_label(pk, f"rating#{query_id}#{principal_id}", str(rating))
        amounts: dict[str, float] = {f"rating#{rating}": 1, "rating_sum": rating, "feedback": 1}
        if previous is not None:
            old = int(previous)
            amounts[f"rating#{old}"] = amounts.get(f"rating#{old}", 0) - 1
            amounts["rating_sum"] -= old
            amounts["feedback"] = 0
        self.store.add(pk, "quality", amounts)

    # --- reports -------------------------------------------------------------------------------------------
    def usage(self, principal: Principal, start: date, end: date) -> Usage:
        require_reader(principal)
        daily: list[tuple[date, int]] = []
        per_day_usage: dict[date, CounterItem] = {}
        questions: Counter[str] = Counter()
        labels: dict[str, str] = {}
        buckets = [0] * (len(LATENCY_BUCKETS_MS) + 1)
        total, latency_sum = 0, 0.0
        for day in _days(start, end):
            items = {item.sk: item for item in self.store.query(_day_pk(day))}
            usage = per_day_usage[day] = items.get("usage", CounterItem("usage"))
            count = int(usage.values.get("queries", 0))
            daily.append((day, count))
            total += count
            latency_sum += usage.values.get("latency_ms_sum", 0.0)
            for i in range(len(buckets)):
                buckets[i] += int(usage.values.get(_bucket_key(i), 0))
            for sk, item in items.items():
                if sk.startswith("question#"):
                    questions[sk] += int(item.values.get("count", 0))
                    labels[sk] = item.label or ""
        top = sorted(((labels[sk], n) for sk, n in questions.items() if n > 0), key=lambda p: (-p[1], p[0]))
        return Usage(start=start, end=end, total_queries=total, unique_users=self._unique_users(per_day_usage),
                     avg_latency_ms=round(latency_sum / total, 3) if total else 0.0,
                     p95_latency_ms=percentile_from_buckets(buckets), daily=daily, top_queries=top[:TOP_QUERIES])

    def _unique_users(self, usage_by_day: Mapping[date, CounterItem]) -> int:
        """One day: its `users` count (no extra read). Several: the union of their callers, one Query a day.
        A day recorded as a set of ids (`members`, earlier versions) is read as that set."""
        if len(usage_by_day) == 1:
            [usage] = usage_by_day.values()
            if not usage.members:
                return int(usage.values.get("users", 0))
        callers: set[str] = set()
        for day, usage in usage_by_day.items():
            callers |= usage.members
            callers.update(item.sk for item in self.store.query(_users_pk(day)))
        return len(callers)

    def quality(self, principal: Principal, start: date, end: date) -> Quality:
        require_reader(principal)
        ratings = dict.fromkeys(range(1, 6), 0)
        feedback, rating_sum, queries, no_answer = 0, 0.0, 0, 0
        for day in _days(start, end):
            for item in self.store.query(_day_pk(day)):
                if item.sk == "quality":
                    feedback += int(item.values.get("feedback", 0))
                    rating_sum += item.values.get("rating_sum", 0.0)
                    for r in ratings:
                        ratings[r] += int(item.values.get(f"rating#{r}", 0))
                elif item.sk == "usage":
                    queries += int(item.values.get("queries", 0))
                    no_answer += int(item.values.get("no_answer", 0))
        return Quality(start=start, end=end, avg_rating=round(rating_sum / feedback, 4) if feedback else None,
                       ratings=ratings, feedback_count=feedback,
                       no_answer_rate=round(no_answer / queries, 4) if queries else 0.0)

    def exposition(self, principal: Principal) -> bytes:
        """Today's (UTC) usage and quality and the catalog's documents as Prometheus text."""
        from shared.services.analytics_exposition import aggregates_exposition

        today = self._now().date()
        return aggregates_exposition(self.usage(principal, today, today), self.quality(principal, today, today),
                                     self.documents(principal))

    def documents(self, principal: Principal) -> DocumentFigures:
        """Documents by type, access level and status, every level included: one read of the counters the
        document store keeps at write time (a kind with no documents left is not shown)."""
        require_reader(principal)
        by_type: Counter[str] = Counter()
        by_level: Counter[str] = Counter()
        by_status: Counter[str] = Counter()
        counts = self.catalog.document_counts() if self.catalog is not None else {}
        for kind, n in counts.items():
            if n > 0:
                by_type[kind.document_type] += n
                by_level[kind.access_level.label] += n
                by_status[kind.status.value] += n
        return DocumentFigures(total=sum(by_status.values()), by_type=dict(sorted(by_type.items())),
                               by_access_level=dict(sorted(by_level.items())),
                               by_status=dict(sorted(by_status.items())))


def require_reader(principal: Principal) -> None:
    """Analytics and metrics are for managers and directors (top queries show what people asked)."""
    require_manager(principal, READING_ANALYTICS)


def _days(start: date, end: date) -> Iterable[date]:
    for offset in range((end - start).days + 1):
        yield start + timedelta(days=offset)
