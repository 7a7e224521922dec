from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from shared.http.deps import Services

router = APIRouter(prefix="/api/v1", tags=["health"])


@router.get("/health")
def health(services: Services) -> JSONResponse:
    """Status of the service and of each dependency; 503 when any of them fails."""
    checks = {}
    for name, check in services.health_checks.items():
        try:
            checks[name] = {"status": "ok", **check()}
        except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
            checks[name] = {"status": "error", "error": type(exc).__name__}
    healthy = all(c["status"] == "ok" for c in checks.values())
    body = {"status": "ok" if healthy else "degraded", "version": services.version,
            "timestamp": datetime.now(UTC).isoformat(), "checks": checks}
    return JSONResponse(body, status_code=200 if healthy else 503)
