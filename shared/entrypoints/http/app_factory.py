"""create_app: one FastAPI app per deployment unit, with the shared plumbing (errors, docs, health, request logs)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any, TypeVar

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.entrypoints.http.deps import ApiServices, CommonServices, Routes
from shared.entrypoints.http.errors import register_error_handlers
from shared.entrypoints.http.routes import analytics, auth, documents, feedback, health, monitoring, query
from shared.entrypoints.http.web import router as web_router
from shared.observability import correlation_id_from, logger, request_id

# What every deployment of the API serves; local mode adds the upload that ingests in its own process.
COMMON_ROUTERS: tuple[Routes[ApiServices], ...] = (auth.router, query.router, documents.router, feedback.router,
                                                   analytics.router, monitoring.router)
ALL_ROUTERS: tuple[Routes[ApiServices], ...] = (*COMMON_ROUTERS, documents.upload_router)
REQUEST_ID_HEADER = "X-Request-ID"

S = TypeVar("S", bound=CommonServices)


def create_app(services: ApiServices, *, routers: Sequence[Routes[ApiServices]] = ALL_ROUTERS,
               cors_origins: Sequence[str] = ()) -> FastAPI:
    """The whole API (local mode, the query and stream functions)."""
    return create_app_of(services, routers, title="vnrag", cors_origins=cors_origins)


def create_app_of(services: S, routers: Sequence[Routes[S]], *, title: str,
                  cors_origins: Sequence[str] = ()) -> FastAPI:
    """An app serving `routers` (besides health and the pages) over `services`. Each router reads services of its
    own kind (`Routes`), and `services` must be of every such kind: mypy checks it here, where each app is
    assembled ("Cannot infer value of type parameter" names a router that reads more than `services` holds)."""
    # /api/docs is shared/entrypoints/http/web.py's page (Swagger UI from a pinned package, no CDN), not FastAPI's.
    app = _Api(title=title, version=services.version, docs_url=None, redoc_url=None,
                 openapi_url="/api/openapi.json",
                 description="Vietnamese question answering over your documents, with numbered citations.")
    app.state.services = services  # DI without a framework; tests pass their own services
    register_error_handlers(app)
    app.add_middleware(RequestContext)
    if cors_origins:
        # Bearer tokens and API keys travel in headers, never cookies: credentials are not allowed, which is
        # also what makes "*" safe to honour.
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_credentials=False,
                           allow_methods=["GET", "POST", "DELETE"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type", REQUEST_ID_HEADER],
                           expose_headers=[REQUEST_ID_HEADER, "Retry-After"], max_age=600)
    app.include_router(health.router)
    app.include_router(web_router)
    for router in routers:
        app.include_router(router)
    return app


ERROR_SCHEMA = {
    "title": "ErrorResponse", "type": "object", "required": ["error"],
    "properties": {"error": {
        "type": "object", "required": ["code", "message", "timestamp"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                       "timestamp": {"type": "string", "format": "date-time"},
                       "field": {"type": "string"},
                       "details": {"type": "array", "items": {"type": "object"}}}}},
}


ERROR_REF = {"$ref": "#/components/schemas/ErrorResponse"}


class _Api(FastAPI):
    """FastAPI whose OpenAPI document says what a 422 really carries: our {"error": {...}} body, not FastAPI's
    default {"detail": [...]} (which the error handlers never send)."""

    def openapi(self) -> dict[str, Any]:
        if self.openapi_schema is None:
            self.openapi_schema = _with_error_bodies(super().openapi())
        return self.openapi_schema


def _with_error_bodies(schema: dict[str, Any]) -> dict[str, Any]:
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            response = operation.get("responses", {}).get("422") if isinstance(operation, dict) else None
            if response is not None:
                response["content"] = {"application/json": {"schema": ERROR_REF}}
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.pop("HTTPValidationError", None)
    components.pop("ValidationError", None)
    components["ErrorResponse"] = ERROR_SCHEMA
    return schema


class RequestContext:
    """Gives each request a correlation id (the caller's X-Request-ID when sane, else a new one), returns it
    in the response's X-Request-ID, and writes one structured log line per request: method, path, status,
    duration, and the caller's id and role once authenticated."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = dict(scope.get("headers") or []).get(REQUEST_ID_HEADER.lower().encode("latin-1"))
        rid = correlation_id_from(sent.decode("latin-1") if sent else None)
        token = request_id.set(rid)
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []),
                                      (REQUEST_ID_HEADER.lower().encode("latin-1"), rid.encode("latin-1"))]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            principal = (scope.get("state") or {}).get("principal")
            logger.info("request", extra={
                "request_id": rid, "method": scope.get("method"), "path": scope.get("path"), "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                "principal_id": getattr(principal, "id", None),
                "role": principal.role.label if principal is not None else None})
            request_id.reset(token)
