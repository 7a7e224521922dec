"""The SQLite auth stores on real files (their behaviour is also the store contract's, tests/contract)."""

from pathlib import Path

import pytest

from shared.adapters.sqlite_auth import SqliteApiKeyStore, SqliteUserStore


@pytest.fixture
def users(tmp_path: Path) -> SqliteUserStore:
    return SqliteUserStore(tmp_path / "auth.sqlite")


@pytest.fixture
def keys(tmp_path: Path) -> SqliteApiKeyStore:
    return SqliteApiKeyStore(tmp_path / "auth.sqlite")
