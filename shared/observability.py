"""Logs, metrics and traces, created once here.

- `logger`: Powertools Logger, one JSON object per line on stdout (CloudWatch Logs reads them as they are).
- `metrics`: Powertools Metrics in the "vnrag" namespace, written as CloudWatch EMF. Only a `PrometheusTelemetry` built
  with `emf=True` (the Lambda entries) adds to it; the entry flushes it with `@metrics.log_metrics`.
- `get_tracer()`: the Powertools Tracer, built on first use, so local mode never imports the X-Ray SDK.
- `PrometheusTelemetry`: the Telemetry port the services call. It counts into its own Prometheus registry (served by
  `GET /metrics` locally) and, when `emf` is on, into `metrics` as well.

Prometheus series: `vnrag_queries_total{status,role}`, `vnrag_query_duration_seconds{stage}` (histogram;
stages embed, retrieve, generate, total), `vnrag_no_answer_total`, `vnrag_ingested_documents_total`,
`vnrag_ingested_chunks_total`, `vnrag_ingest_failures_total`, `vnrag_rate_limited_total`.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from functools import cache
from typing import TYPE_CHECKING

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

from shared.domain.models import Document, DocumentStatus

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer

NAMESPACE = "vnrag"
SERVICE = "vnrag"

logger = Logger(service=SERVICE)
metrics = Metrics(namespace=NAMESPACE, service=SERVICE)


@cache
def get_tracer() -> Tracer:
    """The Tracer of the AWS entries (it disables itself outside Lambda)."""
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE)


def configure(service_name: str = SERVICE) -> None:
    """Set the service name of log lines (from the settings' VNRAG_SERVICE_NAME), once at start-up."""
    logger.append_keys(service=service_name)


# The correlation id of the request being served: set by the HTTP middleware, read by every log line.
request_id: ContextVar[str | None] = ContextVar("vnrag_request_id", default=None)
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def correlation_id_from(header: str | None) -> str:
    """The caller's X-Request-ID when it is a sane token, else a fresh one (never echo arbitrary text)."""
    if header and _REQUEST_ID.match(header):
        return header
    return uuid.uuid4().hex


QUERY_STATUSES = ("answered", "no_answer", "error", "rate_limited")
STAGES = ("embed", "retrieve", "generate", "total")
# Where each stage's figure comes from in Answer.timings_ms: the retriever calls its search "search".
_TIMING_KEYS = {"embed": "embed", "retrieve": "search", "generate": "generate", "total": "total"}
_EMF_LATENCY = {"embed": "EmbedLatency", "retrieve": "RetrieveLatency", "generate": "GenerateLatency",
                "total": "QueryLatency"}
# Seconds; the upper bounds of the Prometheus latency histogram.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class PrometheusTelemetry:
    """The Telemetry port (shared/ports.py): counts queries, latencies and ingests into Prometheus (always)
    and EMF (when `emf`), and writes the structured log line of each query."""

    def __init__(self, *, emf: bool = False, log_query_text: bool = False,
                 registry: CollectorRegistry | None = None) -> None:
        self.emf = emf
        self.log_query_text = log_query_text
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self._queries = Counter("vnrag_queries", "Queries by outcome and caller role", ["status", "role"], registry=r)
        self._duration = Histogram("vnrag_query_duration_seconds", "Query latency by stage", ["stage"],
                                   buckets=DURATION_BUCKETS, registry=r)
        self._no_answer = Counter("vnrag_no_answer", "Queries answered with 'nothing found'", registry=r)
        self._documents = Counter("vnrag_ingested_documents", "Documents indexed", registry=r)
        self._chunks = Counter("vnrag_ingested_chunks", "Chunks indexed", registry=r)
        self._ingest_failures = Counter("vnrag_ingest_failures", "Documents that failed to index", registry=r)
        self._rate_limited = Counter("vnrag_rate_limited", "Requests refused by the rate limit", registry=r)

    # --- queries -------------------------------------------------------------------------------------------
    def query_finished(self, *, query_id: str, principal_id: str, role: str, found: bool,
                       timings_ms: dict[str, float], question: str) -> None:
        status = "answered" if found else "no_answer"
        self._count_query(status, role)
        stages = {stage: timings_ms[key] for stage, key in _TIMING_KEYS.items() if key in timings_ms}
        for stage, ms in stages.items():
            self._duration.labels(stage=stage).observe(ms / 1000)
        if not found:
            self._no_answer.inc()
        if self.emf:
            for stage, ms in stages.items():
                metrics.add_metric(name=_EMF_LATENCY[stage], unit=MetricUnit.Milliseconds, value=ms)
            if not found:
                metrics.add_metric(name="NoAnswer", unit=MetricUnit.Count, value=1)
        extra = {"query_id": query_id, "principal_id": principal_id, "role": role, "status": status,
                 "latency_ms": {stage: round(ms, 3) for stage, ms in stages.items()},
                 "question_chars": len(question), "request_id": request_id.get()}
        if self.log_query_text:
            extra["question"] = question
        logger.info("query", extra=extra)

    def query_failed(self, *, principal_id: str, role: str, error: str) -> None:
        self._count_query("error", role)
        logger.info("query failed", extra={"principal_id": principal_id, "role": role, "status": "error",
                                           "error": error, "request_id": request_id.get()})

    def rate_limited(self, *, principal_id: str, role: str) -> None:
        self._count_query("rate_limited", role)
        self._rate_limited.inc()
        if self.emf:
            metrics.add_metric(name="RateLimited", unit=MetricUnit.Count, value=1)
        logger.info("rate limited", extra={"principal_id": principal_id, "role": role, "status": "rate_limited",
                                           "request_id": request_id.get()})

    def _count_query(self, status: str, role: str) -> None:
        self._queries.labels(status=status, role=role).inc()
        if self.emf:  # one EMF record per query: its dimensions are its own
            with single_metric(name="Queries", unit=MetricUnit.Count, value=1, namespace=NAMESPACE,
                               default_dimensions={"service": SERVICE}) as metric:
                metric.add_dimension(name="status", value=status)
                metric.add_dimension(name="role", value=role)

    # --- ingestion -----------------------------------------------------------------------------------------
    def document_ingested(self, document: Document) -> None:
        """Count an ingest by the document it produced: indexed (with its chunks) or failed."""
        if document.status is DocumentStatus.INDEXED:
            self._documents.inc()
            self._chunks.inc(document.chunk_count)
            if self.emf:
                metrics.add_metric(name="IngestedDocuments", unit=MetricUnit.Count, value=1)
                metrics.add_metric(name="IngestedChunks", unit=MetricUnit.Count, value=document.chunk_count)
        elif document.status is DocumentStatus.FAILED:
            self.ingest_failed(document.id, document.error or "failed")
            return
        logger.info("document ingested", extra={"document_id": document.id, "status": document.status.value,
                                                "chunks": document.chunk_count, "request_id": request_id.get()})

    def ingest_failed(self, document_id: str, error: str) -> None:
        self._ingest_failures.inc()
        if self.emf:
            metrics.add_metric(name="IngestFailures", unit=MetricUnit.Count, value=1)
        logger.info("ingest failed", extra={"document_id": document_id, "status": "failed", "error": error,
                                            "request_id": request_id.get()})

    # --- exposition ----------------------------------------------------------------------------------------
    def prometheus_text(self) -> bytes:
        return generate_latest(self.registry)


class NullTelemetry:
    """Records nothing: the default of services built without observability (unit tests, the CLI)."""

    def query_finished(self, **_: object) -> None:
        return None

    def query_failed(self, **_: object) -> None:
        return None

    def rate_limited(self, **_: object) -> None:
        return None

    def document_ingested(self, document: Document) -> None:
        return None

    def ingest_failed(self, document_id: str, error: str) -> None:
        return None

    def prometheus_text(self) -> bytes:
        return b""
