from __future__ import annotations

from datetime import UTC, datetime

from fastapi.responses import JSONResponse

from shared.entrypoints.http.deps import Common, CommonServices, Routes
from shared.entrypoints.http.errors import error_body

router: Routes[CommonServices] = Routes(prefix="/api/v1", tags=["health"])


@router.get("/health")
def health(services: Common) -> JSONResponse:
    """Status of the service and of each dependency; 503 when any of them fails. Open to anonymous callers,
    so the checks say whether a dependency works, never what it holds (no document or chunk counts)."""
    checks = {}
    for name, check in services.health_checks.items():
        try:
            checks[name] = {"status": "ok", **check()}
        except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
            checks[name] = {"status": "error", "error": type(exc).__name__}
    failing = [name for name, c in checks.items() if c["status"] != "ok"]
    body = {"status": "degraded" if failing else "ok", "version": services.version,
            "timestamp": datetime.now(UTC).isoformat(), "checks": checks}
    if failing:  # a 503 like every other error: with the {"error": ...} body
        body.update(error_body("unavailable", f"failing: {', '.join(failing)}"))
    return JSONResponse(body, status_code=503 if failing else 200)
