"""Analytics, /metrics and request logs through the real app, after a scripted sequence of queries, ratings
and uploads on two frozen days: every figure must be the one the sequence implies."""

from __future__ import annotations

import math
from collections import Counter
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.services.analytics import LATENCY_BUCKETS_MS
from tests.integration.api_harness import Harness, assert_error, build_harness, text_source

USAGE, QUALITY, DOCUMENTS = "/api/v1/analytics/usage", "/api/v1/analytics/quality", "/api/v1/analytics/documents"
DAY1, DAY2 = "2026-03-02", "2026-03-03"
METRICS_TOKEN = "scrape-token-for-tests-0123456789"
ADOPTION = "Thời hạn giải quyết việc nuôi con nuôi trong nước là bao nhiêu ngày?"
TRAFFIC = "Mức phạt người điều khiển xe ô tô không chấp hành đèn tín hiệu giao thông?"
UNRELATED = "Giá vé máy bay đi Đà Nẵng tháng sau là bao nhiêu?"


class FrozenClock:
    def __init__(self, when: str) -> None:
        self.set(when)

    def set(self, when: str) -> None:
        self.now = datetime.fromisoformat(when).replace(tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now


class Script:
    """What the sequence did, as the test saw it from the responses."""

    def __init__(self) -> None:
        self.queries: list[dict] = []  # day, role, question, found, query_id
        self.ratings: dict[tuple[str, str], tuple[str, int]] = {}  # (query_id, role) -> (day of query, rating)
        self.errors: Counter[str] = Counter()
        self.uploaded: dict[str, dict] = {}


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Harness, Script]:
    clock = FrozenClock(f"{DAY1}T09:00:00")
    harness = build_harness(tmp_path_factory.mktemp("analytics"), clock=clock, metrics_token=METRICS_TOKEN)
    harness.ingest([
        text_source("nuoi-con-nuoi", "Luật Nuôi con nuôi", "Điều 19. Thời hạn giải quyết\nThời hạn giải quyết việc "
                    "nuôi con nuôi trong nước là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ.", document_type="law"),
        text_source("giao-thong", "Nghị định xử phạt giao thông", "Điều 6. Xử phạt người điều khiển xe ô tô\nPhạt "
                    "tiền từ 4.000.000 đồng đến 6.000.000 đồng đối với người điều khiển xe ô tô không chấp hành hiệu "
                    "lệnh của đèn tín hiệu giao thông.", level="internal", document_type="decree"),
    ])
    script = Script()

    def upload(name: str, data: bytes, **form: str) -> None:
        response = harness.client.post("/api/v1/documents", headers=harness.headers("manager"),
                                       files={"file": (name, data)}, data=form)
        assert response.status_code == 202, response.text
        doc = harness.client.get(f"/api/v1/documents/{response.json()['id']}", headers=harness.headers("manager"))
        script.uploaded[name] = doc.json()

    def ask(day: str, role: str, question: str) -> str:
        clock.set(f"{day}T10:00:00")
        response = harness.ask(role, question)
        assert response.status_code == 200, response.text
        body = response.json()
        script.queries.append({"day": day, "role": role, "question": question, "found": body["found"],
                               "query_id": body["query_id"]})
        return body["query_id"]

    def rate(day: str, role: str, query_id: str, rating: int) -> None:
        clock.set(f"{day}T11:00:00")
        response = harness.client.post("/api/v1/feedback", json={"query_id": query_id, "rating": rating},
                                       headers=harness.headers(role))
        assert response.status_code == 201, response.text
        query_day = next(q["day"] for q in script.queries if q["query_id"] == query_id)
        script.ratings[(query_id, role)] = (query_day, rating)

    upload("quy-che.txt", "Điều 1. Nhân viên được nghỉ phép năm 14 ngày.".encode(), document_type="policy",
           access_level="internal")
    upload("hong.pdf", b"%PDF-1.4\nthis is not really a pdf", document_type="policy")  # internal by default
    first = ask(DAY1, "employee", ADOPTION)
    ask(DAY1, "employee", ADOPTION)
    unrelated = ask(DAY1, "guest", UNRELATED)
    ask(DAY1, "manager", "  THỜI HẠN giải quyết việc nuôi con nuôi trong nước là bao nhiêu ngày ")
    clock.set(f"{DAY1}T12:00:00")
    assert_error(harness.ask("employee", "\x00\x00"), 422, "invalid_query")  # an error: in metrics, not analytics
    script.errors["employee"] += 1
    rate(DAY1, "employee", first, 5)
    rate(DAY1, "guest", unrelated, 1)
    traffic = ask(DAY2, "director", TRAFFIC)
    ask(DAY2, "employee", ADOPTION)
    rate(DAY2, "employee", first, 3)  # replaces the 5, and still counts under the first query's day
    rate(DAY2, "director", traffic, 4)
    return harness, script


