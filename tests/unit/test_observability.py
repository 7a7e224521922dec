"""PrometheusTelemetry: the Prometheus series, the CloudWatch EMF records and the structured query log line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared import observability
from shared.domain.errors import RateLimited
from shared.domain.models import Answer, Document, DocumentStatus, Principal, Role
from shared.observability import NullTelemetry, PrometheusTelemetry, correlation_id_from, metrics
from shared.services.answering.queries import QueryService

TIMINGS = {"analyze": 1.0, "embed": 12.0, "search": 3.0, "generate": 0.5, "total": 17.0}


def _samples(telemetry: PrometheusTelemetry) -> dict[tuple[str, tuple], float]:
    text = telemetry.prometheus_text().decode()
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def _record(telemetry: PrometheusTelemetry) -> None:
    telemetry.query_finished(query_id="q1", principal_id="u1", role="employee", found=True, timings_ms=TIMINGS,
                             question="Câu hỏi một?")
    telemetry.query_finished(query_id="q2", principal_id="u2", role="guest", found=False, timings_ms=TIMINGS,
                             question="Câu hỏi hai?")
    telemetry.rate_limited(principal_id="u2", role="guest")
    telemetry.query_failed(principal_id="u1", role="employee", error="invalid_query")
    telemetry.document_ingested(Document(id="d1", title="t", status=DocumentStatus.INDEXED, chunk_count=7))
    telemetry.document_ingested(Document(id="d2", title="t", status=DocumentStatus.FAILED, error="unreadable"))
    telemetry.ingest_failed("d3", "crash")


def test_prometheus_series_count_each_event() -> None:
    telemetry = PrometheusTelemetry()
    _record(telemetry)
    samples = _samples(telemetry)
    queries = {k: v for k, v in samples.items() if k[0] == "vnrag_queries_total"}
    assert queries == {
        ("vnrag_queries_total", (("role", "employee"), ("status", "answered"))): 1,
        ("vnrag_queries_total", (("role", "guest"), ("status", "no_answer"))): 1,
        ("vnrag_queries_total", (("role", "guest"), ("status", "rate_limited"))): 1,
        ("vnrag_queries_total", (("role", "employee"), ("status", "error"))): 1,
    }
    for stage, key in (("embed", "embed"), ("retrieve", "search"), ("generate", "generate"), ("total", "total")):
        assert samples[("vnrag_query_duration_seconds_count", (("stage", stage),))] == 2
        assert samples[("vnrag_query_duration_seconds_sum", (("stage", stage),))] == pytest.approx(
            2 * TIMINGS[key] / 1000)
    # 17 ms falls in the 0.025 s bucket and above the 0.01 s one
    assert samples[("vnrag_query_duration_seconds_bucket", (("le", "0.01"), ("stage", "total")))] == 0
    assert samples[("vnrag_query_duration_seconds_bucket", (("le", "0.025"), ("stage", "total")))] == 2
    assert samples[("vnrag_no_answer_total", ())] == 1
    assert samples[("vnrag_rate_limited_total", ())] == 1
    assert samples[("vnrag_ingested_documents_total", ())] == 1
    assert samples[("vnrag_ingested_chunks_total", ())] == 7
    assert samples[("vnrag_ingest_failures_total", ())] == 2


def test_each_telemetry_has_its_own_registry() -> None:
    first, second = PrometheusTelemetry(), PrometheusTelemetry()
    _record(first)
    assert _samples(second)[("vnrag_no_answer_total", ())] == 0


def _emf_records(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines() if line.startswith("{") and '"_aws"' in line]


def test_emf_records_are_written_only_when_enabled(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.clear_metrics()
    _record(PrometheusTelemetry(emf=False))
    metrics.flush_metrics(raise_on_empty_metrics=False)
    assert _emf_records(capsys.readouterr().out) == []


def test_emf_records_carry_the_metrics_with_their_dimensions(capsys: pytest.CaptureFixture[str]) -> None:
    metrics.clear_metrics()
    _record(PrometheusTelemetry(emf=True))
    metrics.flush_metrics()
    records = _emf_records(capsys.readouterr().out)
    for record in records:
        (directive,) = record["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "vnrag"
        for dimensions in directive["Dimensions"]:
            assert all(name in record for name in dimensions)  # every dimension has its value in the record
        assert all(m["Name"] in record for m in directive["Metrics"])
    per_query = [r for r in records if "Queries" in r]
    assert sorted((r["status"], r["role"], r["Queries"]) for r in per_query) == [
        ("answered", "employee", [1.0]), ("error", "employee", [1.0]), ("no_answer", "guest", [1.0]),
        ("rate_limited", "guest", [1.0])]
    assert all(r["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "status", "role"]] for r in per_query)
    (flushed,) = [r for r in records if "QueryLatency" in r]
    units = {m["Name"]: m["Unit"] for m in flushed["_aws"]["CloudWatchMetrics"][0]["Metrics"]}
    assert units["QueryLatency"] == "Milliseconds" and units["IngestedChunks"] == "Count"
    assert flushed["QueryLatency"] == [17.0, 17.0]
    assert flushed["EmbedLatency"] == [12.0, 12.0] and flushed["RetrieveLatency"] == [3.0, 3.0]
    assert flushed["GenerateLatency"] == [0.5, 0.5]
    assert flushed["NoAnswer"] == [1.0] and flushed["RateLimited"] == [1.0]
    assert flushed["IngestedDocuments"] == [1.0] and flushed["IngestedChunks"] == [7.0]
    assert flushed["IngestFailures"] == [1.0, 1.0]


@pytest.mark.parametrize("allowed", [False, True])
def test_the_question_is_logged_only_when_allowed(monkeypatch: pytest.MonkeyPatch, allowed: bool) -> None:
    lines: list[tuple[str, dict]] = []
    monkeypatch.setattr(observability.logger, "info", lambda message, extra: lines.append((message, extra)))
    token = observability.request_id.set("req-1")
    try:
        PrometheusTelemetry(log_query_text=allowed).query_finished(
            query_id="q1", principal_id="u1", role="manager", found=False, timings_ms=TIMINGS, question="Bí mật?")
    finally:
        observability.request_id.reset(token)
    ((message, extra),) = lines
    assert message == "query"
    assert extra["request_id"] == "req-1" and extra["query_id"] == "q1"
    assert extra["principal_id"] == "u1" and extra["role"] == "manager" and extra["status"] == "no_answer"
    assert extra["latency_ms"] == {"embed": 12.0, "retrieve": 3.0, "generate": 0.5, "total": 17.0}
    assert extra["question_chars"] == len("Bí mật?")
    assert ("question" in extra) is allowed and ("Bí mật?" in json.dumps(extra, ensure_ascii=False)) is allowed


@pytest.mark.parametrize(("header", "kept"), [
    ("abc-123", True), ("1-67891233-abcdef012345678912345678", True), ("a" * 128, True), ("a" * 129, False),
    ("", False), (None, False), ("has space", False), ("<script>", False), ("new\nline", False)])
def test_correlation_ids_are_kept_only_when_sane(header: str | None, kept: bool) -> None:
    value = correlation_id_from(header)
    assert (value == header) is kept and value


class _Refusing:
    def check(self, principal_id: str) -> None:
        raise RateLimited(retry_after=7)


class _Answering:
    def answer(self, question, *, filter, top_k):
        return Answer(text="x", citations=(), found=False, timings_ms=dict(TIMINGS))


class _Activity:
    def __init__(self) -> None:
        self.queries = []

    def put_query(self, record) -> None:
        self.queries.append(record)


class _Recorder:
    def __init__(self) -> None:
        self.calls = []

    def record_query(self, **kwargs) -> None:
        self.calls.append(kwargs)


def test_query_service_counts_refusals_and_records_answers() -> None:
    telemetry, recorder = PrometheusTelemetry(), _Recorder()
    principal = Principal(id="u9", role=Role.DIRECTOR)
    refusing = QueryService(answerer=_Answering(), activity=_Activity(), limiter=_Refusing(), telemetry=telemetry)
    with pytest.raises(RateLimited):
        refusing.ask(principal, "câu hỏi")
    frozen = datetime(2026, 3, 2, 23, 59, tzinfo=UTC)
    answering = QueryService(answerer=_Answering(), activity=_Activity(), limiter=type("L", (), {
        "check": lambda self, pid: None})(), telemetry=telemetry, analytics=recorder, now=lambda: frozen)
    answered = answering.ask(principal, "câu hỏi")
    assert answered.created_at == frozen
    assert recorder.calls == [{"principal_id": "u9", "question": "câu hỏi", "found": False,
                               "latency_ms": answered.answer.timings_ms["total"], "created_at": frozen}]
    samples = _samples(telemetry)
    assert samples[("vnrag_queries_total", (("role", "director"), ("status", "rate_limited")))] == 1
    assert samples[("vnrag_queries_total", (("role", "director"), ("status", "no_answer")))] == 1


def test_the_null_telemetry_records_nothing() -> None:
    telemetry = NullTelemetry()
    _record(telemetry)
    assert all(v == 0 for k, v in _samples(telemetry).items() if not k[0].endswith("_created"))


