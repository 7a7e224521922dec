"""The analytics figures (shared/services/analytics.py) as Prometheus gauges, for scraping the analytics function."""

from __future__ import annotations

from shared.services.analytics import DocumentFigures, Quality, Usage


def aggregates_exposition(usage: Usage, quality: Quality, documents: DocumentFigures) -> bytes:
    """The figures as Prometheus gauges, for scraping the analytics function (one day's usage and quality,
    the whole catalog's documents): `vnrag_analytics_*`."""
    from prometheus_client import CollectorRegistry, Gauge, generate_latest

    registry = CollectorRegistry(auto_describe=True)

    def gauge(name: str, help_: str, value: float, **labels: str) -> None:
        g = Gauge(f"vnrag_analytics_{name}", help_, list(labels), registry=registry)
        (g.labels(**labels) if labels else g).set(value)

    gauge("queries", "Logged queries in the day", usage.total_queries)
    gauge("unique_users", "Callers who asked in the day", usage.unique_users)
    gauge("avg_latency_ms", "Mean query latency in the day (ms)", usage.avg_latency_ms)
    gauge("p95_latency_ms", "95th percentile bucket bound of query latency in the day (ms)", usage.p95_latency_ms)
    gauge("no_answer_rate", "Share of the day's queries answered 'nothing found'", quality.no_answer_rate)
    gauge("feedback", "Ratings of the day's queries", quality.feedback_count)
    ratings = Gauge("vnrag_analytics_ratings", "Ratings of the day's queries by value", ["rating"], registry=registry)
    for rating, count in quality.ratings.items():
        ratings.labels(rating=str(rating)).set(count)
    docs = Gauge("vnrag_analytics_documents", "Documents in the catalog", ["by", "value"], registry=registry)
    for by, counts in (("status", documents.by_status), ("access_level", documents.by_access_level),
                       ("type", documents.by_type)):
        for value, count in counts.items():
            docs.labels(by=by, value=value).set(count)
    return generate_latest(registry)
