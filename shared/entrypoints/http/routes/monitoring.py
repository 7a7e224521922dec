"""`GET /metrics` (Prometheus text, for a manager+ caller or a scraper holding the metrics token) and
`GET /dashboard` (a page that draws the analytics; it holds no figures itself, it fetches them with the
caller's token)."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST

from shared.entrypoints.http.dashboard_page import DASHBOARD_HTML
from shared.entrypoints.http.deps import ApiServices, Routes, Services, authenticate, get_services
from shared.services.analytics import require_reader

router: Routes[ApiServices] = Routes(tags=["monitoring"])


def _scraper_token_matches(request: Request) -> bool:
    expected = get_services(request).metrics_token
    if not expected:
        return False
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        token.strip().encode("utf-8"), expected.encode("utf-8"))


async def metrics_reader(request: Request) -> None:
    """The metrics token (VNRAG_METRICS_TOKEN) as a bearer token, or a manager+ caller's own credentials."""
    if _scraper_token_matches(request):
        return
    principal = await run_in_threadpool(authenticate, request)
    require_reader(principal)


@router.get("/metrics", dependencies=[Depends(metrics_reader)], response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"}})
def prometheus_metrics(services: Services) -> Response:
    return Response(services.telemetry.prometheus_text(), media_type=CONTENT_TYPE_LATEST)


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard() -> HTMLResponse:
    return HTMLResponse(DASHBOARD_HTML, headers={"Cache-Control": "no-store"})
