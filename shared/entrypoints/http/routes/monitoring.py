"""`GET /metrics`: Prometheus text, for a manager+ caller or a scraper holding the metrics token. The page that
draws the analytics, `/dashboard`, is one of the browser pages (`shared.entrypoints.http.web`)."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

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