def _get(harness: Harness, path: str, role: str = "manager", **params: str) -> dict:
    response = harness.client.get(path, params=params, headers=harness.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def _p95(latencies: list[float]) -> float:
    """The 95th percentile by the documented bucket rule, computed here from the raw latencies."""
    if not latencies:
        return 0.0
    value = sorted(latencies)[math.ceil(0.95 * len(latencies)) - 1]
    return float(next((b for b in LATENCY_BUCKETS_MS if value <= b), LATENCY_BUCKETS_MS[-1]))


def _latencies(harness: Harness, queries: list[dict]) -> list[float]:
    activity = harness.api.services.queries.activity
    return [activity.get_query(q["query_id"]).latency_ms for q in queries]


def _normalised(question: str) -> str:
    return " ".join(question.lower().split()).rstrip("?").strip()


@pytest.mark.parametrize("days", [(DAY1, DAY2), (DAY1, DAY1), (DAY2, DAY2)], ids=["both", "day1", "day2"])
def test_usage_figures_are_what_the_sequence_implies(setup: tuple[Harness, Script], days: tuple[str, str]) -> None:
    harness, script = setup
    start, end = days
    queries = [q for q in script.queries if start <= q["day"] <= end]
    body = _get(harness, USAGE, start=start, end=end)
    latencies = _latencies(harness, queries)
    assert body["start"] == start and body["end"] == end
    assert body["total_queries"] == len(queries)
    assert body["unique_users"] == len({q["role"] for q in queries})
    assert body["avg_latency_ms"] == pytest.approx(sum(latencies) / len(latencies), abs=1e-3)
    assert body["p95_latency_ms"] == _p95(latencies)
    days_in_range = sorted({d for d in (DAY1, DAY2) if start <= d <= end})
    assert body["daily"] == [{"date": d, "count": sum(q["day"] == d for q in queries)} for d in days_in_range]
    counts = Counter(_normalised(q["question"]) for q in queries)
    assert body["top_queries"] == [{"query": q, "count": n}
                                   for q, n in sorted(counts.items(), key=lambda p: (-p[1], p[0]))]


def test_the_scripted_sequence_holds_what_the_figures_are_checked_against(setup: tuple[Harness, Script]) -> None:
    _, script = setup  # guard: the figures above would pass vacuously on an empty or all-alike sequence
    assert len(script.queries) == 6
    assert {q["found"] for q in script.queries} == {True, False}
    assert Counter(_normalised(q["question"]) for q in script.queries)[_normalised(ADOPTION)] == 4


@pytest.mark.parametrize("days", [(DAY1, DAY2), (DAY1, DAY1), (DAY2, DAY2)], ids=["both", "day1", "day2"])
def test_quality_figures_are_what_the_sequence_implies(setup: tuple[Harness, Script], days: tuple[str, str]) -> None:
    harness, script = setup
    start, end = days
    ratings = [r for day, r in script.ratings.values() if start <= day <= end]
    queries = [q for q in script.queries if start <= q["day"] <= end]
    body = _get(harness, QUALITY, start=start, end=end)
    assert body["feedback_count"] == len(ratings)
    assert body["ratings"] == {str(r): ratings.count(r) for r in range(1, 6)}
    assert body["avg_rating"] == (round(sum(ratings) / len(ratings), 4) if ratings else None)
    assert body["no_answer_rate"] == round(sum(not q["found"] for q in queries) / len(queries), 4)


def test_a_replaced_rating_counts_once_with_its_new_value(setup: tuple[Harness, Script]) -> None:
    harness, _ = setup
    body = _get(harness, QUALITY, start=DAY1, end=DAY1)
    assert body["ratings"]["5"] == 0 and body["ratings"]["3"] == 1 and body["feedback_count"] == 2


def test_document_figures_count_the_catalog(setup: tuple[Harness, Script]) -> None:
    harness, script = setup
    body = _get(harness, DOCUMENTS)
    assert script.uploaded["quy-che.txt"]["status"] == "indexed" and script.uploaded["hong.pdf"]["status"] == "failed"
    assert body == {"total": 4, "by_type": {"decree": 1, "law": 1, "policy": 2},
                    "by_access_level": {"internal": 3, "public": 1}, "by_status": {"failed": 1, "indexed": 3}}


def test_a_day_without_queries_reads_zero(setup: tuple[Harness, Script]) -> None:
    harness, _ = setup
    usage = _get(harness, USAGE, start="2026-01-01", end="2026-01-02")
    assert usage["total_queries"] == 0 and usage["unique_users"] == 0 and usage["top_queries"] == []
    assert usage["avg_latency_ms"] == 0 and usage["p95_latency_ms"] == 0
    assert usage["daily"] == [{"date": "2026-01-01", "count": 0}, {"date": "2026-01-02", "count": 0}]
    quality = _get(harness, QUALITY, start="2026-01-01", end="2026-01-02")
    assert quality["avg_rating"] is None and quality["feedback_count"] == 0 and quality["no_answer_rate"] == 0


def test_the_default_range_is_the_last_30_days_to_the_clock(setup: tuple[Harness, Script]) -> None:
    harness, script = setup  # the frozen clock stands on DAY2
    body = _get(harness, USAGE)
    assert body["end"] == DAY2 and body["start"] == "2026-02-02" and len(body["daily"]) == 30
    assert body["total_queries"] == len(script.queries)


@pytest.mark.parametrize("params", [
    {"start": "2026-13-01", "end": "2026-03-02"},
    {"start": "02/03/2026"},
    {"start": "2026-03-03", "end": "2026-03-02"},
    {"start": "2025-01-01", "end": "2026-03-02"},  # 426 days
    {"end": "x" * 11},
], ids=["bad month", "not iso", "start after end", "over 366 days", "too long"])
def test_bad_ranges_are_422(setup: tuple[Harness, Script], params: dict) -> None:
    harness, _ = setup
    for path in (USAGE, QUALITY):
        assert_error(harness.client.get(path, params=params, headers=harness.headers("director")), 422)


def test_a_366_day_range_is_accepted(setup: tuple[Harness, Script]) -> None:
    harness, _ = setup
    assert len(_get(harness, USAGE, start="2025-03-03", end="2026-03-03")["daily"]) == 366


@pytest.mark.parametrize("path", [USAGE, QUALITY, DOCUMENTS, "/metrics"])
@pytest.mark.parametrize("role", ["guest", "employee"])
def test_guests_and_employees_get_403(setup: tuple[Harness, Script], path: str, role: str) -> None:
    harness, _ = setup
    assert_error(harness.client.get(path, headers=harness.headers(role)), 403, "forbidden")
    # the role is checked before the dates: a bad range tells them nothing either
    assert_error(harness.client.get(path, params={"start": "nope"}, headers=harness.headers(role)), 403)


@pytest.mark.parametrize("path", [USAGE, QUALITY, DOCUMENTS, "/metrics"])
def test_anonymous_callers_get_401(setup: tuple[Harness, Script], path: str) -> None:
    harness, _ = setup
    assert_error(harness.client.get(path), 401, "unauthorized")
    assert_error(harness.client.get(path, headers={"Authorization": "Bearer not-the-token"}), 401)


def _metrics(harness: Harness, headers: dict[str, str]) -> dict[tuple[str, tuple], float]:
    response = harness.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_hold_the_same_series_as_the_sequence(setup: tuple[Harness, Script]) -> None:
    harness, script = setup
    samples = _metrics(harness, harness.headers("manager"))
    expected = Counter(("answered" if q["found"] else "no_answer", q["role"]) for q in script.queries)
    expected.update(("error", role) for role in script.errors.elements())
    queries = {key: value for key, value in samples.items() if key[0] == "vnrag_queries_total"}
    assert queries == {("vnrag_queries_total", (("role", role), ("status", status))): float(n)
                       for (status, role), n in expected.items()}
    n = len(script.queries)
    for stage in ("embed", "retrieve", "generate", "total"):
        assert samples[("vnrag_query_duration_seconds_count", (("stage", stage),))] == n
        assert samples[("vnrag_query_duration_seconds_bucket", (("le", "+Inf"), ("stage", stage)))] == n
    total_seconds = sum(_latencies(harness, script.queries)) / 1000
    assert samples[("vnrag_query_duration_seconds_sum", (("stage", "total"),))] == pytest.approx(total_seconds)
    assert samples[("vnrag_no_answer_total", ())] == sum(not q["found"] for q in script.queries)
    assert samples[("vnrag_ingested_documents_total", ())] == 1  # the upload that indexed
    assert samples[("vnrag_ingested_chunks_total", ())] == script.uploaded["quy-che.txt"]["chunk_count"] > 0
    assert samples[("vnrag_ingest_failures_total", ())] == 1  # the upload that failed
    assert samples[("vnrag_rate_limited_total", ())] == 0


def test_the_metrics_token_opens_metrics_and_nothing_else(setup: tuple[Harness, Script]) -> None:
    harness, _ = setup
    token = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    assert ("vnrag_no_answer_total", ()) in _metrics(harness, token)
    assert_error(harness.client.get(USAGE, headers=token), 401)
    assert _metrics(harness, harness.headers("director"))


def test_rate_limited_requests_are_counted(tmp_path) -> None:
    harness = build_harness(tmp_path, rate_limit_per_minute=1, clock=FrozenClock(f"{DAY1}T09:00:00"))
    assert harness.ask("guest", ADOPTION).status_code == 200
    assert_error(harness.ask("guest", ADOPTION), 429, "rate_limited")
    samples = _metrics(harness, harness.headers("director"))
    assert samples[("vnrag_rate_limited_total", ())] == 1
    assert samples[("vnrag_queries_total", (("role", "guest"), ("status", "rate_limited")))] == 1
    assert _get(harness, USAGE, start=DAY1, end=DAY1)["total_queries"] == 1  # refusals are not usage


def test_every_response_carries_a_correlation_id(setup: tuple[Harness, Script]) -> None:
    harness, _ = setup
    given = harness.client.get("/api/v1/health", headers={"X-Request-ID": "trace-42.abc"})
    assert given.headers["x-request-id"] == "trace-42.abc"
    made = harness.client.get("/api/v1/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert made.headers["x-request-id"] != "bad id\twith spaces" and len(made.headers["x-request-id"]) == 32


def test_the_dashboard_page_is_self_contained_and_runs_no_inline_script(setup: tuple[Harness, Script]) -> None:
    harness, _ = setup
    response = harness.client.get("/dashboard")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    page = response.text
    assert "script-src 'self';" in response.headers["content-security-policy"]
    assert '<script type="module" src="static/dashboard.js"></script>' in page and "<script>" not in page
    script = harness.client.get("/static/dashboard.js").text
    for path in (USAGE, QUALITY, DOCUMENTS):  # called relative to the page, so a stage prefix keeps working
        assert f'"{path.lstrip("/")}' in script and f'"{path}' not in script
    assert "localStorage" not in script  # the credential is the tab's (sessionStorage, common.js)
    assert "<canvas" in page and "data-rendered" not in page
    for text in (page, script):
        assert "http://" not in text and "https://" not in text  # no CDN: the page must work offline


def test_the_analytics_exposition_serves_todays_figures_as_gauges(setup: tuple[Harness, Script]) -> None:
    harness, script = setup  # the frozen clock stands on DAY2
    today = [q for q in script.queries if q["day"] == DAY2]
    usage, quality = _get(harness, USAGE, start=DAY2, end=DAY2), _get(harness, QUALITY, start=DAY2, end=DAY2)
    for headers in (harness.headers("manager"), {"Authorization": f"Bearer {METRICS_TOKEN}"}):
        response = harness.client.get(f"{USAGE.rsplit('/', 1)[0]}/metrics", headers=headers)
        assert response.status_code == 200, response.text
        samples = {(s.name, tuple(sorted(s.labels.items()))): s.value
                   for family in text_string_to_metric_families(response.text) for s in family.samples}
        assert samples[("vnrag_analytics_queries", ())] == len(today)
        assert samples[("vnrag_analytics_unique_users", ())] == usage["unique_users"]
        assert samples[("vnrag_analytics_p95_latency_ms", ())] == usage["p95_latency_ms"]
        assert samples[("vnrag_analytics_no_answer_rate", ())] == quality["no_answer_rate"]
        assert samples[("vnrag_analytics_ratings", (("rating", "4"),))] == quality["ratings"]["4"] == 1
        assert samples[("vnrag_analytics_documents", (("by", "status"), ("value", "failed")))] == 1
    for role in ("guest", "employee"):
        assert_error(harness.client.get("/api/v1/analytics/metrics", headers=harness.headers(role)), 403)
    assert_error(harness.client.get("/api/v1/analytics/metrics"), 401)
