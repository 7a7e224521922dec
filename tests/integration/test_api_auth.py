"""/api/v1/auth through the real app: login, forged and broken tokens, API keys, users."""

from __future__ import annotations

import base64
import json
import secrets
import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.integration.api_harness import PASSWORD, SECRET, Harness, assert_error, fuzz, without_timestamp

LOGIN = "/api/v1/auth/login"
KEYS = "/api/v1/auth/api-keys"
USERS = "/api/v1/auth/users"
DOCUMENTS = "/api/v1/documents"


def _b64(data: dict | bytes) -> str:
    raw = data if isinstance(data, bytes) else json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _claims(harness: Harness, role: str) -> dict:
    return jwt.decode(harness.tokens[role], SECRET, algorithms=["HS256"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# --- login ---------------------------------------------------------------------------------------------


def test_login_returns_a_signed_bearer_token_with_the_contract_claims(harness: Harness) -> None:
    response = harness.client.post(LOGIN, json={"username": "manager", "password": PASSWORD})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in"}
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert jwt.get_unverified_header(body["access_token"])["alg"] == "HS256"
    claims = jwt.decode(body["access_token"], SECRET, algorithms=["HS256"])
    assert {"sub", "role", "exp", "iat", "jti"} <= set(claims)
    assert claims["sub"] == "manager" and claims["role"] == "manager"
    assert claims["exp"] - claims["iat"] == 3600 and abs(claims["iat"] - time.time()) < 60
    other = harness.client.post(LOGIN, json={"username": "manager", "password": PASSWORD}).json()
    assert jwt.decode(other["access_token"], SECRET, algorithms=["HS256"])["jti"] != claims["jti"]
    assert harness.client.get(DOCUMENTS, headers=_bearer(body["access_token"])).status_code == 200


def test_login_failures_are_one_indistinct_401(harness: Harness) -> None:
    wrong_password = harness.client.post(LOGIN, json={"username": "guest", "password": "not-the-password"})
    unknown_user = harness.client.post(LOGIN, json={"username": "nobody-here", "password": PASSWORD})
    impossible_name = harness.client.post(LOGIN, json={"username": "tên có dấu", "password": PASSWORD})
    for response in (wrong_password, unknown_user, impossible_name):
        assert_error(response, 401, "unauthorized")
        assert response.headers["WWW-Authenticate"] == "Bearer"
    assert without_timestamp(wrong_password) == without_timestamp(unknown_user) == without_timestamp(impossible_name)


def test_username_is_case_insensitive_at_login(harness: Harness) -> None:
    assert harness.client.post(LOGIN, json={"username": "  Guest ", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    ({"username": "guest"}, "password"),
    ({"password": PASSWORD}, "username"),
    ({"username": "", "password": PASSWORD}, "username"),
    ({"username": "guest", "password": PASSWORD, "remember": True}, "remember"),
    ({"username": "guest", "password": "x" * 1025}, "password"),
])
def test_login_validation_names_the_field(harness: Harness, body: dict, field: str) -> None:
    error = assert_error(harness.client.post(LOGIN, json=body), 422, "validation_error")
    assert error["field"] == field


# --- tokens: every forgery is a 401 ---------------------------------------------------------------------


def _forged_tokens(harness: Harness) -> dict[str, str]:
    now = int(time.time())
    guest = _claims(harness, "guest")
    header, payload, signature = harness.tokens["guest"].split(".")
    as_director = {**guest, "role": "director"}
    return {
        "alg none": f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({**guest, 'role': 'director'})}.",
        "alg none, upper case": f"{_b64({'alg': 'NONE', 'typ': 'JWT'})}.{_b64(as_director)}.",
        "alg none keeping the signature": f"{_b64({'alg': 'none'})}.{payload}.{signature}",
        "wrong key": jwt.encode(as_director, secrets.token_urlsafe(48), algorithm="HS256"),
        "wrong key, same claims": jwt.encode(guest, "k" * 64, algorithm="HS256"),
        "HS512 with the real key": jwt.encode(guest, SECRET, algorithm="HS512"),
        "expired": jwt.encode({**guest, "iat": now - 7200, "exp": now - 3600}, SECRET, algorithm="HS256"),
        "expired a second ago": jwt.encode({**guest, "exp": now - 1}, SECRET, algorithm="HS256"),
        "tampered role": f"{header}.{_b64(as_director)}.{signature}",
        "tampered subject": f"{header}.{_b64({**guest, 'sub': 'director'})}.{signature}",
        "signature stripped": f"{header}.{payload}.",
        "issued in the future": jwt.encode({**guest, "iat": now + 3600, "exp": now + 7200}, SECRET,
                                           algorithm="HS256"),
        "no jti": jwt.encode({k: v for k, v in guest.items() if k != "jti"}, SECRET, algorithm="HS256"),
        "unknown role": jwt.encode({**guest, "role": "root"}, SECRET, algorithm="HS256"),
        "unknown user": jwt.encode({**guest, "sub": "ghost"}, SECRET, algorithm="HS256"),
        "exp as text": jwt.encode({**guest, "exp": str(now + 3600)}, SECRET, algorithm="HS256"),
        "not a jwt": "not-a-token",
        "two parts": f"{header}.{payload}",
        "bad base64": f"{header}.!!!.{signature}",
        "payload not json": f"{header}.{_b64(b'not json')}.{signature}",
        "huge": "a" * 8000,
    }


def test_every_forged_or_broken_token_is_401(harness: Harness) -> None:
    for name, token in _forged_tokens(harness).items():
        for method, path in (("GET", DOCUMENTS), ("POST", USERS)):
            response = harness.client.request(method, path, headers=_bearer(token),
                                              json={"username": "intruder", "password": PASSWORD, "role": "director"})
            assert response.status_code == 401, (name, response.text)
            assert_error(response, 401, "unauthorized")
    assert harness.client.get(DOCUMENTS, headers=harness.headers("guest")).status_code == 200  # the real one works


def test_the_role_claim_is_not_trusted_even_when_validly_signed(harness: Harness) -> None:
    # Whoever holds the key could sign any role; the role always comes from the user store instead.
    claims = {**_claims(harness, "guest"), "role": "director"}
    token = jwt.encode(claims, SECRET, algorithm="HS256")
    response = harness.client.post(USERS, headers=_bearer(token),
                                   json={"username": "intruder", "password": PASSWORD, "role": "director"})
    assert_error(response, 403, "forbidden")


@pytest.mark.parametrize("authorization", ["Basic Z3Vlc3Q6cGFzcw==", "Bearer", "Bearer ", "Token abc", "bearer"])
def test_unusable_authorization_headers_are_401(harness: Harness, authorization: str) -> None:
    assert_error(harness.client.get(DOCUMENTS, headers={"Authorization": authorization}), 401, "unauthorized")


# --- anonymous callers: 401 everywhere but health and login ------------------------------------------

PROTECTED = [
    ("POST", "/api/v1/query", {"json": {"query": "thời hạn nuôi con nuôi"}}),
    ("POST", "/api/v1/query", {"content": b"{not json", "headers": {"content-type": "application/json"}}),
    ("POST", "/api/v1/query", {"json": {"query": ""}}),
    ("POST", "/api/v1/query/stream", {"json": {"query": "thời hạn nuôi con nuôi"}}),
    ("POST", "/api/v1/query/stream", {"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}),
    ("GET", "/api/v1/documents", {}),
    ("GET", "/api/v1/documents?limit=100000", {}),
    ("GET", "/api/v1/documents/some-id", {}),
    ("DELETE", "/api/v1/documents/some-id", {}),
    ("POST", "/api/v1/documents", {"files": {"file": ("a.txt", "Điều 1. Nội dung".encode())}}),
    ("POST", "/api/v1/documents", {"content": b"garbage", "headers": {"content-type": "multipart/form-data"}}),
    ("POST", "/api/v1/feedback", {"json": {"query_id": "q", "rating": 5}}),
    ("POST", "/api/v1/feedback", {"json": {"query_id": "q", "rating": 9}}),
    ("POST", KEYS, {"json": {"name": "k"}}),
    ("GET", KEYS, {}),
    ("DELETE", f"{KEYS}/some-id", {}),
    ("POST", USERS, {"json": {"username": "someone", "password": PASSWORD, "role": "guest"}}),
    ("POST", USERS, {"json": {}}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), PROTECTED, ids=[f"{m} {p} {i}" for i, (m, p, _) in
                                                                          enumerate(PROTECTED)])
def test_anonymous_callers_get_401_before_anything_else(harness: Harness, method: str, path: str,
                                                        kwargs: dict) -> None:
    response = harness.client.request(method, path, **kwargs)
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"] == "Bearer"


def test_health_and_login_need_no_credentials(harness: Harness) -> None:
    assert harness.client.get("/api/v1/health").status_code == 200
    assert harness.client.post(LOGIN, json={"username": "guest", "password": PASSWORD}).status_code == 200


# --- API keys --------------------------------------------------------------------------------------------


def test_api_key_lifecycle(harness: Harness) -> None:
    harness.add_user("key-owner", "employee")
    token = harness.login("key-owner")
    created = harness.client.post(KEYS, json={"name": "báo cáo tự động", "expires_in_days": 30},
                                  headers=_bearer(token))
    assert created.status_code == 201
    body = created.json()
    key = body["api_key"]
    assert key.startswith("sk_") and len(key) > 40 and body["name"] == "báo cáo tự động"
    expires = datetime.fromisoformat(body["expires_at"])
    assert abs(expires - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=5)

    # The key authenticates like a token, with the owner's role.
    as_key = harness.client.get(DOCUMENTS, headers={"X-API-Key": key})
    assert as_key.status_code == 200
    assert as_key.json() == harness.client.get(DOCUMENTS, headers=_bearer(token)).json()
    assert_error(harness.client.post(USERS, headers={"X-API-Key": key},
                                     json={"username": "via-key", "password": PASSWORD, "role": "guest"}), 403)

    # Listed without any secret.
    listed = harness.client.get(KEYS, headers=_bearer(token))
    assert listed.status_code == 200
    [entry] = listed.json()
    assert entry["id"] == body["id"] and entry["revoked"] is False and key.startswith(entry["prefix"])
    assert set(entry) == {"id", "name", "prefix", "created_at", "expires_at", "revoked"}
    assert key not in listed.text and key[len(entry["prefix"]):] not in listed.text
    assert harness.client.get(KEYS, headers={"X-API-Key": key}).json() == listed.json()

    # Revoked: the key stops working at once, and shows as revoked.
    assert harness.client.delete(f"{KEYS}/{body['id']}", headers=_bearer(token)).status_code == 204
    assert_error(harness.client.get(DOCUMENTS, headers={"X-API-Key": key}), 401, "unauthorized")
    assert harness.client.get(KEYS, headers=_bearer(token)).json()[0]["revoked"] is True


def test_an_api_key_cannot_create_api_keys(harness: Harness) -> None:
    key = harness.client.post(KEYS, json={"name": "k"}, headers=harness.headers("director")).json()["api_key"]
    error = assert_error(harness.client.post(KEYS, json={"name": "child"}, headers={"X-API-Key": key}), 403,
                         "forbidden")
    assert error["message"].startswith("api keys cannot create api keys")
    assert len(harness.client.get(KEYS, headers={"X-API-Key": key}).json()) == 1


@pytest.mark.parametrize("form", ["Bearer {}", "ApiKey {}", "apikey {}"])
def test_an_api_key_in_authorization_works_like_x_api_key(harness: Harness, form: str) -> None:
    # The form a client uses behind API Gateway, whose cached authorizer reads Authorization only.
    created = harness.client.post(KEYS, json={"name": "k"}, headers=harness.headers("employee")).json()
    headers = {"Authorization": form.format(created["api_key"])}
    assert harness.client.get(DOCUMENTS, headers=headers).json() == \
        harness.client.get(DOCUMENTS, headers={"X-API-Key": created["api_key"]}).json()
    # Still an API key: it may not mint successors, and its revocation is immediate.
    assert_error(harness.client.post(KEYS, json={"name": "child"}, headers=headers), 403, "forbidden")
    assert_error(harness.client.post(USERS, headers=headers,
                                     json={"username": "via-key", "password": PASSWORD, "role": "guest"}), 403)
    assert harness.client.delete(f"{KEYS}/{created['id']}", headers=harness.headers("employee")).status_code == 204
    assert_error(harness.client.get(DOCUMENTS, headers=headers), 401, "unauthorized")


def test_keys_of_others_are_invisible_and_cannot_be_revoked(harness: Harness) -> None:
    mine = harness.client.post(KEYS, json={"name": "mine"}, headers=harness.headers("manager")).json()
    others = harness.client.get(KEYS, headers=harness.headers("guest")).json()
    assert all(k["id"] != mine["id"] for k in others)
    for role in ("guest", "director"):
        assert_error(harness.client.delete(f"{KEYS}/{mine['id']}", headers=harness.headers(role)), 404)
    assert harness.client.get(DOCUMENTS, headers={"X-API-Key": mine["api_key"]}).status_code == 200
    assert_error(harness.client.delete(f"{KEYS}/no-such-key", headers=harness.headers("manager")), 404)


@pytest.mark.parametrize("key", ["sk_short", "sk_" + "A" * 43, "pk_" + "A" * 43, "", ("sk_" + "é" * 43).encode()],
                         ids=["short", "unknown", "wrong prefix", "empty", "utf-8 bytes"])
def test_unknown_or_malformed_api_keys_are_401(harness: Harness, key: str | bytes) -> None:
    response = harness.client.get(DOCUMENTS, headers={"X-API-Key": key})
    assert_error(response, 401, "unauthorized")


@pytest.mark.parametrize(("body", "field"), [
    ({"name": ""}, "name"),
    ({"name": "k" * 101}, "name"),
    ({"name": "k", "expires_in_days": 0}, "expires_in_days"),
    ({"name": "k", "expires_in_days": 366}, "expires_in_days"),
    ({"name": "k", "expires_in_days": "soon"}, "expires_in_days"),
    ({"name": "k", "scope": "all"}, "scope"),
])
def test_api_key_validation_names_the_field(harness: Harness, body: dict, field: str) -> None:
    error = assert_error(harness.client.post(KEYS, json=body, headers=harness.headers("employee")), 422,
                         "validation_error")
    assert error["field"] == field


def test_blank_key_name_is_refused(harness: Harness) -> None:
    assert_error(harness.client.post(KEYS, json={"name": "   "}, headers=harness.headers("employee")), 422)


# --- users -------------------------------------------------------------------------------------------------


def test_director_creates_a_user_who_can_log_in_with_that_role(harness: Harness) -> None:
    response = harness.client.post(USERS, headers=harness.headers("director"),
                                   json={"username": "New.Hire", "password": "mot-mat-khau-dai", "role": "manager",
                                         "email": "new.hire@example.vn"})
    assert response.status_code == 201
    assert response.json() == {"username": "new.hire", "role": "manager", "email": "new.hire@example.vn"}
    assert "password" not in response.text and "mot-mat-khau-dai" not in response.text
    token = harness.login("new.hire", "mot-mat-khau-dai")
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["role"] == "manager"
    # A manager may upload confidential documents: the role really is manager.
    upload = harness.client.post(DOCUMENTS, headers=_bearer(token), data={"access_level": "confidential"},
                                 files={"file": ("quy-che.txt", "Điều 1. Quy chế nội bộ.".encode())})
    assert upload.status_code == 202


@pytest.mark.parametrize("role", ["guest", "employee", "manager"])
def test_only_directors_create_users(harness: Harness, role: str) -> None:
    response = harness.client.post(USERS, headers=harness.headers(role),
                                   json={"username": f"made-by-{role}", "password": PASSWORD, "role": "guest"})
    assert_error(response, 403, "forbidden")
    assert_error(harness.client.post(LOGIN, json={"username": f"made-by-{role}", "password": PASSWORD}), 401)


def test_duplicate_usernames_conflict_whatever_their_case(harness: Harness) -> None:
    for name in ("employee", "EMPLOYEE", " employee"):
        body = {"username": name.strip(), "password": PASSWORD, "role": "director"}
        assert_error(harness.client.post(USERS, headers=harness.headers("director"), json=body), 409, "conflict")
    # the existing user is untouched: still an employee
    assert _claims(harness, "employee")["role"] == "employee"
    token = harness.login("employee")
    assert jwt.decode(token, SECRET, algorithms=["HS256"])["role"] == "employee"


@pytest.mark.parametrize(("change", "field"), [
    ({"password": "short"}, "password"),
    ({"role": "admin"}, "role"),
    ({"role": None}, "role"),
    ({"username": "ab"}, "username"),
    ({"username": "có dấu"}, "username"),
    ({"username": "../../etc"}, "username"),
    ({"email": "not-an-address"}, "email"),
    ({"email": "a@b"}, "email"),
    ({"is_admin": True}, "is_admin"),
])
def test_user_validation_names_the_field(harness: Harness, change: dict, field: str) -> None:
    body = {"username": "valid-name", "password": PASSWORD, "role": "guest", **change}
    error = assert_error(harness.client.post(USERS, headers=harness.headers("director"), json=body), 422,
                         "validation_error")
    assert error["field"] == field


_header_bytes = st.binary(max_size=120).filter(lambda b: not set(b) & {0, 10, 13})


@fuzz(80)
@given(authorization=_header_bytes, api_key=_header_bytes)
def test_no_credential_bytes_get_past_401(harness: Harness, authorization: bytes, api_key: bytes) -> None:
    for headers in ({"Authorization": b"Bearer " + authorization}, {"X-API-Key": api_key},
                    {"Authorization": authorization, "X-API-Key": b"sk_" + api_key}):
        assert_error(harness.client.get(DOCUMENTS, headers=headers), 401, "unauthorized")
