"""Access tokens: JWTs signed with HS256, checked against an injectable clock."""

from __future__ import annotations

import time
import uuid
from typing import Any

import jwt

from shared.domain.auth import TokenClaims
from shared.domain.errors import AuthenticationFailed
from shared.domain.models import Role

ALGORITHM = "HS256"
_REQUIRED = ("exp", "iat", "sub", "role", "jti", "ver")
# Tokens are issued and checked by our own functions, whose clocks are NTP-synced: a few seconds of
# skew on `iat` is all we forgive. Expiry gets no leeway.
_MAX_CLOCK_SKEW_SECONDS = 5
# Signature checked by PyJWT; time claims checked below against the caller's clock, so tests and the
# service can use a fake clock. RFC 7518 §3.2 asks for HS256 keys of at least 32 bytes: enforce it.
_jwt = jwt.PyJWT(options={"verify_exp": False, "verify_iat": False, "verify_nbf": False,
                          "require": list(_REQUIRED), "enforce_minimum_key_length": True})


def issue_token(*, subject: str, role: Role, secret: str, ttl_seconds: int, token_version: int,
                now: float | None = None) -> tuple[str, int]:
    """Sign a token for `subject`; returns it and its lifetime in seconds."""
    issued_at = int(time.time() if now is None else now)
    claims = {"sub": subject, "role": role.label, "iat": issued_at, "exp": issued_at + ttl_seconds,
              "jti": uuid.uuid4().hex, "ver": token_version}
    return _jwt.encode(claims, secret, algorithm=ALGORITHM), ttl_seconds


def decode_token(token: str, secret: str, *, now: float | None = None) -> TokenClaims:
    """Verify signature, algorithm and claims; raises AuthenticationFailed on anything wrong.

    Only HS256 is accepted: a token declaring `none`, another HMAC size or an asymmetric algorithm is
    refused before its signature is even looked at (no algorithm confusion).
    """
    try:
        payload = _jwt.decode(token, secret, algorithms=[ALGORITHM])
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise AuthenticationFailed("invalid token") from exc
    claims = _claims_from(payload)
    current = time.time() if now is None else now
    if current >= claims.expires_at:
        raise AuthenticationFailed("token expired")
    if claims.issued_at > current + _MAX_CLOCK_SKEW_SECONDS:
        raise AuthenticationFailed("invalid token")
    return claims


def _claims_from(payload: dict[str, Any]) -> TokenClaims:
    sub, role, jti = payload["sub"], payload["role"], payload["jti"]
    exp, iat, ver = payload["exp"], payload["iat"], payload["ver"]
    if not all(isinstance(v, str) and v for v in (sub, role, jti)):
        raise AuthenticationFailed("invalid token")
    # bool is an int subclass: `true` must not pass as a version or a time.
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (exp, iat, ver)):
        raise AuthenticationFailed("invalid token")
    try:
        parsed_role = Role.parse(role)
    except ValueError as exc:
        raise AuthenticationFailed("invalid token") from exc
    return TokenClaims(subject=sub, role=parsed_role, token_id=jti, version=ver, issued_at=iat,
                       expires_at=exp)
