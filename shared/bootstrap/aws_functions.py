"""Cold starts of the Lambda functions: settings from the environment (validated once), the JWT secret fetched
once, then the AWS composition root (shared/bootstrap/aws.py). functions/*/app.py call these with no
arguments; tests pass settings, prebuilt clients (moto, the fake OpenSearch), an embedder and analyzer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI

from shared.adapters.aws.clients import AwsClients
from shared.adapters.aws.secrets import with_jwt_secret
from shared.bootstrap.aws import (
    build_analytics,
    build_auth,
    build_aws_api,
    build_aws_core,
    build_ingestion,
    build_writers,
)
from shared.config_aws import AuthorizerSettings, AwsSettings
from shared.ports import Analyzer, Embedder, Generator
from shared.services.auth.passwords import Passwords

if TYPE_CHECKING:  # the handlers' type only: importing entry.py configures the loggers, the functions' job
    from shared.entrypoints.aws_lambda.entry import Handler


def create_aws_app(*, stream: bool = False, settings: AwsSettings | None = None, clients: AwsClients | None = None,
                   embedder: Embedder | None = None, analyzer: Analyzer | None = None,
                   generator: Generator | None = None, passwords: Passwords | None = None,
                   clock: Callable[[], float] = time.time) -> FastAPI:
    """The FastAPI app of the query function (`stream=False`) or of the stream function."""
    from shared.entrypoints.http import upload_route
    from shared.entrypoints.http.app_factory import COMMON_ROUTERS, create_app

    settings = settings or AwsSettings()  # from the environment
    clients = clients or AwsClients.for_settings(settings)
    settings = with_jwt_secret(settings, client_factory=_factory(clients))
    core = build_aws_core(settings, clients, embedder=embedder, analyzer=analyzer, generator=generator, stream=stream)
    if core.resources is not None:
        core.resources.refresh()  # at cold start: the restorer and catalogue (logged with its load time)
    app = create_app(build_aws_api(settings, clients, core=core, passwords=passwords, clock=clock),
                      routers=(*COMMON_ROUTERS, upload_route.router))
    if stream:  # served by uvicorn, outside any Lambda handler that would flush its EMF metrics
        from shared.entrypoints.aws_lambda.entry import FlushMetricsPerRequest

        app.add_middleware(FlushMetricsPerRequest)
    return app


def create_ingest_handler(*, settings: AwsSettings | None = None, clients: AwsClients | None = None,
                          embedder: Embedder | None = None, analyzer: Analyzer | None = None) -> Handler:
    """The ingest function: the write side only (no answerer, no model client, no query resources)."""
    from shared.entrypoints.aws_lambda.ingest_events import (
        is_scheduled,
        make_ingest_handler,
        purge_on_schedule,
    )

    settings = settings or AwsSettings()  # from the environment
    clients = clients or AwsClients.for_settings(settings)
    writers = build_writers(settings, clients, embedder=embedder, analyzer=analyzer)
    # Not at import: a cold start must not fail on the index. The index creates itself before its first
    # write in this process, whichever function writes (shared/adapters/aws/opensearch/index.py).
    batch = make_ingest_handler(build_ingestion(settings, clients, writers.ingestor))

    def handle(event: dict, context: Any) -> dict:
        # The timer purges; a batch does not purge again at its end: each write already purges first,
        # and what the batch itself retired is still inside the grace period then.
        if is_scheduled(event):
            return purge_on_schedule(writers.index)
        return batch(event, context)

    return handle


def create_authorizer(*, settings: AuthorizerSettings | None = None, clients: AwsClients | None = None,
                      passwords: Passwords | None = None) -> Handler:
    from shared.entrypoints.aws_lambda.authorizer import make_authorizer

    settings = settings or AuthorizerSettings()  # from the environment
    clients = clients or AwsClients.for_settings(settings)
    settings = with_jwt_secret(settings, client_factory=_factory(clients))
    return make_authorizer(build_auth(settings, clients, passwords=passwords))


def create_analytics_app(*, settings: AuthorizerSettings | None = None, clients: AwsClients | None = None,
                         passwords: Passwords | None = None) -> FastAPI:
    """The analytics routes alone (usage, quality, document figures: manager and director)."""
    from shared.entrypoints.http.app_factory import create_app_of
    from shared.entrypoints.http.deps import AnalyticsServices
    from shared.entrypoints.http.routes import analytics

    settings = settings or AuthorizerSettings()  # from the environment
    clients = clients or AwsClients.for_settings(settings)
    settings = with_jwt_secret(settings, client_factory=_factory(clients))
    services = AnalyticsServices(auth=build_auth(settings, clients, passwords=passwords), health_checks={},
                                 analytics=build_analytics(settings.table_name, clients))
    return create_app_of(services, (analytics.router,), title="vnrag analytics")


def _factory(clients: AwsClients) -> Callable[..., Any]:
    """The secret readers' client factory, over the function's clients (one per service)."""
    return lambda service, **_: clients.get(service)
