"""Values of the auth core: users, API key records, token claims. Frozen dataclasses, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.domain.models import Role


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class User:
    """A login. `token_version` is copied into every token; bumping it revokes them all."""

    username: str
    password_hash: str
    role: Role
    email: str | None = None
    active: bool = True
    created_at: datetime = field(default_factory=_now)
    token_version: int = 0


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    """What the store keeps of an API key: its SHA-256, never the key itself.

    `prefix` is the first few characters of the key, enough for a person to tell keys apart in a list.
    """

    id: str
    owner: str
    name: str
    key_hash: str
    prefix: str
    created_at: datetime
    expires_at: datetime
    revoked: bool = False

    def is_usable(self, now: datetime) -> bool:
        return not self.revoked and now < self.expires_at


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """The verified content of an access token. Times are Unix seconds."""

    subject: str
    role: Role
    token_id: str
    version: int
    issued_at: int
    expires_at: int


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A freshly issued access token, shaped like an OAuth2 token response."""

    access_token: str
    expires_in: int
    token_type: str = "bearer"
