from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from shared.domain.models import Principal, Role
from shared.entrypoints.http.deps import AnalyticsServices, AuthenticatedRoute, CurrentPrincipal, Routes, WithAnalytics
from shared.entrypoints.http.routes.monitoring import metrics_reader
from shared.entrypoints.http.schemas import DocumentFiguresOut, QualityOut, UsageOut

router: Routes[AnalyticsServices] = Routes(
    prefix="/api/v1/analytics", tags=["analytics"], route_class=AuthenticatedRoute)

_Day = Annotated[str | None, Query(max_length=10, description="YYYY-MM-DD (UTC, inclusive)")]


@router.get("/usage", response_model=UsageOut)
def usage(principal: CurrentPrincipal, services: WithAnalytics, start: _Day = None, end: _Day = None) -> UsageOut:
    """Queries per day, unique users, latency and the most asked questions (manager and director)."""
    analytics = services.analytics
    first, last = analytics.period(principal, start, end)
    return UsageOut.from_domain(analytics.usage(principal, first, last))


@router.get("/quality", response_model=QualityOut)
def quality(principal: CurrentPrincipal, services: WithAnalytics, start: _Day = None, end: _Day = None) -> QualityOut:
    """Ratings and the share of questions answered 'nothing found' (manager and director)."""
    analytics = services.analytics
    first, last = analytics.period(principal, start, end)
    return QualityOut.from_domain(analytics.quality(principal, first, last))


@router.get("/documents", response_model=DocumentFiguresOut)
def documents(principal: CurrentPrincipal, services: WithAnalytics) -> DocumentFiguresOut:
    """Documents by type, access level and status (manager and director)."""
    figures = services.analytics.documents(principal)
    return DocumentFiguresOut(total=figures.total, by_type=figures.by_type, by_access_level=figures.by_access_level,
                              by_status=figures.by_status)


# Who reads the exposition when the metrics token opened it (a manager+ caller's role was checked already).
_SCRAPER = Principal(id="metrics-scraper", role=Role.MANAGER)


@router.get("/metrics", dependencies=[Depends(metrics_reader)], response_class=Response,
            responses={200: {"content": {"text/plain": {}}, "description": "Prometheus text exposition"}})
def analytics_metrics(services: WithAnalytics) -> Response:
    """Today's (UTC) figures and the document counts as Prometheus gauges, for a manager+ caller or a scraper
    holding the metrics token."""
    return Response(services.analytics.exposition(_SCRAPER), media_type=CONTENT_TYPE_LATEST)
