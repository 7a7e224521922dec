"""The auth use cases: log in, authenticate a token or an API key, manage keys and users."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from shared.domain.auth import ApiKeyRecord, IssuedToken, User
from shared.domain.errors import AccessDenied, ApiKeyNotFound, AuthenticationFailed, InvalidInput, UserExists
from shared.domain.models import Principal, Role
from shared.domain.rbac import require_director
from shared.services.auth import api_keys, validation
from shared.services.auth.passwords import Passwords
from shared.services.auth.tokens import decode_token, issue_token

if TYPE_CHECKING:  # type-only: keeps numpy (imported by shared.ports) out of the auth function's cold start
    from shared.ports import ApiKeyStore, UserStore

_BAD_LOGIN = "invalid username or password"  # one message for every cause: no username enumeration
_BAD_KEY = "invalid API key"
_MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash


class AuthService:
    """Stateless over its stores; safe to share between requests and threads.

    Principals carry the user's *current* role from the store, so a role change or a deactivation takes
    effect on the next request, not when the token expires.
    """

    def __init__(self, users: UserStore, keys: ApiKeyStore, *, secret: str, token_ttl_seconds: int = 3600,
                 clock: Callable[[], float] = time.time, passwords: Passwords | None = None) -> None:
        if len(secret.encode()) < _MIN_SECRET_BYTES:
            raise ValueError(f"the JWT secret must be at least {_MIN_SECRET_BYTES} bytes")
        self._users, self._keys = users, keys
        self._secret, self._ttl, self._clock = secret, token_ttl_seconds, clock
        self._passwords = passwords or Passwords()

    def login(self, username: str, password: str) -> IssuedToken:
        """A bearer token for valid credentials of an active user; AuthenticationFailed otherwise."""
        try:
            user = self._users.get_user(validation.clean_username(username))
        except InvalidInput:  # a name we could never have created: still burn the hash time
            user = None
        # Always verify (a dummy hash when there is no user) so every failure takes the same time.
        verified = self._passwords.verify(user.password_hash if user else None, password)
        if not verified or user is None or not user.active:
            raise AuthenticationFailed(_BAD_LOGIN)
        if self._passwords.needs_rehash(user.password_hash):  # parameters were raised since: upgrade now
            self._users.set_password_hash(user.username, self._passwords.hash(password))
        token, expires_in = issue_token(subject=user.username, role=user.role, secret=self._secret,
                                        ttl_seconds=self._ttl, token_version=user.token_version,
                                        now=self._clock())
        return IssuedToken(access_token=token, expires_in=expires_in)

    def authenticate_token(self, token: str) -> Principal:
        """The caller behind a valid token whose user still exists, is active and has not revoked it."""
        claims = decode_token(token, self._secret, now=self._clock())
        user = self._users.get_user(claims.subject)
        # `iat` before the user's creation means the token belonged to an earlier, deleted namesake.
        if (user is None or not user.active or user.token_version != claims.version
                or claims.issued_at < int(user.created_at.timestamp())):
            raise AuthenticationFailed("token revoked")
        return Principal(id=user.username, role=user.role)

    def create_api_key(self, principal: Principal, name: str, expires_in_days: int, *,
                       authenticated_by_api_key: bool = False) -> tuple[ApiKeyRecord, str]:
        """A new key of `principal`: its record and its plaintext, which is never available again.

        A caller authenticated by an API key may not mint more: a leaked key must not be able to outlive
        its own revocation or expiry by creating successors (AccessDenied).
        """
        if authenticated_by_api_key:
            raise AccessDenied("api keys cannot create api keys; log in with a password to create one")
        name = validation.clean_key_name(name)
        days = validation.check_key_days(expires_in_days)
        key, now = api_keys.generate_api_key(), self._now()
        record = ApiKeyRecord(id=uuid.uuid4().hex, owner=principal.id, name=name,
                              key_hash=api_keys.hash_api_key(key), prefix=api_keys.display_prefix(key),
                              created_at=now, expires_at=now + timedelta(days=days))
        self._keys.put_key(record)
        return record, key

    def list_api_keys(self, principal: Principal) -> list[ApiKeyRecord]:
        """The caller's keys (hashes and prefixes only; the plaintext is never stored)."""
        return self._keys.list_keys(principal.id)

    def revoke_api_key(self, principal: Principal, key_id: str) -> None:
        """Revoke one of the caller's keys; ApiKeyNotFound if the caller has no key with that id."""
        if not self._keys.revoke_key(principal.id, key_id):
            raise ApiKeyNotFound(f"no API key {key_id!r}")

    def authenticate_api_key(self, key: str) -> Principal:
        """The owner of a live key, with the owner's current role; AuthenticationFailed otherwise."""
        if not api_keys.is_well_formed(key):
            raise AuthenticationFailed(_BAD_KEY)
        record = self._keys.get_key_by_hash(api_keys.hash_api_key(key))
        if record is None or not api_keys.matches(key, record.key_hash) or not record.is_usable(self._now()):
            raise AuthenticationFailed(_BAD_KEY)
        owner = self._users.get_user(record.owner)
        if owner is None or not owner.active or record.created_at < owner.created_at:
            raise AuthenticationFailed(_BAD_KEY)
        return Principal(id=owner.username, role=owner.role)

    def create_user(self, actor: Principal, username: str, password: str, role: Role | str,
                    email: str | None = None) -> User:
        """Only directors create users. Raises AccessDenied, InvalidInput or UserExists."""
        require_director(actor, "only a director can create users")
        user = User(username=validation.clean_username(username),
                    password_hash=self._passwords.hash(validation.check_password(password)),
                    role=validation.clean_role(role), email=validation.clean_email(email),
                    created_at=self._now())
        self._users.create_user(user)
        return user

    def bootstrap_admin(self, username: str, password: str | None = None) -> str | None:
        """Create director `username` unless it exists (then do nothing, never reset its password).

        Returns the generated password when none was given, for the operator to note once; else None.
        """
        name = validation.clean_username(username)
        if self._users.get_user(name) is not None:
            return None
        generated = secrets.token_urlsafe(16) if password is None else None
        password_hash = self._passwords.hash(validation.check_password(password or generated or ""))
        user = User(username=name, password_hash=password_hash, role=Role.DIRECTOR, created_at=self._now())
        try:
            self._users.create_user(user)
        except UserExists:  # another instance bootstrapped it between our read and our write
            return None
        return generated

    def _now(self) -> datetime:
        return datetime.fromtimestamp(self._clock(), UTC)
