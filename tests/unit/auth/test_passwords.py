import dataclasses

from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from shared.services.auth.passwords import Passwords


def test_hash_is_argon2id_salted_and_not_the_password(passwords: Passwords) -> None:
    first, second = passwords.hash("mật khẩu dài"), passwords.hash("mật khẩu dài")
    assert first.startswith("$argon2id$") and "mật khẩu dài" not in first
    assert first != second  # a fresh salt every time


def test_verify_accepts_the_password_and_rejects_others(passwords: Passwords) -> None:
    stored = passwords.hash("correct horse")
    assert passwords.verify(stored, "correct horse")
    assert not passwords.verify(stored, "correct horsE")
    assert not passwords.verify(stored, "")


def test_verify_without_a_user_is_false_even_for_any_password(passwords: Passwords) -> None:
    assert not passwords.verify(None, "anything")
    assert not passwords.verify("", "anything")


def test_malformed_stored_hash_is_a_mismatch(passwords: Passwords) -> None:
    assert not passwords.verify("not-a-hash", "anything")


def test_default_hasher_is_memory_hard() -> None:
    hasher = PasswordHasher()
    assert hasher.memory_cost >= 64 * 1024 and hasher.type.name == "ID"


def test_needs_rehash_when_parameters_change(passwords: Passwords) -> None:
    old = passwords.hash("password-1")
    assert not passwords.needs_rehash(old)
    stronger = Passwords(PasswordHasher.from_parameters(dataclasses.replace(CHEAPEST, time_cost=2)))
    assert stronger.needs_rehash(old)
    assert stronger.verify(old, "password-1")  # old hashes keep working until upgraded
