"""Password hashing with argon2id (memory-hard, so GPU guessing of a leaked table stays expensive)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError


class Passwords:
    """Hashes and verifies passwords. The default hasher is argon2-cffi's, i.e. RFC 9106's low-memory
    argon2id profile (t=3, 64 MiB, p=4); tests pass a cheaper one.
    """

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        # Verified against when the user does not exist, so a login for an unknown username costs the
        # same time as one with a wrong password and timing does not reveal which usernames exist.
        # Made on first use: functions that only check tokens never pay for it at cold start.
        self._dummy_hash: str | None = None

    def hash(self, password: str) -> str:
        """An argon2id PHC string (salt and parameters included); differs on every call."""
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True if `password` matches. `None` (no such user) burns the same time and returns False.

        The comparison inside argon2 is constant-time; a malformed stored hash is a mismatch.
        """
        try:
            matched = self._hasher.verify(password_hash or self._dummy(), password)
        except (VerificationError, InvalidHashError):  # VerifyMismatchError is a VerificationError
            return False
        return matched and bool(password_hash)

    def _dummy(self) -> str:
        if self._dummy_hash is None:  # a race only computes it twice: harmless
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def needs_rehash(self, password_hash: str) -> bool:
        """True if the hash was made with other parameters than the current ones (upgrade it at login)."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True
