from pathlib import Path

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from shared.adapters.sqlite_auth import SqliteApiKeyStore, SqliteUserStore
from shared.auth.passwords import Passwords
from shared.auth.service import AuthService
from shared.domain.models import Principal, Role
from tests.fakes.clock import FakeClock

SECRET = "unit-test-secret-" + "0123456789abcdef" * 3  # 65 bytes: long enough for HS512 too
DIRECTOR = Principal(id="boss", role=Role.DIRECTOR)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(scope="session")
def passwords() -> Passwords:
    # argon2's cheapest parameters: the same code path, without 64 MiB and 50 ms per hash.
    return Passwords(PasswordHasher.from_parameters(CHEAPEST))


@pytest.fixture
def users(tmp_path: Path) -> SqliteUserStore:
    return SqliteUserStore(tmp_path / "auth.sqlite")


@pytest.fixture
def keys(tmp_path: Path) -> SqliteApiKeyStore:
    return SqliteApiKeyStore(tmp_path / "auth.sqlite")


@pytest.fixture
def service(users: SqliteUserStore, keys: SqliteApiKeyStore, clock: FakeClock,
            passwords: Passwords) -> AuthService:
    return AuthService(users, keys, secret=SECRET, token_ttl_seconds=3600, clock=clock, passwords=passwords)
