"""Users and API keys of local mode, in SQLite (stdlib). Both stores may share one file (own tables)."""

from __future__ import annotations

import sqlite3
import threading
from datetime import datetime
from pathlib import Path

from shared.adapters.local.sqlite import open_database
from shared.domain.auth import ApiKeyRecord, User
from shared.domain.errors import UserExists
from shared.domain.models import Role

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    username TEXT PRIMARY KEY, password_hash TEXT NOT NULL, role INTEGER NOT NULL, email TEXT,
    active INTEGER NOT NULL, created_at TEXT NOT NULL, token_version INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS api_keys (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, key_hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL, revoked INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS api_keys_by_owner ON api_keys(owner, created_at);
"""
_USER_COLUMNS = "username, password_hash, role, email, active, created_at, token_version"
_KEY_COLUMNS = "id, owner, name, key_hash, prefix, created_at, expires_at, revoked"


def _connect(path: Path) -> sqlite3.Connection:
    return open_database(path, _SCHEMA)


class SqliteUserStore:
    """UserStore on SQLite. Every method is one statement, hence atomic across processes too."""

    def __init__(self, path: Path) -> None:
        self._db = _connect(path)
        self._lock = threading.Lock()

    def create_user(self, user: User) -> None:
        try:
            with self._lock:  # the primary key makes this the conditional write: no read-then-write race
                self._db.execute(
                    f"INSERT INTO users ({_USER_COLUMNS}) VALUES (?,?,?,?,?,?,?)",
                    (user.username, user.password_hash, int(user.role), user.email, int(user.active),
                     user.created_at.isoformat(), user.token_version))
        except sqlite3.IntegrityError as exc:
            raise UserExists(f"user {user.username!r} already exists") from exc

    def get_user(self, username: str) -> User | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_USER_COLUMNS} FROM users WHERE username = ?",
                                   (username,)).fetchone()
        if row is None:
            return None
        name, password_hash, role, email, active, created, version = row
        return User(username=name, password_hash=password_hash, role=Role(role), email=email,
                    active=bool(active), created_at=datetime.fromisoformat(created), token_version=version)

    def delete_user(self, username: str) -> bool:
        return self._update("DELETE FROM users WHERE username = ?", (username,))

    def set_active(self, username: str, active: bool) -> bool:
        return self._update("UPDATE users SET active = ? WHERE username = ?", (int(active), username))

    def bump_token_version(self, username: str) -> bool:
        return self._update("UPDATE users SET token_version = token_version + 1 WHERE username = ?",
                            (username,))

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        return self._update("UPDATE users SET password_hash = ? WHERE username = ?",
                            (password_hash, username))

    def _update(self, sql: str, params: tuple) -> bool:
        with self._lock:
            return self._db.execute(sql, params).rowcount > 0


class SqliteApiKeyStore:
    """ApiKeyStore on SQLite: looked up by the unique key hash, listed through an (owner, time) index."""

    def __init__(self, path: Path) -> None:
        self._db = _connect(path)
        self._lock = threading.Lock()

    def put_key(self, record: ApiKeyRecord) -> None:
        with self._lock:
            self._db.execute(
                f"INSERT INTO api_keys ({_KEY_COLUMNS}) VALUES (?,?,?,?,?,?,?,?)",
                (record.id, record.owner, record.name, record.key_hash, record.prefix,
                 record.created_at.isoformat(), record.expires_at.isoformat(), int(record.revoked)))

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        with self._lock:
            row = self._db.execute(f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE key_hash = ?",
                                   (key_hash,)).fetchone()
        return _key_from_row(row) if row else None

    def list_keys(self, owner: str) -> list[ApiKeyRecord]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_KEY_COLUMNS} FROM api_keys WHERE owner = ? ORDER BY created_at, id",
                (owner,)).fetchall()
        return [_key_from_row(r) for r in rows]

    def revoke_key(self, owner: str, key_id: str) -> bool:
        with self._lock:  # the owner is part of the condition: nobody revokes another user's key
            return self._db.execute("UPDATE api_keys SET revoked = 1 WHERE id = ? AND owner = ?",
                                    (key_id, owner)).rowcount > 0


def _key_from_row(row: tuple) -> ApiKeyRecord:
    key_id, owner, name, key_hash, prefix, created, expires, revoked = row
    return ApiKeyRecord(id=key_id, owner=owner, name=name, key_hash=key_hash, prefix=prefix,
                        created_at=datetime.fromisoformat(created),
                        expires_at=datetime.fromisoformat(expires), revoked=bool(revoked))
