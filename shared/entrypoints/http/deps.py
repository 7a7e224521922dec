"""FastAPI dependencies: the services container and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, TypeVar

from fastapi import APIRouter, Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shared.domain.errors import AuthenticationFailed
from shared.domain.models import Principal
from shared.observability import NullTelemetry
from shared.ports import Telemetry
from shared.services.analytics import Analytics
from shared.services.answering.queries import QueryService
from shared.services.auth.credentials import read_credential
from shared.services.auth.service import AuthService
from shared.services.documents import DocumentService
from shared.services.upload_urls import UploadUrls

# auto_error=False: a missing credential must produce our own 401 body, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="JWT from /api/v1/auth/login, or an sk_… API key "
                     "(the form API Gateway's authorizer needs; 'ApiKey sk_…' works too)")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False,
                        description="sk_… key from /api/v1/auth/api-keys (local mode; behind API Gateway send it "
                                    "in Authorization)")


@dataclass(frozen=True, slots=True, kw_only=True)
class CommonServices:
    """What the routes every app mounts read: the caller's authentication, the health checks and the version,
    and the scraper's token that opens the metrics routes."""

    auth: AuthService
    health_checks: dict[str, Callable[[], dict]]
    version: str = "0.1.0"
    metrics_token: str | None = None  # a scraper's bearer token for GET /metrics (besides manager+ callers)


@dataclass(frozen=True, slots=True, kw_only=True)
class AnalyticsServices(CommonServices):
    """The analytics routes' services: what the analytics function serves alone."""

    analytics: Analytics


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiServices(AnalyticsServices):
    """The whole API's services: local mode and the query and stream functions."""

    queries: QueryService
    documents: DocumentService
    telemetry: Telemetry = field(default_factory=NullTelemetry)
    upload_urls: UploadUrls | None = None  # presigned uploads into the drop folder (AWS mode with a bucket)


_Reads = TypeVar("_Reads", bound=CommonServices, contravariant=True)


class Routes(APIRouter, Generic[_Reads]):
    """A router whose routes read services of the kind `_Reads` (through the matching dependency below).

    create_app mounts it only over services of that kind or a richer one, so the type checker proves that
    each app's services hold what the routes it serves read; a route never meets a part its app lacks."""


def get_services(request: Request) -> CommonServices:
    return request.app.state.services


# One dependency per kind of services, for the routes of a Routes of that kind.
Common = Annotated[CommonServices, Depends(get_services)]
WithAnalytics = Annotated[AnalyticsServices, Depends(get_services)]
Services = Annotated[ApiServices, Depends(get_services)]


_PRINCIPAL, _BY_API_KEY = "principal", "authenticated_by_api_key"


def authenticate(request: Request) -> Principal:
    """The caller behind the request's credential (shared/services/auth/credentials.py); AuthenticationFailed if none.

    Every request is authenticated here against the store, also behind API Gateway's authorizer: its
    cached allow admits a caller to the stage, and the role read here decides what the caller may do.
    The outcome is kept on the request, so the route's dependency does not authenticate a second time.
    """
    cached = getattr(request.state, _PRINCIPAL, None)
    if cached is not None:
        return cached
    auth = get_services(request).auth
    credential = read_credential(request.headers.get("Authorization"), request.headers.get("X-API-Key"))
    if credential is None:
        raise AuthenticationFailed("authentication required: send 'Authorization: Bearer <token or API key>'")
    by_key = credential.kind == "api_key"
    principal = auth.authenticate_api_key(credential.value) if by_key else auth.authenticate_token(credential.value)
    setattr(request.state, _PRINCIPAL, principal)
    setattr(request.state, _BY_API_KEY, by_key)
    return principal


def current_principal(
    request: Request,
    # Declared for the OpenAPI security schemes; `authenticate` reads the same headers.
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    return authenticate(request)


def authenticated_by_api_key(principal: Annotated[Principal, Depends(current_principal)], request: Request) -> bool:
    """True when the caller sent an API key rather than a bearer token."""
    return bool(getattr(request.state, _BY_API_KEY, False))


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
ByApiKey = Annotated[bool, Depends(authenticated_by_api_key)]


class AuthenticatedRoute(APIRoute):
    """A route that authenticates before its body is read or validated.

    FastAPI parses the body before it solves dependencies, so without this an anonymous caller sending
    malformed JSON or multipart would get a 400/422 instead of the 401 every protected route owes it.
    Routes without the `current_principal` dependency (login) are left as they are.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if not _needs_principal(self.dependant):
            return handler

        async def authenticate_first(request: Request) -> Response:
            await run_in_threadpool(authenticate, request)
            return await handler(request)

        return authenticate_first


def _needs_principal(dependant: Dependant) -> bool:
    return any(d.call is current_principal or _needs_principal(d) for d in dependant.dependencies)
