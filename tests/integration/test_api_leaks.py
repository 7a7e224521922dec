"""Zero leaks: a document above a caller's level shows up in no response that caller can get.

Four documents, one per access level, are uploaded through the API. Each carries unique marker words
in its text and title. For every role and every level above it, the level's marker, title and document
id must appear in no body the role receives: query answers, sources and snippets, stream events,
listings and their totals, get, delete, feedback and error bodies. Every check has its positive
control: the roles that may read a document do see its marker, so the test cannot pass by seeing
nothing.
"""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass

import httpx
import pytest

from tests.integration.api_harness import (
    LEVELS,
    ROLES,
    Harness,
    assert_error,
    parse_sse,
    readable_levels,
    without_timestamp,
)

DOCS = "/api/v1/documents"
SHARED_QUESTION = "Kinh phí dự án thuộc kế hoạch ngân sách năm 2025 do phòng nào quản lý?"


# Seeded: the test embedder hashes words, so the markers decide the dense scores of otherwise identical
# texts; a fixed draw keeps the positive controls' rankings the same on every run.
_WORDS = random.Random(20251129)


def _word() -> str:
    return "".join(_WORDS.choice(string.ascii_lowercase) for _ in range(10))


@dataclass(frozen=True)
class Secret:
    level: str
    marker: str  # a word only this document's text holds
    title: str
    title_word: str  # a word only this document's title holds
    document_type: str
    id: str = ""

    @property
    def tells(self) -> tuple[str, ...]:
        """Strings whose presence in a body would reveal the document."""
        return (self.marker, self.title, self.title_word, self.document_type, self.id)


@pytest.fixture(scope="module")
def secrets_by_level(harness: Harness) -> dict[str, Secret]:
    uploaded = {}
    for level in LEVELS:
        marker, title_word = f"mk{_word()}", f"tt{_word()}"
        secret = Secret(level=level, marker=marker, title=f"Hồ sơ dự án {title_word}", title_word=title_word,
                        document_type=f"loai{_word()}")
        text = (f"Điều 1. Dự án {marker}\nDự án {marker} thuộc kế hoạch ngân sách năm 2025 của tổng công ty. "
                f"Kinh phí dự án {marker} do phòng tài chính quản lý và báo cáo hằng quý.")
        response = harness.client.post(
            DOCS, headers=harness.headers("director"), files={"file": (f"{marker}.txt", text.encode())},
            data={"title": secret.title, "access_level": level, "document_type": secret.document_type})
        assert response.status_code == 202, response.text
        uploaded[level] = Secret(**{**secret.__dict__, "id": response.json()["id"]})
    for secret in uploaded.values():
        document = harness.client.get(f"{DOCS}/{secret.id}", headers=harness.headers("director")).json()
        assert document["status"] == "indexed" and document["access_level"] == secret.level
    # A restricted upload that failed to parse: its record (title, status, error) is just as secret.
    broken_word, broken_type = f"bw{_word()}", f"loai{_word()}"
    broken = harness.client.post(DOCS, headers=harness.headers("director"),
                                 data={"access_level": "restricted", "title": f"Hỏng {broken_word}",
                                       "document_type": broken_type},
                                 files={"file": (f"{broken_word}.pdf", b"%PDF-1.4 x")})
    assert broken.status_code == 202
    uploaded["broken"] = Secret(level="restricted", marker=broken_word, title=f"Hỏng {broken_word}",
                                title_word=broken_word, document_type=broken_type, id=broken.json()["id"])
    assert harness.client.get(f"{DOCS}/{broken.json()['id']}", headers=harness.headers("director")).json()[
        "status"] == "failed"
    return uploaded


def _hidden_from(role: str, secrets_by_level: dict[str, Secret]) -> list[Secret]:
    return [s for s in secrets_by_level.values() if s.level not in readable_levels(role)]


def _shown_to(role: str, secrets_by_level: dict[str, Secret], *, searchable: bool = True) -> list[Secret]:
    """What `role` may read: the indexed documents, or (searchable=False) every record, the failed one too."""
    return [s for k, s in secrets_by_level.items()
            if s.level in readable_levels(role) and not (searchable and k == "broken")]


def _indexed(secrets_by_level: dict[str, Secret]) -> list[Secret]:
    return [secrets_by_level[level] for level in LEVELS]


def _decoded(response: httpx.Response) -> str:
    """The body as a client reads it (JSON or SSE data decoded, so escaping cannot hide a match)."""
    if response.headers.get("content-type", "").startswith("text/event-stream"):
        return response.text + json.dumps(parse_sse(response.text), ensure_ascii=False)
    if response.headers.get("content-type", "").startswith("application/json"):
        return response.text + json.dumps(response.json(), ensure_ascii=False)
    return response.text


