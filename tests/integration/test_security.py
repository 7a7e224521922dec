"""Security properties: no secret in any response or log, constant-time credential checks, CORS as configured,
monitoring not public, credentials revoked with their user."""

from __future__ import annotations

import hmac
import logging

import argon2
import pytest
from fastapi.testclient import TestClient

from shared.config import LocalSettings
from shared.entrypoints.http.app_factory import create_app
from shared.services.auth import api_keys
from tests.integration.api_harness import PASSWORD, SECRET, Harness, assert_error, text_source

QUESTION = "Thời hạn cấp giấy phép xây dựng là bao nhiêu ngày?"
NEW_PASSWORD = "mat-khau-rat-bi-mat-42"
WRONG_PASSWORD = "mat-khau-sai-khong-duoc-ghi-7"


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([text_source("giay-phep", "Luật Xây dựng", "Điều 2. Thời hạn cấp giấy phép\nThời hạn cấp "
                                "giấy phép xây dựng là 15 ngày kể từ ngày nhận đủ hồ sơ.", level="internal")])
    return harness


def _users(harness: Harness):
    return harness.api.services.auth._users  # the store behind the service, to read hashes and revoke


# --- nothing secret leaks ----------------------------------------------------------------------------------


def test_a_scripted_session_leaks_no_secret_into_responses_or_logs(
        harness: Harness, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]) -> None:
    client, director = harness.client, harness.headers("director")
    issued: dict[str, str] = {}  # secret -> the one response allowed to carry it
    texts: list[tuple[str, str]] = []

    def record(name: str, response) -> None:
        texts.append((name, response.text + "\n" + "\n".join(f"{k}: {v}" for k, v in response.headers.items())))

    with caplog.at_level(logging.DEBUG):
        record("bad login", client.post("/api/v1/auth/login", json={"username": "employee",
                                                                    "password": WRONG_PASSWORD}))
        record("create user", client.post("/api/v1/auth/users", headers=director, json={
            "username": "bao-mat", "password": NEW_PASSWORD, "role": "employee"}))
        login = client.post("/api/v1/auth/login", json={"username": "bao-mat", "password": NEW_PASSWORD})
        token = login.json()["access_token"]
        issued[token] = "login"
        record("login", login)
        bearer = {"Authorization": f"Bearer {token}"}
        created = client.post("/api/v1/auth/api-keys", headers=bearer, json={"name": "ci", "expires_in_days": 7})
        key = created.json()["api_key"]
        issued[key] = "create key"
        record("create key", created)
        with_key = {"X-API-Key": key}
        record("list keys", client.get("/api/v1/auth/api-keys", headers=bearer))
        record("query by key", client.post("/api/v1/query", json={"query": QUESTION}, headers=with_key))
        record("stream", client.post("/api/v1/query/stream", json={"query": QUESTION}, headers=bearer))
        record("documents", client.get("/api/v1/documents", headers=with_key))
        record("health", client.get("/api/v1/health"))
        record("metrics", client.get("/metrics", headers=director))
        record("usage", client.get("/api/v1/analytics/usage", headers=director))
        record("revoke", client.delete(f"/api/v1/auth/api-keys/{created.json()['id']}", headers=bearer))
        record("revoked key", client.get("/api/v1/documents", headers=with_key))
        record("forged", client.get("/api/v1/documents", headers={"Authorization": f"Bearer {token[:-4]}AAAA"}))
    out, err = capfd.readouterr()
    logs = "\n".join([out, err, *(r.getMessage() + " " + str(r.__dict__) for r in caplog.records)])
    assert "request" in logs  # the request log lines were captured

    hashes = [_users(harness).get_user(name).password_hash for name in ("bao-mat", "employee", "director")]
    never = {"jwt secret": SECRET, "password": NEW_PASSWORD, "wrong password": WRONG_PASSWORD,
             "test password": PASSWORD, "argon2 marker": "$argon2", **{f"hash {i}": h for i, h in enumerate(hashes)}}
    for name, text in texts:
        for what, secret in never.items():
            assert secret not in text, f"{what} in the {name} response"
        for secret, allowed in issued.items():
            assert name == allowed or secret not in text, f"a credential issued by {allowed!r} in {name!r}"
    for what, secret in {**never, **{f"credential from {v}": k for k, v in issued.items()}}.items():
        assert secret not in logs, f"{what} in the logs"
    assert key[:12] not in logs  # not even the key's prefix beyond what listing shows its owner


# --- constant-time comparisons -----------------------------------------------------------------------------


