"""Domain errors → HTTP, in one place. Every 4xx/5xx body is {"error": {"code", "message", "timestamp", ...}}.

Adapters translate their SDK's outages into DependencyUnavailable (a 503) at the boundary; any other exception
reaching here is a bug: a 500 whose details stay in the log."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.domain import errors

log = logging.getLogger(__name__)

_STATUS: dict[type[errors.DomainError], int] = {
    errors.AuthenticationFailed: 401,
    errors.AccessDenied: 403,
    errors.DocumentNotFound: 404,
    errors.QueryNotFound: 404,
    errors.ApiKeyNotFound: 404,
    errors.UserExists: 409,
    errors.RateLimited: 429,
    errors.DocumentTooLarge: 413,
    errors.UnsupportedFormat: 415,
    errors.UploadByUrlOnly: 405,
    errors.InvalidInput: 422,
    errors.InvalidQuery: 422,
    errors.EmptyDocument: 422,
    errors.CorruptDocument: 422,
    errors.ModelUnavailable: 503,
    errors.DependencyUnavailable: 503,
}
_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "payload_too_large", 415: "unsupported_media_type",
               422: "validation_error", 429: "rate_limited", 500: "internal_error", 503: "unavailable"}


def error_body(code: str, message: str, **extra: object) -> dict:
    return {"error": {"code": code, "message": message, "timestamp": datetime.now(UTC).isoformat(), **extra}}


def status_for(exc: errors.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in _STATUS:
            return _STATUS[cls]
    return 400


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, errors.DomainError)  # registered for DomainError only
    status = status_for(exc)
    headers = {}
    if isinstance(exc, errors.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    elif isinstance(exc, errors.DependencyUnavailable):
        headers["Retry-After"] = "1"
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    if isinstance(exc, errors.UploadByUrlOnly):
        headers["Allow"] = "GET"
    extra = {"field": "query"} if isinstance(exc, errors.InvalidQuery) else {}
    return JSONResponse(error_body(exc.code, str(exc), **extra), status_code=status, headers=headers)


_LOCATIONS = frozenset({"body", "query", "path", "header", "cookie"})
_MAX_DETAILS = 20  # a list of 10,000 bad items must not echo back 10,000 errors


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for it only
    errors_ = exc.errors()
    if any(e.get("loc") == ("body",) and isinstance(e.get("input"), bytes) for e in errors_):
        # FastAPI hands a body it did not parse as JSON (another content type) to validation as raw bytes.
        return JSONResponse(error_body("unsupported_media_type", "send the body as application/json",
                                       field="body"), status_code=415)
    details = [{"field": _field(e), "message": e.get("msg", "invalid"), "type": e.get("type", "")}
               for e in errors_[:_MAX_DETAILS]]
    first = details[0] if details else {"field": "body", "message": "invalid request"}
    return JSONResponse(error_body("validation_error", f"{first['field']}: {first['message']}",
                                   field=first["field"], details=details), status_code=422)


def _field(error: dict) -> str:
    """The offending field as a dotted path (`filters.document_ids.3`), without the request location."""
    loc = list(error.get("loc", ()))
    if error.get("type") == "json_invalid":  # its loc ends with a character offset, not a field
        return "body"
    if loc and loc[0] in _LOCATIONS:
        loc = loc[1:]
    return ".".join(str(p) for p in loc) or "body"


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)  # registered for it only
    code = _HTTP_CODES.get(exc.status_code, "error")
    return JSONResponse(error_body(code, str(exc.detail)), status_code=exc.status_code,
                        headers=getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return JSONResponse(error_body("internal_error", "internal error"), status_code=500)


def register_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(errors.DomainError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