def _assert_hides(response: httpx.Response, hidden: list[Secret], what: str, *, echoed: str = "") -> None:
    """None of the hidden documents' tells in the body, apart from the question echoed back verbatim."""
    text = _decoded(response)
    if echoed:
        text = text.replace(json.dumps(echoed, ensure_ascii=False), '""').replace(echoed, "")
    for secret in hidden:
        for tell in secret.tells:
            assert tell not in text, f"{what}: {secret.level} document leaked {tell!r}: {text[:500]}"


def _questions(secret: Secret) -> list[str]:
    return [secret.marker, f"Kinh phí dự án {secret.marker} do phòng nào quản lý?"]


# --- query and stream ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_query_never_reveals_a_document_above_the_role(harness: Harness, secrets_by_level: dict[str, Secret],
                                                       role: str) -> None:
    hidden = _hidden_from(role, secrets_by_level)
    for secret in _indexed(secrets_by_level):
        for question in _questions(secret):
            response = harness.ask(role, question)
            assert response.status_code == 200
            _assert_hides(response, hidden, f"{role} asking {question!r}", echoed=question)
            body = response.json()
            if secret in hidden:
                assert all(s["document_id"] != secret.id for s in body["sources"])
            else:  # positive control: the role does get this document
                assert secret.marker in body["answer"], (role, secret.level, body)
                assert body["sources"][0]["document_id"] == secret.id
                assert body["sources"][0]["title"] == secret.title
    shared = harness.ask(role, SHARED_QUESTION)
    _assert_hides(shared, hidden, f"{role} asking the shared question")
    assert {s["document_id"] for s in shared.json()["sources"]} == {s.id for s in _shown_to(role, secrets_by_level)}


@pytest.mark.parametrize("role", ROLES)
def test_stream_never_reveals_a_document_above_the_role(harness: Harness, secrets_by_level: dict[str, Secret],
                                                        role: str) -> None:
    hidden = _hidden_from(role, secrets_by_level)
    for secret in _indexed(secrets_by_level):
        for question in _questions(secret):
            response = harness.stream(role, question)
            assert response.status_code == 200
            _assert_hides(response, hidden, f"{role} streaming {question!r}")  # the stream echoes nothing
            events = dict(parse_sse(response.text))
            answer_text = "".join(d["text"] for k, d in parse_sse(response.text) if k == "token")
            if secret not in hidden:
                assert secret.marker in answer_text
                assert events["citations"]["sources"][0]["document_id"] == secret.id
    shared = harness.stream(role, SHARED_QUESTION)
    _assert_hides(shared, hidden, f"{role} streaming the shared question")
    sources = dict(parse_sse(shared.text))["citations"]["sources"]
    assert {s["document_id"] for s in sources} == {s.id for s in _shown_to(role, secrets_by_level)}


@pytest.mark.parametrize("role", ROLES)
def test_filters_cannot_reach_a_document_above_the_role(harness: Harness, secrets_by_level: dict[str, Secret],
                                                        role: str) -> None:
    hidden = _hidden_from(role, secrets_by_level)
    for secret in hidden:
        question = _questions(secret)[1]
        for filters in ({"document_ids": [secret.id]}, {"document_type": secret.document_type},
                        {"document_ids": [s.id for s in secrets_by_level.values()]}):
            for response in (harness.ask(role, question, filters=filters),
                             harness.stream(role, question, filters=filters)):
                text = _decoded(response)
                for tell in (secret.marker, secret.title, secret.title_word):
                    assert tell not in text.replace(json.dumps(question, ensure_ascii=False), "").replace(
                        question, ""), (role, filters)
                if response.headers["content-type"].startswith("application/json"):
                    assert all(s["document_id"] != secret.id for s in response.json()["sources"])


# --- listings, totals, get, delete ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_listings_and_totals_hold_only_readable_documents(harness: Harness, secrets_by_level: dict[str, Secret],
                                                          role: str) -> None:
    hidden = _hidden_from(role, secrets_by_level)
    shown = _shown_to(role, secrets_by_level, searchable=False)
    full = harness.client.get(DOCS, params={"limit": 100}, headers=harness.headers(role))
    _assert_hides(full, hidden, f"{role} listing")
    body = full.json()
    assert {d["id"] for d in body["documents"]} == {s.id for s in shown}
    assert body["total"] == len(shown)
    for skip in range(len(shown) + 2):  # page by page: the total never counts what the role cannot see
        page = harness.client.get(DOCS, params={"skip": skip, "limit": 1}, headers=harness.headers(role))
        _assert_hides(page, hidden, f"{role} listing page {skip}")
        assert page.json()["total"] == len(shown)
    for secret in secrets_by_level.values():
        typed = harness.client.get(DOCS, params={"document_type": secret.document_type}, headers=harness.headers(role))
        _assert_hides(typed, hidden, f"{role} listing type {secret.document_type}")
        assert typed.json()["total"] == (0 if secret in hidden else 1)


