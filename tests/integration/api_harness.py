"""The real local app in a temporary data directory, with one user per role, for the API tests.

Everything runs through `build_local_api` (the same wiring `vnrag serve` uses) with two test-only
choices: the hash embedder instead of the ONNX model, and argon2's cheapest parameters. The real pyvi
segmenter is used. Every response the client receives is checked: no 500, and each 4xx/5xx carries the
`{"error": {"code", "message", "timestamp"}}` body.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import httpx
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.bootstrap.local import LocalApi, build_local_api
from shared.config import LocalSettings
from shared.domain.models import AccessLevel, Principal, Role
from shared.services.auth.passwords import Passwords
from shared.services.ingestion import TextSource

SECRET = secrets.token_urlsafe(48)  # a fresh random signing key per test session
PASSWORD = "mat-khau-kiem-thu-2025"
ROLES = ("guest", "employee", "manager", "director")
LEVELS = ("public", "internal", "confidential", "restricted")
CHEAP_PASSWORDS = Passwords(PasswordHasher.from_parameters(CHEAPEST))
_OPERATOR = Principal(id="test-operator", role=Role.DIRECTOR)


def fuzz(max_examples: int) -> settings:
    """Hypothesis settings for the API fuzz tests: reproducible (derandomized, no example database) and
    fine with the module-scoped app."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def readable_levels(role: str) -> set[str]:
    """The access levels `role` may read (design.md §1): its own rank and below."""
    return set(LEVELS[: ROLES.index(role) + 1])


def check_error_body(response: httpx.Response) -> dict:
    """The `error` object of a 4xx/5xx response, after checking its shape."""
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) >= {"error"}, body
    error = body["error"]
    assert isinstance(error["code"], str) and error["code"], body
    assert isinstance(error["message"], str) and error["message"], body
    datetime.fromisoformat(error["timestamp"])
    return error


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, (response.status_code, response.text)
    error = check_error_body(response)
    if code is not None:
        assert error["code"] == code, error
    return error


def without_timestamp(response: httpx.Response) -> dict:
    body = response.json()
    body["error"].pop("timestamp")
    return body


def _check_response(response: httpx.Response) -> None:
    if response.status_code >= 400:
        response.read()
        assert response.status_code != 500, response.text
        check_error_body(response)


def client_for(app: FastAPI, **kwargs) -> TestClient:
    """A TestClient that re-raises server exceptions and checks every error body it receives."""
    client = TestClient(app, **kwargs)
    client.event_hooks["response"].append(_check_response)
    return client


@dataclass
class Harness:
    api: LocalApi
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        """Bearer headers of the built-in user of `role`."""
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    def add_user(self, username: str, role: str) -> None:
        self.api.services.auth.create_user(_OPERATOR, username, PASSWORD, Role.parse(role))

    def login(self, username: str, password: str = PASSWORD) -> str:
        response = self.client.post("/api/v1/auth/login", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def ingest(self, sources: Iterable[TextSource]) -> None:
        """Index text documents directly (the upload path has tests of its own)."""
        documents = self.api.core.ingestor.ingest_texts(list(sources))
        assert all(d.status.value == "indexed" for d in documents), documents

    def ask(self, role: str, question: str, **body) -> httpx.Response:
        return self.client.post("/api/v1/query", json={"query": question, **body}, headers=self.headers(role))

    def stream(self, role: str, question: str, **body) -> httpx.Response:
        return self.client.post("/api/v1/query/stream", json={"query": question, **body},
                                headers=self.headers(role))


def build_harness(data_dir: Path, *, rate_limit_per_minute: int | None = 100_000, max_document_bytes: int = 200_000,
                  clock: Callable[[], float] = time.time, metrics_token: str | None = None) -> Harness:
    """The app over `data_dir` with users `guest`, `employee`, `manager`, `director` logged in.

    The rate limit is lifted unless asked for (None: the settings' default).
    """
    limits = {} if rate_limit_per_minute is None else {"rate_limit_per_minute": rate_limit_per_minute}
    # The answer gate's defaults are tuned to the e5 model's cosines, which the hash embedder does not
    # reproduce: pin the gate to word coverage, so these tests do not move when the tuning does.
    settings = LocalSettings(data_dir=data_dir, jwt_secret=SECRET, max_document_bytes=max_document_bytes,
                             answer_min_dense_score=0.99, answer_min_term_coverage=0.6, metrics_token=metrics_token,
                             **limits)
    api = build_local_api(settings, embedder=HashEmbedder(dimension=64), passwords=CHEAP_PASSWORDS, clock=clock)
    harness = Harness(api=api, client=client_for(api.app))
    for role in ROLES:
        harness.add_user(role, role)
        harness.tokens[role] = harness.login(role)
    return harness


def text_source(document_id: str, title: str, text: str, *, level: str = "public",
                document_type: str = "general") -> TextSource:
    return TextSource(document_id=document_id, title=title, text=text, document_type=document_type,
                      access_level=AccessLevel.parse(level))


def parse_sse(text: str) -> list[tuple[str, dict]]:
    """(event, data) pairs of a text/event-stream body; every event must carry JSON data."""
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        if not block.strip():
            continue
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[len("event:"):].strip()
            elif line.startswith("data:"):
                data.append(line[len("data:"):].removeprefix(" "))
        events.append((name, json.loads("\n".join(data))))
    return events
