"""FastAPI dependencies: the services container and the authenticated caller."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shared.answering.queries import QueryService
from shared.auth.service import AuthService
from shared.documents import DocumentService
from shared.domain.errors import AuthenticationFailed
from shared.domain.models import Principal

# auto_error=False: a missing credential must produce our own 401 body, not FastAPI's 403.
_bearer = HTTPBearer(auto_error=False, description="JWT from /api/v1/auth/login")
_api_key = APIKeyHeader(name="X-API-Key", auto_error=False, description="sk_… key from /api/v1/auth/api-keys")


@dataclass(frozen=True, slots=True)
class ApiServices:
    auth: AuthService
    queries: QueryService
    documents: DocumentService
    health_checks: dict[str, Callable[[], dict]]
    version: str = "0.1.0"


def get_services(request: Request) -> ApiServices:
    return request.app.state.services


Services = Annotated[ApiServices, Depends(get_services)]


def current_principal(
    services: Services,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    api_key: Annotated[str | None, Depends(_api_key)],
) -> Principal:
    if bearer is not None and bearer.credentials:
        return services.auth.authenticate_token(bearer.credentials)
    if api_key:
        return services.auth.authenticate_api_key(api_key)
    raise AuthenticationFailed("authentication required: send 'Authorization: Bearer <token>' or 'X-API-Key'")


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
