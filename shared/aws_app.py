"""Cold-start factories of the Lambda functions: settings from the environment (validated once), the
JWT secret fetched once, then the AWS composition root. functions/*/app.py call these with no
arguments; tests pass settings, prebuilt clients (moto, the fake OpenSearch), an embedder and analyzer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared.bootstrap_aws import (
    AwsClients,
    build_analytics,
    build_auth,
    build_aws_api,
    build_aws_core,
    build_ingestion,
    build_upload_urls,
)
from shared.config_aws import AuthorizerSettings, AwsSettings
from shared.secrets_aws import with_jwt_secret


def _core(settings: AwsSettings, clients: AwsClients, stream: bool, embedder: Any, analyzer: Any,
          generator: Any) -> Any:
    return build_aws_core(settings, clients, embedder=embedder, analyzer=analyzer, generator=generator,
                          stream=stream)


def create_aws_app(*, stream: bool = False, settings: AwsSettings | None = None, clients: AwsClients | None = None,
                   embedder: Any = None, analyzer: Any = None, generator: Any = None, passwords: Any = None,
                   clock: Callable[[], float] = time.time) -> Any:
    """The FastAPI app of the query function (`stream=False`) or of the stream function."""
    from shared.http import upload_route
    from shared.http.app_factory import COMMON_ROUTERS, create_app

    settings = settings or AwsSettings()
    clients = clients or AwsClients.for_settings(settings)
    settings = with_jwt_secret(settings, client_factory=lambda service, **_: clients.get(service))
    core = _core(settings, clients, stream, embedder, analyzer, generator)
    if core.resources is not None:
        core.resources.refresh()  # at cold start: the restorer and catalogue (logged with its load time)
    app = create_app(build_aws_api(settings, clients, core=core, passwords=passwords, clock=clock),
                     routers=(*COMMON_ROUTERS, upload_route.router))
    if settings.documents_bucket:
        app.state.upload_urls = build_upload_urls(settings, clients, core=core)
    if stream:  # served by uvicorn, outside any Lambda handler that would flush its EMF metrics
        from shared.http.lambda_entry import FlushMetricsPerRequest

        app.add_middleware(FlushMetricsPerRequest)
    return app


def create_ingest_handler(*, settings: AwsSettings | None = None, clients: AwsClients | None = None,
                          embedder: Any = None, analyzer: Any = None) -> Any:
    from shared.ingest_events import is_scheduled, make_ingest_handler, purge_on_schedule

    settings = settings or AwsSettings()
    clients = clients or AwsClients.for_settings(settings)
    core = _core(settings, clients, False, embedder, analyzer, generator=_no_generation())
    # Not at import: a cold start must not fail on the index. The index creates itself before its first
    # write in this process, whichever function writes (shared/adapters/opensearch_index.py).
    batch = make_ingest_handler(build_ingestion(settings, clients, core=core, ensure_index=False))

    def handle(event: dict, context: Any) -> dict:
        # The timer purges; a batch does not purge again at its end: each write already purges first,
        # and what the batch itself retired is still inside the grace period then.
        if is_scheduled(event):
            return purge_on_schedule(core.index)
        return batch(event, context)

    return handle


def create_authorizer(*, settings: AuthorizerSettings | None = None, clients: AwsClients | None = None,
                      passwords: Any = None) -> Any:
    from shared.http.authorizer import make_authorizer

    settings = settings or AuthorizerSettings()
    clients = clients or AwsClients.for_settings(settings)
    settings = with_jwt_secret(settings, client_factory=lambda service, **_: clients.get(service))
    return make_authorizer(build_auth(settings, clients, passwords=passwords))


def create_analytics_app(*, settings: AuthorizerSettings | None = None, clients: AwsClients | None = None,
                         passwords: Any = None) -> Any:
    """The analytics routes alone (usage, quality, document figures: manager and director)."""
    from shared.adapters.dynamodb_documents import DynamoDBDocumentStore
    from shared.http.app_factory import create_app
    from shared.http.deps import ApiServices
    from shared.http.routes import analytics

    settings = settings or AuthorizerSettings()
    clients = clients or AwsClients.for_settings(settings)
    settings = with_jwt_secret(settings, client_factory=lambda service, **_: clients.get(service))
    catalog = DynamoDBDocumentStore(settings.table_name, client=clients.get("dynamodb"))
    services = ApiServices(auth=build_auth(settings, clients, passwords=passwords),
                           queries=None, documents=None,  # type: ignore[arg-type] - no such routes here
                           health_checks={}, analytics=build_analytics(settings, clients, catalog=catalog))
    return create_app(services, routers=(analytics.router,), title="vnrag analytics")


def _no_generation() -> Any:
    """The ingest function never answers questions: it needs no model client."""
    from shared.answering.extractive import ExtractiveGenerator

    return ExtractiveGenerator(1)
