import dataclasses

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from shared.domain.errors import AccessDenied, AuthenticationFailed, InvalidInput, UserExists
from shared.domain.models import Principal, Role
from shared.services.auth.passwords import Passwords
from shared.services.auth.service import AuthService
from tests.fakes.stores import InMemoryUserStore

from .conftest import DIRECTOR, SECRET, FakeClock


@pytest.fixture
def lan(service: AuthService) -> str:
    service.create_user(DIRECTOR, "lan", "mat-khau-cua-lan", Role.MANAGER, "lan@example.vn")
    return "lan"


def test_login_then_authenticate_gives_the_user(service: AuthService, lan: str) -> None:
    issued = service.login("lan", "mat-khau-cua-lan")
    assert issued.token_type == "bearer" and issued.expires_in == 3600
    assert service.authenticate_token(issued.access_token) == Principal(id="lan", role=Role.MANAGER)


def test_usernames_are_case_insensitive(service: AuthService, lan: str) -> None:
    assert service.authenticate_token(service.login("LAN", "mat-khau-cua-lan").access_token).id == "lan"
    with pytest.raises(UserExists):
        service.create_user(DIRECTOR, "Lan", "another-password", Role.GUEST)


@pytest.mark.parametrize(("username", "password"), [("lan", "wrong-password"), ("nobody", "mat-khau-cua-lan"),
                                                    ("x", "short"), ("", "")])
def test_bad_login_fails_with_one_message(service: AuthService, lan: str, username: str,
                                          password: str) -> None:
    with pytest.raises(AuthenticationFailed) as failure:
        service.login(username, password)
    assert str(failure.value) == "invalid username or password"


def test_inactive_user_cannot_log_in(service: AuthService, users: InMemoryUserStore, lan: str) -> None:
    users.set_active("lan", False)
    with pytest.raises(AuthenticationFailed, match="invalid username or password"):
        service.login("lan", "mat-khau-cua-lan")


@pytest.mark.parametrize("revoke", [
    lambda users: users.set_active("lan", False),
    lambda users: users.bump_token_version("lan"),
    lambda users: users.delete_user("lan"),
])
def test_tokens_die_with_their_user_state(service: AuthService, users: InMemoryUserStore, lan: str,
                                          revoke) -> None:
    token = service.login("lan", "mat-khau-cua-lan").access_token
    revoke(users)
    with pytest.raises(AuthenticationFailed):
        service.authenticate_token(token)


def test_token_of_a_deleted_user_does_not_work_for_a_new_namesake(
        service: AuthService, users: InMemoryUserStore, clock: FakeClock, lan: str) -> None:
    old_token = service.login("lan", "mat-khau-cua-lan").access_token
    users.delete_user("lan")
    clock.advance(5)
    service.create_user(DIRECTOR, "lan", "mat-khau-cua-lan", Role.DIRECTOR)
    with pytest.raises(AuthenticationFailed):
        service.authenticate_token(old_token)


def test_token_expires_with_the_clock(service: AuthService, clock: FakeClock, lan: str) -> None:
    token = service.login("lan", "mat-khau-cua-lan").access_token
    clock.advance(3599)
    service.authenticate_token(token)
    clock.advance(1)
    with pytest.raises(AuthenticationFailed):
        service.authenticate_token(token)


def test_principal_carries_the_current_role(service: AuthService, users: InMemoryUserStore, lan: str) -> None:
    token = service.login("lan", "mat-khau-cua-lan").access_token
    user = users.get_user("lan")
    users.delete_user("lan")
    users.create_user(dataclasses.replace(user, role=Role.GUEST))  # demoted, same account
    assert service.authenticate_token(token).role is Role.GUEST


@pytest.mark.parametrize("role", [Role.GUEST, Role.EMPLOYEE, Role.MANAGER])
def test_only_directors_create_users(service: AuthService, role: Role) -> None:
    with pytest.raises(AccessDenied):
        service.create_user(Principal(id="someone", role=role), "newbie", "long-enough-pw", Role.GUEST)


def test_duplicate_user_is_refused(service: AuthService, lan: str) -> None:
    with pytest.raises(UserExists):
        service.create_user(DIRECTOR, "lan", "another-password", Role.GUEST)


@pytest.mark.parametrize(("username", "password", "role", "email"), [
    ("ab", "long-enough", Role.GUEST, None),
    ("x" * 65, "long-enough", Role.GUEST, None),
    ("có dấu", "long-enough", Role.GUEST, None),
    ("a b c", "long-enough", Role.GUEST, None),
    ("valid", "short", Role.GUEST, None),
    ("valid", "x" * 1025, Role.GUEST, None),
    ("valid", "long-enough", "emperor", None),
    ("valid", "long-enough", Role.GUEST, "not-an-email"),
])
def test_create_user_validates_input(service: AuthService, username: str, password: str, role, email) -> None:
    with pytest.raises(InvalidInput):
        service.create_user(DIRECTOR, username, password, role, email)


def test_create_user_takes_role_names_and_stores_a_hash(service: AuthService, users: InMemoryUserStore) -> None:
    service.create_user(DIRECTOR, "an.nguyen-2", "mat-khau-rat-dai", "employee")
    stored = users.get_user("an.nguyen-2")
    assert stored.role is Role.EMPLOYEE and "mat-khau-rat-dai" not in stored.password_hash


def test_bootstrap_admin_generates_a_password_once(service: AuthService, users: InMemoryUserStore) -> None:
    generated = service.bootstrap_admin("admin")
    assert generated and len(generated) >= 16
    assert service.bootstrap_admin("admin") is None
    assert service.bootstrap_admin("admin", "a-different-password") is None  # never resets an existing user
    assert service.authenticate_token(service.login("admin", generated).access_token).role is Role.DIRECTOR


def test_bootstrap_admin_with_a_given_password(service: AuthService) -> None:
    assert service.bootstrap_admin("root", "given-password") is None
    service.login("root", "given-password")
    with pytest.raises(InvalidInput):
        service.bootstrap_admin("other", "short")


def test_login_upgrades_an_outdated_hash(service: AuthService, users: InMemoryUserStore, lan: str) -> None:
    older_parameters = dataclasses.replace(CHEAPEST, parallelism=2, memory_cost=16)
    older = Passwords(PasswordHasher.from_parameters(older_parameters))
    users.set_password_hash("lan", older.hash("mat-khau-cua-lan"))
    service.login("lan", "mat-khau-cua-lan")
    upgraded = users.get_user("lan").password_hash
    assert "p=1" in upgraded and older.verify(upgraded, "mat-khau-cua-lan")


def test_short_secret_is_refused(users, keys) -> None:
    with pytest.raises(ValueError):
        AuthService(users, keys, secret="too-short")
    AuthService(users, keys, secret=SECRET)
