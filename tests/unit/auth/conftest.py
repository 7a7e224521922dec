import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from shared.domain.models import Principal, Role
from shared.services.auth.passwords import Passwords
from shared.services.auth.service import AuthService
from tests.fakes.clock import FakeClock
from tests.fakes.stores import InMemoryApiKeyStore, InMemoryUserStore

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
def users() -> InMemoryUserStore:
    return InMemoryUserStore()


@pytest.fixture
def keys() -> InMemoryApiKeyStore:
    return InMemoryApiKeyStore()


@pytest.fixture
def service(users: InMemoryUserStore, keys: InMemoryApiKeyStore, clock: FakeClock,
            passwords: Passwords) -> AuthService:
    return AuthService(users, keys, secret=SECRET, token_ttl_seconds=3600, clock=clock, passwords=passwords)
