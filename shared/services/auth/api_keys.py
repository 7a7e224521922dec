"""API keys: `sk_` + 256 random bits, shown once, stored as their SHA-256.

A slow KDF (argon2, bcrypt) protects low-entropy secrets such as passwords from guessing. A key with
256 bits of entropy cannot be guessed whatever the hash speed, so a plain SHA-256 is enough, and it
keeps the lookup by hash a single key/value read on every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

KEY_PREFIX = "sk_"
_DISPLAY_CHARS = 8  # "sk_" + 8 characters: enough to tell keys apart, ~48 of the 256 bits
_KEY_SHAPE = re.compile(r"sk_[A-Za-z0-9_-]{43}")  # token_urlsafe(32) is 43 base64url characters


def generate_api_key() -> str:
    """A new key; the only time its plaintext exists on our side."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    """Hex SHA-256 of the key: what the store keeps and looks keys up by."""
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """The part of a key that may be shown in lists."""
    return key[: len(KEY_PREFIX) + _DISPLAY_CHARS]


def is_well_formed(key: str) -> bool:
    """True if `key` has the shape of a key we issue (cheap reject before any store read)."""
    return isinstance(key, str) and _KEY_SHAPE.fullmatch(key) is not None


def matches(key: str, key_hash: str) -> bool:
    """Constant-time check of a key against a stored hash.

    The store lookup by hash already matched, and its timing can only leak bits of a hash (not of the
    key); the compare here is a second check that leaks nothing either.
    """
    return hmac.compare_digest(hash_api_key(key), key_hash)