@pytest.mark.parametrize("role", ROLES)
def test_get_and_delete_answer_like_for_a_missing_document(harness: Harness, secrets_by_level: dict[str, Secret],
                                                           role: str) -> None:
    hidden = _hidden_from(role, secrets_by_level)
    missing_get = harness.client.get(f"{DOCS}/{'f' * 32}", headers=harness.headers(role))
    missing_delete = harness.client.delete(f"{DOCS}/{'f' * 32}", headers=harness.headers(role))
    assert_error(missing_get, 404)
    assert_error(missing_delete, 404)
    for secret in hidden:
        got = harness.client.get(f"{DOCS}/{secret.id}", headers=harness.headers(role))
        deleted = harness.client.delete(f"{DOCS}/{secret.id}", headers=harness.headers(role))
        assert without_timestamp(got) == without_timestamp(missing_get)
        assert without_timestamp(deleted) == without_timestamp(missing_delete)
        _assert_hides(got, hidden, f"{role} get")
        _assert_hides(deleted, hidden, f"{role} delete")
    for secret in _shown_to(role, secrets_by_level, searchable=False):
        got = harness.client.get(f"{DOCS}/{secret.id}", headers=harness.headers(role))
        assert got.status_code == 200 and got.json()["title"] == secret.title
    # nothing was deleted by anyone
    everything = harness.client.get(DOCS, params={"limit": 100}, headers=harness.headers("director")).json()
    assert {s.id for s in secrets_by_level.values()} <= {d["id"] for d in everything["documents"]}


# --- feedback on other people's queries -----------------------------------------------------------------


@pytest.mark.parametrize("role", ["guest", "employee", "manager"])
def test_feedback_on_a_directors_query_reveals_nothing(harness: Harness, secrets_by_level: dict[str, Secret],
                                                       role: str) -> None:
    hidden = _hidden_from(role, secrets_by_level)
    restricted = secrets_by_level["restricted"]
    asked = harness.ask("director", _questions(restricted)[1]).json()
    assert asked["sources"][0]["document_id"] == restricted.id
    unknown = harness.client.post("/api/v1/feedback", json={"query_id": "0" * 32, "rating": 1},
                                  headers=harness.headers(role))
    response = harness.client.post("/api/v1/feedback", json={"query_id": asked["query_id"], "rating": 1,
                                                             "comment": "thử"}, headers=harness.headers(role))
    assert_error(response, 404)
    assert without_timestamp(response) == without_timestamp(unknown)
    _assert_hides(response, hidden, f"{role} feedback")
    assert harness.client.post("/api/v1/feedback", json={"query_id": asked["query_id"], "rating": 5},
                               headers=harness.headers("director")).status_code == 201


# --- the other ways in --------------------------------------------------------------------------------------


def test_api_keys_and_anonymous_callers_see_no_more(harness: Harness, secrets_by_level: dict[str, Secret]) -> None:
    key = harness.client.post("/api/v1/auth/api-keys", json={"name": "leak"}, headers=harness.headers("guest"))
    headers = {"X-API-Key": key.json()["api_key"]}
    hidden = _hidden_from("guest", secrets_by_level)
    restricted = secrets_by_level["restricted"]
    _assert_hides(harness.client.get(DOCS, params={"limit": 100}, headers=headers), hidden, "guest key listing")
    question = _questions(restricted)[1]
    _assert_hides(harness.client.post("/api/v1/query", json={"query": question}, headers=headers), hidden,
                  "guest key query", echoed=question)
    _assert_hides(harness.client.post("/api/v1/query/stream", json={"query": question}, headers=headers), hidden,
                  "guest key stream")
    everything = list(secrets_by_level.values())
    _assert_hides(harness.client.get("/api/v1/health"), everything, "health")
    for method, path in (("GET", DOCS), ("GET", f"{DOCS}/{restricted.id}"), ("DELETE", f"{DOCS}/{restricted.id}")):
        _assert_hides(harness.client.request(method, path), everything, f"anonymous {method} {path}")
    anonymous = harness.client.post("/api/v1/query", json={"query": question})
    _assert_hides(anonymous, everything, "anonymous query", echoed=question)
