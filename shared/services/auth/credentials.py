"""Which credential a request carries: one reading for the app and for the API Gateway authorizer.

    Authorization: Bearer <jwt>     a token from /api/v1/auth/login
    Authorization: Bearer sk_…      an API key (a JWT starts with "eyJ", never with the key prefix)
    Authorization: ApiKey sk_…      an API key, named as such
    X-API-Key: sk_…                 an API key, in local mode only: behind API Gateway the authorizer's
                                    cache key is the Authorization header, and a request without it is
                                    refused before any code runs (template.yaml)

Authorization wins when it holds a usable credential; X-API-Key is read only otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.services.auth.api_keys import KEY_PREFIX

_KEY_SCHEMES = frozenset({"apikey", "api-key"})


@dataclass(frozen=True, slots=True)
class Credential:
    kind: Literal["jwt", "api_key"]
    value: str


def read_credential(authorization: str | None, x_api_key: str | None = None) -> Credential | None:
    """The credential in these header values, or None when neither holds one (checked by nobody here)."""
    scheme, _, value = (authorization or "").strip().partition(" ")
    value, scheme = value.strip(), scheme.lower()
    if value and scheme == "bearer":
        return Credential("api_key" if value.startswith(KEY_PREFIX) else "jwt", value)
    if value and scheme in _KEY_SCHEMES:
        return Credential("api_key", value)
    key = (x_api_key or "").strip()
    return Credential("api_key", key) if key else None