def test_api_keys_are_compared_with_hmac_compare_digest(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    key = harness.client.post("/api/v1/auth/api-keys", headers=harness.headers("employee"),
                              json={"name": "ct", "expires_in_days": 1}).json()["api_key"]
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_keys.hmac, "compare_digest", spy)
    assert harness.client.get("/api/v1/documents", headers={"X-API-Key": key}).status_code == 200
    assert calls == [(api_keys.hash_api_key(key), api_keys.hash_api_key(key))]


def test_passwords_are_checked_by_argon2_verify_even_for_unknown_users(
        harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = argon2.PasswordHasher.verify

    def spy(self, hash_, password):
        calls.append(hash_)
        return real(self, hash_, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", spy)
    login = "/api/v1/auth/login"
    assert harness.client.post(login, json={"username": "guest", "password": PASSWORD}).status_code == 200
    for username in ("guest", "nobody-here"):
        response = harness.client.post(login, json={"username": username, "password": "sai-mat-khau"})
        assert_error(response, 401, "unauthorized")
    assert len(calls) == 3 and all(h.startswith("$argon2") for h in calls)  # a dummy hash for the unknown user


# --- CORS --------------------------------------------------------------------------------------------------


def _preflight(client: TestClient, origin: str):
    return client.options("/api/v1/query", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                                    "Access-Control-Request-Headers": "authorization,content-type"})


def test_cors_is_off_unless_configured(harness: Harness) -> None:
    response = _preflight(TestClient(harness.api.app), "https://evil.example")
    assert "access-control-allow-origin" not in response.headers


def test_cors_allows_only_the_configured_origins_without_credentials(harness: Harness) -> None:
    client = TestClient(create_app(harness.api.services, cors_origins=("https://app.example.vn",)))
    allowed = _preflight(client, "https://app.example.vn")
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == "https://app.example.vn"
    assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in allowed.headers
    refused = _preflight(client, "https://evil.example")
    assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
    simple = client.get("/api/v1/health", headers={"Origin": "https://app.example.vn"})
    assert simple.headers["access-control-allow-origin"] == "https://app.example.vn"
    assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in client.get("/api/v1/health",
                                                           headers={"Origin": "https://evil.example"}).headers


def test_a_wildcard_origin_never_comes_with_credentials(harness: Harness) -> None:
    client = TestClient(create_app(harness.api.services, cors_origins=("*",)))
    response = _preflight(client, "https://anywhere.example")
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_cors_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setenv("VNRAG_CORS_ORIGINS", "https://a.example.vn, https://b.example.vn/")
    assert LocalSettings(data_dir=tmp_path).cors_origins == ("https://a.example.vn", "https://b.example.vn")
    monkeypatch.setenv("VNRAG_CORS_ORIGINS", "")
    assert LocalSettings(data_dir=tmp_path).cors_origins == ()


# --- monitoring is not public ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/metrics", "/api/v1/analytics/metrics", "/api/v1/analytics/usage",
                                  "/api/v1/analytics/quality", "/api/v1/analytics/documents"])
def test_metrics_and_analytics_are_not_public(harness: Harness, path: str) -> None:
    assert_error(harness.client.get(path), 401, "unauthorized")
    assert_error(harness.client.get(path, headers=harness.headers("guest")), 403, "forbidden")
    assert harness.client.get(path, headers=harness.headers("director")).status_code == 200


# --- credentials die with their user -----------------------------------------------------------------------


def test_tokens_and_keys_are_revoked_with_their_user(harness: Harness) -> None:
    harness.add_user("tam-thoi", "employee")
    token = harness.login("tam-thoi")
    bearer = {"Authorization": f"Bearer {token}"}
    key = harness.client.post("/api/v1/auth/api-keys", headers=bearer,
                              json={"name": "k", "expires_in_days": 1}).json()["api_key"]
    assert harness.client.get("/api/v1/documents", headers=bearer).status_code == 200
    assert harness.client.get("/api/v1/documents", headers={"X-API-Key": key}).status_code == 200

    assert _users(harness).bump_token_version("tam-thoi")  # "log out everywhere": tokens die, keys live on
    assert_error(harness.client.get("/api/v1/documents", headers=bearer), 401, "unauthorized")
    assert harness.client.get("/api/v1/documents", headers={"X-API-Key": key}).status_code == 200

    fresh = {"Authorization": f"Bearer {harness.login('tam-thoi')}"}
    assert _users(harness).set_active("tam-thoi", False)  # a disabled user: every credential dies at once
    assert_error(harness.client.get("/api/v1/documents", headers=fresh), 401, "unauthorized")
    assert_error(harness.client.get("/api/v1/documents", headers={"X-API-Key": key}), 401, "unauthorized")
    assert_error(harness.client.post("/api/v1/auth/login", json={"username": "tam-thoi", "password": PASSWORD}), 401)
