"""Write-time analytics counters: the bucket rule, the range rule, question normalisation, rating replacement."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from shared.domain.errors import AccessDenied, InvalidInput
from shared.domain.models import Principal, Role
from shared.services.analytics import (
    LATENCY_BUCKETS_MS,
    Analytics,
    bucket_index,
    normalize_question,
    parse_range,
    percentile_from_buckets,
)
from tests.fakes.stores import InMemoryAnalyticsStore

MANAGER = Principal(id="boss", role=Role.MANAGER)
DAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Thời  HẠN   nuôi con nuôi?? ", "thời hạn nuôi con nuôi"),
    ("Thoi\u0300 gian!", "thoì gian"),  # decomposed input composes to NFC
    ("Điều 5…", "điều 5"),
    ("?!", ""),
])
def test_normalize_question(raw: str, expected: str) -> None:
    assert normalize_question(raw) == expected


@pytest.mark.parametrize(("latency", "index"), [(0, 0), (5, 0), (5.01, 1), (99.9, 5), (60000, 18), (60001, 19)])
def test_bucket_index(latency: float, index: int) -> None:
    assert bucket_index(latency) == index


def test_p95_is_the_bound_of_the_bucket_holding_the_ranked_latency() -> None:
    counts = [0] * (len(LATENCY_BUCKETS_MS) + 1)
    counts[bucket_index(3)] = 19  # 19 of 20 under 5 ms: rank ceil(0.95 * 20) = 19 is still there
    counts[bucket_index(400)] = 1
    assert percentile_from_buckets(counts) == 5
    counts[bucket_index(400)] = 2  # 21 values: rank 20 is in the 500 ms bucket
    assert percentile_from_buckets(counts) == 500
    assert percentile_from_buckets([0] * len(counts)) == 0
    overflow = [0] * len(counts)
    overflow[-1] = 1
    assert percentile_from_buckets(overflow) == LATENCY_BUCKETS_MS[-1]


def test_parse_range_defaults_and_limits() -> None:
    today = date(2026, 3, 31)
    assert parse_range(None, None, today=today) == (date(2026, 3, 2), today)
    assert parse_range("2026-03-05", "2026-03-05", today=today) == (date(2026, 3, 5), date(2026, 3, 5))
    assert parse_range("2025-03-31", None, today=today) == (date(2025, 3, 31), today)  # 366 days
    for start, end in (("2025-03-30", None), ("2026-04-01", None), ("yesterday", None), (None, "2026-02-30")):
        with pytest.raises(InvalidInput):
            parse_range(start, end, today=today)


@pytest.fixture
def analytics() -> Analytics:
    return Analytics(InMemoryAnalyticsStore(), now=lambda: DAY)


def test_a_replaced_rating_moves_the_counters_once(analytics: Analytics) -> None:
    analytics.record_rating(query_id="q1", principal_id="u1", rating=5, query_created_at=DAY)
    analytics.record_rating(query_id="q1", principal_id="u1", rating=2, query_created_at=DAY)
    analytics.record_rating(query_id="q1", principal_id="u1", rating=2, query_created_at=DAY)
    analytics.record_rating(query_id="q2", principal_id="u1", rating=4, query_created_at=DAY)
    quality = analytics.quality(MANAGER, DAY.date(), DAY.date())
    assert quality.feedback_count == 2
    assert quality.ratings == {1: 0, 2: 1, 3: 0, 4: 1, 5: 0}
    assert quality.avg_rating == 3.0


def test_usage_unions_users_across_days_and_merges_questions(analytics: Analytics) -> None:
    second = datetime(2026, 3, 3, 23, 59, 59, tzinfo=UTC)
    analytics.record_query(principal_id="a", question="Câu A?", found=True, latency_ms=4, created_at=DAY)
    analytics.record_query(principal_id="b", question="câu a", found=False, latency_ms=40, created_at=DAY)
    analytics.record_query(principal_id="a", question="Câu B", found=True, latency_ms=400, created_at=second)
    usage = analytics.usage(MANAGER, DAY.date(), second.date())
    assert usage.total_queries == 3 and usage.unique_users == 2
    assert usage.avg_latency_ms == pytest.approx(148.0)
    assert usage.p95_latency_ms == 500
    assert usage.daily == [(date(2026, 3, 2), 2), (date(2026, 3, 3), 1)]
    assert usage.top_queries == [("câu a", 2), ("câu b", 1)]
    assert analytics.quality(MANAGER, DAY.date(), DAY.date()).no_answer_rate == 0.5


@pytest.mark.parametrize("role", [Role.GUEST, Role.EMPLOYEE])
def test_reports_need_a_manager(analytics: Analytics, role: Role) -> None:
    caller = Principal(id="x", role=role)
    for report in (lambda: analytics.usage(caller, DAY.date(), DAY.date()),
                   lambda: analytics.quality(caller, DAY.date(), DAY.date()),
                   lambda: analytics.documents(caller), lambda: analytics.period(caller, "bad", None)):
        with pytest.raises(AccessDenied):
            report()




def test_one_day_reads_its_user_count_and_a_range_reads_each_days_callers() -> None:
    store = InMemoryAnalyticsStore()
    read: list[str] = []
    query = store.query

    def recording_query(pk: str, sk_prefix: str = "") -> list:
        read.append(pk)
        return query(pk, sk_prefix)

    store.query = recording_query  # type: ignore[method-assign]
    analytics = Analytics(store, now=lambda: DAY)
    for caller in ("a", "b", "a"):
        analytics.record_query(principal_id=caller, question="q", found=True, latency_ms=1, created_at=DAY)
    assert analytics.usage(MANAGER, DAY.date(), DAY.date()).unique_users == 2
    assert read == ["day#2026-03-02"]  # the count on the usage item: the callers are not read
    read.clear()
    assert analytics.usage(MANAGER, date(2026, 3, 1), DAY.date()).unique_users == 2
    assert sorted(read) == ["day#2026-03-01", "day#2026-03-02", "users#2026-03-01", "users#2026-03-02"]
