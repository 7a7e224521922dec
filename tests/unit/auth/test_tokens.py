import base64
import json

import jwt
import pytest

from shared.domain.errors import AuthenticationFailed
from shared.domain.models import Role
from shared.services.auth.tokens import decode_token, issue_token

from .conftest import SECRET

NOW = 1_750_000_000


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def claims(**overrides: object) -> dict:
    base = {"sub": "lan", "role": "manager", "iat": NOW, "exp": NOW + 60, "jti": "abc", "ver": 0}
    return {k: v for k, v in {**base, **overrides}.items() if v is not None}


def guest_token(subject: str) -> str:
    token, _ = issue_token(subject=subject, role=Role.GUEST, secret=SECRET, ttl_seconds=60, token_version=0,
                           now=NOW)
    return token


def test_round_trip() -> None:
    token, expires_in = issue_token(subject="lan", role=Role.MANAGER, secret=SECRET, ttl_seconds=600,
                                    token_version=3, now=NOW)
    got = decode_token(token, SECRET, now=NOW + 10)
    assert expires_in == 600
    assert (got.subject, got.role, got.version) == ("lan", Role.MANAGER, 3)
    assert (got.issued_at, got.expires_at) == (NOW, NOW + 600) and len(got.token_id) == 32


def test_every_token_has_its_own_id() -> None:
    one = guest_token("a")
    two = guest_token("a")
    assert decode_token(one, SECRET, now=NOW).token_id != decode_token(two, SECRET, now=NOW).token_id


def test_alg_none_is_rejected() -> None:
    unsigned = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims(role='director'))}."
    with pytest.raises(AuthenticationFailed):
        decode_token(unsigned, SECRET, now=NOW)


@pytest.mark.parametrize("alg", ["HS512", "HS384"])
def test_other_hmac_algorithms_are_rejected(alg: str) -> None:
    token = jwt.encode(claims(), SECRET, algorithm=alg)
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET, now=NOW)


def test_token_declaring_rs256_is_rejected() -> None:
    # Algorithm confusion: an RS256 header with an HMAC signature made with the shared secret.
    header_payload = f"{b64({'alg': 'RS256', 'typ': 'JWT'})}.{b64(claims())}"
    signature = jwt.algorithms.HMACAlgorithm(jwt.algorithms.HMACAlgorithm.SHA256).sign(
        header_payload.encode(), SECRET.encode())
    token = f"{header_payload}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET, now=NOW)


def test_wrong_key_is_rejected() -> None:
    token = jwt.encode(claims(), "another-secret-of-enough-length-0123456789", algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET, now=NOW)


def test_expired_token_is_rejected() -> None:
    token = guest_token("lan")
    decode_token(token, SECRET, now=NOW + 59)
    with pytest.raises(AuthenticationFailed, match="expired"):
        decode_token(token, SECRET, now=NOW + 60)


def test_expired_by_the_real_clock_when_no_clock_is_given() -> None:
    token = jwt.encode(claims(iat=NOW - 100, exp=NOW - 40), SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET)


def test_token_from_the_future_is_rejected() -> None:
    token = jwt.encode(claims(iat=NOW + 3600, exp=NOW + 7200), SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET, now=NOW)


def test_tampered_role_with_the_original_signature_is_rejected() -> None:
    token = guest_token("lan")
    header, payload, signature = token.split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["role"] = "director"
    with pytest.raises(AuthenticationFailed):
        decode_token(f"{header}.{b64(body)}.{signature}", SECRET, now=NOW)


@pytest.mark.parametrize("missing", ["exp", "iat", "sub", "role", "jti", "ver"])
def test_missing_claim_is_rejected(missing: str) -> None:
    token = jwt.encode(claims(**{missing: None}), SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET, now=NOW)


@pytest.mark.parametrize("bad", [{"role": "emperor"}, {"role": 3}, {"ver": True}, {"ver": "0"},
                                 {"exp": "9999999999"}, {"sub": ""}, {"sub": 42}])
def test_malformed_claims_are_rejected(bad: dict) -> None:
    token = jwt.encode(claims(**bad), SECRET, algorithm="HS256")
    with pytest.raises(AuthenticationFailed):
        decode_token(token, SECRET, now=NOW)


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c", "Bearer x.y.z", "e30.e30.e30", "...."])
def test_garbage_is_rejected(garbage: str) -> None:
    with pytest.raises(AuthenticationFailed):
        decode_token(garbage, SECRET, now=NOW)
