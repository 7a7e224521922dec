
import pytest

from shared.adapters.sqlite_auth import SqliteApiKeyStore, SqliteUserStore
from shared.domain.errors import UserExists
from tests.contract.store_contract import api_key as key
from tests.contract.store_contract import user


def test_user_round_trip_and_conditional_create(users: SqliteUserStore) -> None:
    users.create_user(user())
    assert users.get_user("lan") == user()
    with pytest.raises(UserExists):
        users.create_user(user())
    assert users.get_user("nobody") is None


def test_user_updates_report_whether_the_user_exists(users: SqliteUserStore) -> None:
    users.create_user(user())
    assert users.set_active("lan", False) and not users.get_user("lan").active
    assert users.bump_token_version("lan") and users.get_user("lan").token_version == 1
    assert users.set_password_hash("lan", "new") and users.get_user("lan").password_hash == "new"
    assert users.delete_user("lan") and users.get_user("lan") is None
    assert not any((users.set_active("lan", True), users.bump_token_version("lan"),
                    users.set_password_hash("lan", "x"), users.delete_user("lan")))


def test_keys_by_hash_by_owner_and_revocation(keys: SqliteApiKeyStore) -> None:
    keys.put_key(key("b", minutes=1))
    keys.put_key(key("a"))
    keys.put_key(key("c", owner="other"))
    assert keys.get_key_by_hash("hash-a") == key("a")
    assert keys.get_key_by_hash("hash-zzz") is None
    assert [k.id for k in keys.list_keys("lan")] == ["a", "b"]
    assert not keys.revoke_key("lan", "c")  # not lan's
    assert not keys.get_key_by_hash("hash-c").revoked
    assert keys.revoke_key("lan", "a") and keys.get_key_by_hash("hash-a").revoked
