"""The HTTP app of local mode: the shared routers over the embedded services."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import FastAPI

from shared.adapters.sqlite_activity import SqliteActivityStore
from shared.adapters.sqlite_analytics import SqliteAnalyticsStore
from shared.adapters.sqlite_auth import SqliteApiKeyStore, SqliteUserStore
from shared.adapters.sqlite_counters import SqliteCounterStore
from shared.analytics import Analytics
from shared.answering.queries import QueryService
from shared.auth.passwords import Passwords
from shared.auth.secrets import resolve_jwt_secret
from shared.auth.service import AuthService
from shared.bootstrap import LocalServices, build_local_services
from shared.config import LocalSettings
from shared.documents import DocumentService
from shared.domain.models import AccessLevel, SearchFilter
from shared.http.app_factory import create_app
from shared.http.deps import ApiServices
from shared.observability import Telemetry, configure
from shared.ports import Embedder
from shared.rate_limit import RateLimiter

_NOTHING = SearchFilter(max_access_level=AccessLevel.PUBLIC, document_ids=frozenset())  # a query that reads no row


def _touched(_: object) -> dict:
    return {}


@dataclass(frozen=True, slots=True)
class LocalApi:
    app: FastAPI
    services: ApiServices
    core: LocalServices


def build_local_api(settings: LocalSettings, *, embedder: Embedder | None = None,
                    passwords: Passwords | None = None, clock: Callable[[], float] = time.time) -> LocalApi:
    """The local app over `settings.data_dir`. Tests may pass an embedder, a cheaper password hasher and the
    clock (it freezes the rate limiter's window and dates the queries and ratings the analytics count)."""
    configure(settings.service_name)
    core = build_local_services(settings, embedder=embedder)
    data = settings.data_dir
    auth = AuthService(SqliteUserStore(data / "auth.sqlite"), SqliteApiKeyStore(data / "auth.sqlite"),
                       secret=resolve_jwt_secret(settings, data), token_ttl_seconds=settings.token_ttl_seconds,
                       passwords=passwords)
    limiter = RateLimiter(SqliteCounterStore(data / "counters.sqlite", clock=clock),
                          limit=settings.rate_limit_per_minute, window_seconds=60, clock=clock)
    telemetry = Telemetry(log_query_text=settings.log_query_text)

    def now() -> datetime:
        return datetime.fromtimestamp(clock(), UTC)

    analytics = Analytics(SqliteAnalyticsStore(data / "analytics.sqlite"), core.store, now=now)
    services = ApiServices(
        auth=auth,
        queries=QueryService(answerer=core.answerer, activity=SqliteActivityStore(
                                 data / "activity.sqlite", retention_days=settings.query_log_ttl_days, clock=clock),
                             limiter=limiter, telemetry=telemetry, analytics=analytics, now=now),
        documents=DocumentService(ingestor=core.ingestor, telemetry=telemetry),
        # Each check touches its dependency but reports no counts: health is public, and how many
        # documents exist (restricted ones included) is not for anonymous callers to learn.
        health_checks={
            "index": lambda: _touched(core.index.count()),
            "store": lambda: _touched(core.store.list_documents(filter=_NOTHING, limit=1)),
            "embedder": lambda: {"model": core.embedder.model_id},
        },
        analytics=analytics,
        telemetry=telemetry,
        metrics_token=settings.metrics_token.get_secret_value() if settings.metrics_token else None,
    )
    return LocalApi(app=create_app(services, cors_origins=settings.cors_origins), services=services, core=core)


def create_local_app(settings: LocalSettings) -> FastAPI:
    return build_local_api(settings).app

