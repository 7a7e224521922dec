"""Where the JWT signing secret comes from: settings, or in development a file made once and reused."""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from pathlib import Path

from shared.config import AuthSettings

SECRET_FILE = "jwt-secret"
_MIN_CHARS = 32


def resolve_jwt_secret(settings: AuthSettings, data_dir: Path) -> str:
    """The configured secret; in development without one, the secret in `data_dir/jwt-secret`, created
    (random, mode 0600) on first use so tokens survive restarts. Production without one is a ValueError.
    """
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    if settings.environment == "production":
        raise ValueError("VNRAG_JWT_SECRET is required in production")
    path = data_dir / SECRET_FILE
    existing = _read(path)
    if existing is not None:
        return existing
    data_dir.mkdir(parents=True, exist_ok=True)
    # Written to a private temporary file, then hard-linked into place: the link fails if another process
    # won the race, and nobody ever reads a half-written secret.
    fd, tmp = tempfile.mkstemp(dir=data_dir, prefix=".jwt-secret-")  # mkstemp creates it 0600
    try:
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(48))
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    secret = _read(path)
    if secret is None:
        raise ValueError(f"{path} holds no usable secret (at least {_MIN_CHARS} characters)")
    return secret


def _read(path: Path) -> str | None:
    try:
        secret = path.read_text().strip()
    except FileNotFoundError:
        return None
    if path.stat().st_mode & (stat.S_IRWXG | stat.S_IRWXO):  # someone loosened it: take it back
        path.chmod(0o600)
    return secret if len(secret) >= _MIN_CHARS else None
