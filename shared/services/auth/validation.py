"""Checks on what callers give the auth service. Each returns the cleaned value or raises InvalidInput."""

from __future__ import annotations

import re

from shared.domain.errors import InvalidInput
from shared.domain.models import Role

_USERNAME = re.compile(r"[a-z0-9._-]{3,64}")
MIN_PASSWORD_CHARS = 8
# argon2 pre-hashes any length, but an unbounded field is a cheap way to make us hash megabytes.
MAX_PASSWORD_CHARS = 1024
MAX_KEY_NAME_CHARS = 100
MAX_KEY_DAYS = 365


def clean_username(username: str) -> str:
    """Lower-cased, so `Admin` and `admin` cannot be two different accounts."""
    folded = username.strip().lower() if isinstance(username, str) else ""
    if not _USERNAME.fullmatch(folded):
        raise InvalidInput("username must be 3 to 64 characters: letters, digits, '.', '_' or '-'")
    return folded


def check_password(password: str) -> str:
    if not isinstance(password, str) or not MIN_PASSWORD_CHARS <= len(password) <= MAX_PASSWORD_CHARS:
        raise InvalidInput(f"password must be {MIN_PASSWORD_CHARS} to {MAX_PASSWORD_CHARS} characters")
    return password


def clean_role(role: Role | str) -> Role:
    try:
        return Role.parse(role)
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(f"unknown role {role!r}") from exc


def clean_email(email: str | None) -> str | None:
    """Optional; when given, a plausible address (the HTTP layer may check it more strictly)."""
    if email is None or not email.strip():
        return None
    email = email.strip()
    local, at, domain = email.rpartition("@")
    if not at or not local or "." not in domain or len(email) > 254 or any(c.isspace() for c in email):
        raise InvalidInput("email is not a valid address")
    return email


def clean_key_name(name: str) -> str:
    cleaned = name.strip() if isinstance(name, str) else ""
    if not 1 <= len(cleaned) <= MAX_KEY_NAME_CHARS:
        raise InvalidInput(f"key name must be 1 to {MAX_KEY_NAME_CHARS} characters")
    return cleaned


def check_key_days(days: int) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_KEY_DAYS:
        raise InvalidInput(f"expires_in_days must be a whole number from 1 to {MAX_KEY_DAYS}")
    return days
