"""Where Mangum and the Powertools decorators meet: every Lambda entry is wrapped here, the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from starlette.types import ASGIApp, Receive, Scope, Send

from shared.observability import get_tracer, logger, metrics

Handler = Callable[[dict, Any], Any]
API_GATEWAY_REST = correlation_paths.API_GATEWAY_REST

copy_config_to_registered_loggers(source_logger=logger)  # the core's stdlib loggers log JSON too


def observed(handler: Handler, *, correlation_id_path: str | None = None) -> Handler:
    """`handler` under the fixed decorator stack: structured logs with the request id, traces, EMF metrics."""
    tracer = get_tracer()

    @logger.inject_lambda_context(correlation_id_path=correlation_id_path, clear_state=True)
    @tracer.capture_lambda_handler(capture_response=False)
    @metrics.log_metrics(capture_cold_start_metric=True)
    def lambda_handler(event: dict, context: Any) -> Any:
        return handler(event, context)

    return lambda_handler


class FlushMetricsPerRequest:
    """ASGI middleware for the app served outside a Lambda handler (the stream function: uvicorn under the
    Lambda Web Adapter). No `@metrics.log_metrics` runs there, and Powertools flushes by itself only once 100
    metrics have piled up: a request's EMF metrics would then be written minutes later, mixed with other
    requests', or never when the environment is recycled. Flushed once the response, stream included, is sent."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http" and metrics.metric_set:
                metrics.flush_metrics()


class StagePrefix:
    """ASGI middleware: a REST API called on its execute-api host serves each stage under /<stage>, which the
    event's path leaves out. Mangum gives the app no root_path, so the links the app writes itself (/api/docs
    loading /api/openapi.json, the OpenAPI `servers`) missed the /dev prefix. Behind a custom domain the stage
    is not in the URL and nothing changes."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        context = (scope.get("aws.event") or {}).get("requestContext") or {}
        stage, host = context.get("stage"), context.get("domainName") or ""
        if scope["type"] == "http" and stage and ".execute-api." in host and host.endswith(".amazonaws.com"):
            prefix = f"/{stage}"  # ASGI: `path` includes `root_path`; the routes see the path without it
            scope = {**scope, "root_path": prefix, "path": prefix + scope["path"]}
        await self.app(scope, receive, send)


def lambda_entrypoint(app: ASGIApp) -> Handler:
    """An ASGI app (FastAPI) as an API Gateway REST proxy handler."""
    from mangum import Mangum

    return observed(Mangum(StagePrefix(app), lifespan="off"), correlation_id_path=API_GATEWAY_REST)
