import dataclasses
from datetime import timedelta

import pytest

from shared.domain.errors import AccessDenied, ApiKeyNotFound, AuthenticationFailed, InvalidInput
from shared.domain.models import Principal, Role
from shared.services.auth import api_keys
from shared.services.auth.service import AuthService
from tests.fakes.stores import InMemoryApiKeyStore, InMemoryUserStore

from .conftest import DIRECTOR, FakeClock

LAN = Principal(id="lan", role=Role.MANAGER)


@pytest.fixture(autouse=True)
def lan(service: AuthService) -> None:
    service.create_user(DIRECTOR, "lan", "mat-khau-cua-lan", Role.MANAGER)


def test_key_shape_and_hash() -> None:
    key = api_keys.generate_api_key()
    assert key.startswith("sk_") and len(key) == 46 and api_keys.is_well_formed(key)
    assert api_keys.hash_api_key(key) != key and len(api_keys.hash_api_key(key)) == 64
    assert api_keys.matches(key, api_keys.hash_api_key(key))
    assert not api_keys.matches(api_keys.generate_api_key(), api_keys.hash_api_key(key))
    assert api_keys.display_prefix(key) == key[:11]


def test_key_is_shown_once_and_stored_hashed(service: AuthService, keys: InMemoryApiKeyStore) -> None:
    record, key = service.create_api_key(LAN, "  báo cáo  ", 30)
    stored = keys.get_key_by_hash(api_keys.hash_api_key(key))
    assert stored == record and record.name == "báo cáo" and key.startswith(record.prefix)
    assert all(key not in str(value) for value in dataclasses.astuple(stored))
    assert record.expires_at - record.created_at == timedelta(days=30)


def test_key_authenticates_as_its_owner_with_the_current_role(service: AuthService) -> None:
    _, key = service.create_api_key(LAN, "ci", 7)
    assert service.authenticate_api_key(key) == LAN


def test_listing_shows_no_secrets(service: AuthService, clock: FakeClock) -> None:
    _, key_one = service.create_api_key(LAN, "one", 1)
    clock.advance(1)
    _, key_two = service.create_api_key(LAN, "two", 2)
    service.create_api_key(DIRECTOR, "not lan's", 2)
    listed = service.list_api_keys(LAN)
    assert [r.name for r in listed] == ["one", "two"]
    for secret in (key_one, key_two):
        assert all(secret not in repr(record) for record in listed)


def test_revoked_key_is_rejected(service: AuthService) -> None:
    record, key = service.create_api_key(LAN, "ci", 7)
    service.revoke_api_key(LAN, record.id)
    service.revoke_api_key(LAN, record.id)  # idempotent
    with pytest.raises(AuthenticationFailed):
        service.authenticate_api_key(key)
    assert service.list_api_keys(LAN)[0].revoked


def test_expired_key_is_rejected(service: AuthService, clock: FakeClock) -> None:
    _, key = service.create_api_key(LAN, "ci", 1)
    clock.advance(86_399)
    service.authenticate_api_key(key)
    clock.advance(1)
    with pytest.raises(AuthenticationFailed):
        service.authenticate_api_key(key)


def test_cannot_revoke_another_users_key(service: AuthService) -> None:
    service.bootstrap_admin(DIRECTOR.id, "mat-khau-giam-doc")
    record, key = service.create_api_key(DIRECTOR, "boss key", 7)
    with pytest.raises(ApiKeyNotFound):
        service.revoke_api_key(LAN, record.id)
    with pytest.raises(ApiKeyNotFound):
        service.revoke_api_key(LAN, "no-such-id")
    assert service.authenticate_api_key(key) == DIRECTOR


@pytest.mark.parametrize("change", [lambda u: u.delete_user("lan"), lambda u: u.set_active("lan", False)])
def test_key_of_a_deleted_or_inactive_user_is_rejected(
        service: AuthService, users: InMemoryUserStore, change) -> None:
    _, key = service.create_api_key(LAN, "ci", 7)
    change(users)
    with pytest.raises(AuthenticationFailed):
        service.authenticate_api_key(key)


def test_key_of_a_deleted_user_does_not_work_for_a_new_namesake(
        service: AuthService, users: InMemoryUserStore, clock: FakeClock) -> None:
    _, key = service.create_api_key(LAN, "ci", 7)
    users.delete_user("lan")
    clock.advance(1)
    service.create_user(DIRECTOR, "lan", "mat-khau-moi-cua-lan", Role.DIRECTOR)
    with pytest.raises(AuthenticationFailed):
        service.authenticate_api_key(key)


@pytest.mark.parametrize("key", ["", "sk_", "sk_short", "pk_" + "a" * 43, "sk_" + "a" * 42 + "!",
                                 "sk_" + "a" * 44, "Bearer sk_" + "a" * 43])
def test_malformed_or_unknown_keys_are_rejected(service: AuthService, key: str) -> None:
    with pytest.raises(AuthenticationFailed):
        service.authenticate_api_key(key)


def test_unknown_well_formed_key_is_rejected(service: AuthService) -> None:
    with pytest.raises(AuthenticationFailed):
        service.authenticate_api_key(api_keys.generate_api_key())


@pytest.mark.parametrize(("name", "days"), [("", 7), ("   ", 7), ("x" * 101, 7), ("ok", 0), ("ok", 366),
                                            ("ok", -1), ("ok", True), ("ok", 1.5)])
def test_create_key_validates_input(service: AuthService, name: str, days) -> None:
    with pytest.raises(InvalidInput):
        service.create_api_key(LAN, name, days)


def test_key_boundaries_are_accepted(service: AuthService) -> None:
    service.create_api_key(LAN, "x" * 100, 365)
    service.create_api_key(LAN, "y", 1)


def test_a_caller_authenticated_by_an_api_key_cannot_mint_keys(service: AuthService) -> None:
    with pytest.raises(AccessDenied, match="api keys cannot create api keys"):
        service.create_api_key(LAN, "child", 7, authenticated_by_api_key=True)
    assert service.list_api_keys(LAN) == []
