from __future__ import annotations

from fastapi import status

from shared.domain.models import AccessLevel, Role
from shared.domain.rbac import highest_level_for, is_manager
from shared.entrypoints.http.deps import AuthenticatedRoute, ByApiKey, Common, CommonServices, CurrentPrincipal, Routes
from shared.entrypoints.http.schemas import (
    ApiKeyCreatedOut,
    ApiKeyIn,
    ApiKeyOut,
    LoginIn,
    MeOut,
    TokenOut,
    UserIn,
    UserOut,
)

router: Routes[CommonServices] = Routes(prefix="/api/v1/auth", tags=["auth"], route_class=AuthenticatedRoute)


@router.post("/login", response_model=TokenOut)
def login(body: LoginIn, services: Common) -> TokenOut:
    issued = services.auth.login(body.username, body.password)
    return TokenOut(access_token=issued.access_token, expires_in=issued.expires_in)


@router.get("/me", response_model=MeOut)
def who_am_i(principal: CurrentPrincipal) -> MeOut:
    """The caller's role and what it may read and do (the browser pages show what fits it)."""
    levels = [level.label for level in AccessLevel if level <= highest_level_for(principal.role)]
    return MeOut(id=principal.id, role=principal.role.label, access_levels=levels,
                 can_manage_documents=is_manager(principal))


@router.post("/api-keys", response_model=ApiKeyCreatedOut, status_code=status.HTTP_201_CREATED)
def create_api_key(body: ApiKeyIn, principal: CurrentPrincipal, by_api_key: ByApiKey,
                   services: Common) -> ApiKeyCreatedOut:
    record, key = services.auth.create_api_key(principal, body.name, body.expires_in_days,
                                               authenticated_by_api_key=by_api_key)
    return ApiKeyCreatedOut(id=record.id, name=record.name, api_key=key, expires_at=record.expires_at)


@router.get("/api-keys", response_model=list[ApiKeyOut])
def list_api_keys(principal: CurrentPrincipal, services: Common) -> list[ApiKeyOut]:
    return [ApiKeyOut(id=k.id, name=k.name, prefix=k.prefix, created_at=k.created_at, expires_at=k.expires_at,
                      revoked=k.revoked) for k in services.auth.list_api_keys(principal)]


@router.delete("/api-keys/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
def revoke_api_key(key_id: str, principal: CurrentPrincipal, services: Common) -> None:
    services.auth.revoke_api_key(principal, key_id)


@router.post("/users", response_model=UserOut, status_code=status.HTTP_201_CREATED)
def create_user(body: UserIn, principal: CurrentPrincipal, services: Common) -> UserOut:
    user = services.auth.create_user(principal, body.username, body.password, Role.parse(body.role), body.email)
    return UserOut(username=user.username, role=user.role.label, email=user.email)
