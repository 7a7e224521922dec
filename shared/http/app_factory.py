"""create_app: one FastAPI app per deployment unit, with the shared plumbing (errors, docs, health)."""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter, FastAPI

from shared.http.deps import ApiServices
from shared.http.errors import register_error_handlers
from shared.http.routes import auth, documents, feedback, health, query

ALL_ROUTERS: tuple[APIRouter, ...] = (auth.router, query.router, documents.router, feedback.router)


def create_app(services: ApiServices, *, routers: Sequence[APIRouter] = ALL_ROUTERS, title: str = "vnrag") -> FastAPI:
    app = FastAPI(title=title, version=services.version, docs_url="/api/docs", redoc_url=None,
                  openapi_url="/api/openapi.json",
                  description="Vietnamese question answering over your documents, with numbered citations.")
    app.state.services = services  # DI without a framework; tests pass their own services
    register_error_handlers(app)
    app.include_router(health.router)
    for router in routers:
        app.include_router(router)
    return app
