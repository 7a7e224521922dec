"""The HTTP API's services over a mode's core: one builder for local mode and for the AWS query functions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import SecretStr

from shared.domain.models import AccessLevel, SearchFilter
from shared.entrypoints.http.deps import ApiServices
from shared.ports import ActivityStore, AnalyticsStore, CounterStore, DocumentStore, Embedder, SearchIndex, Telemetry
from shared.services.analytics import Analytics
from shared.services.answering.queries import QueryService
from shared.services.answering.service import Answerer
from shared.services.auth.service import AuthService
from shared.services.documents import DocumentService
from shared.services.ingestion import Ingestor
from shared.services.rate_limit import RateLimiter
from shared.services.upload_urls import UploadUrls

_NOTHING = SearchFilter(max_access_level=AccessLevel.PUBLIC, document_ids=frozenset())  # reads no record


@dataclass(frozen=True, slots=True)
class Core:
    """What every mode builds for questions and documents, over its own adapters."""

    embedder: Embedder
    index: SearchIndex
    store: DocumentStore
    answerer: Answerer
    ingestor: Ingestor


@dataclass(frozen=True, slots=True)
class ApiStores:
    """The mode's stores behind the API besides the core's: the query log, the rate-limit counters and the
    analytics counters."""

    activity: ActivityStore
    counters: CounterStore
    analytics: AnalyticsStore


def clock_to_now(clock: Callable[[], float]) -> Callable[[], datetime]:
    """`clock` (Unix seconds) as the UTC datetimes queries and ratings are dated with."""

    def now() -> datetime:
        return datetime.fromtimestamp(clock(), UTC)

    return now


def build_api_services(core: Core, stores: ApiStores, *, auth: AuthService, telemetry: Telemetry,
                       rate_limit_per_minute: int, metrics_token: SecretStr | None,
                       clock: Callable[[], float] = time.time, upload_urls: UploadUrls | None = None) -> ApiServices:
    """`clock` freezes the rate limiter's window and dates the queries and ratings the analytics count."""
    now = clock_to_now(clock)
    analytics = Analytics(stores.analytics, core.store, now=now)
    limiter = RateLimiter(stores.counters, limit=rate_limit_per_minute, window_seconds=60, clock=clock)
    return ApiServices(
        auth=auth,
        queries=QueryService(answerer=core.answerer, activity=stores.activity, limiter=limiter, telemetry=telemetry,
                             analytics=analytics, now=now),
        documents=DocumentService(ingestor=core.ingestor, telemetry=telemetry),
        health_checks=health_checks(core),
        analytics=analytics,
        telemetry=telemetry,
        metrics_token=metrics_token.get_secret_value() if metrics_token else None,
        upload_urls=upload_urls,
    )


def health_checks(core: Core) -> dict[str, Callable[[], dict]]:
    """Each check touches its dependency but reports no counts: health is public, and how many documents
    exist (restricted ones included) is not for anonymous callers to learn."""
    return {
        "index": lambda: _touched(core.index.count()),
        "store": lambda: _touched(core.store.list_documents(filter=_NOTHING, limit=1)),
        "embedder": lambda: {"model": core.embedder.model_id},
    }


def _touched(_: object) -> dict:
    return {}
