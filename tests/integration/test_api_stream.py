"""POST /api/v1/query/stream: server-sent events through the app, and once through a real `vnrag serve`."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from shared.domain.errors import DependencyUnavailable
from shared.domain.models import SearchHit
from shared.entrypoints.http.app_factory import create_app
from shared.services.answering.service import NO_ANSWER
from tests.integration.api_harness import (
    Harness,
    assert_error,
    build_harness,
    check_error_body,
    client_for,
    parse_sse,
    text_source,
)

STREAM = "/api/v1/query/stream"
REPO = Path(__file__).resolve().parents[2]
ADOPTION = "Thời hạn giải quyết việc nuôi con nuôi trong nước là bao nhiêu ngày?"
ADOPTION_TEXT = ("Điều 19. Thời hạn giải quyết\nThời hạn giải quyết việc nuôi con nuôi trong nước là 30 ngày, kể từ "
                 "ngày nhận đủ hồ sơ hợp lệ. Trường hợp cần xác minh thêm thì được gia hạn không quá 30 ngày.")


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([
        text_source("nuoi-con-nuoi", "Luật Nuôi con nuôi", ADOPTION_TEXT, document_type="law"),
        text_source("thuong", "Quy chế lương thưởng", "Điều 3. Thưởng cuối năm\nThưởng cuối năm bằng hai tháng lương "
                    "cơ bản cho nhân viên hoàn thành nhiệm vụ.", level="confidential"),
    ])
    return harness


def _events(response: httpx.Response) -> list[tuple[str, dict]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return parse_sse(response.text)


def test_stream_sends_tokens_then_citations_then_done(harness: Harness) -> None:
    response = harness.stream("employee", ADOPTION)
    assert response.headers["cache-control"] == "no-cache"
    events = _events(response)
    kinds = [kind for kind, _ in events]
    assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"} and len(kinds) >= 3
    text = "".join(data["text"] for kind, data in events if kind == "token").strip()
    sources = events[-2][1]["sources"]
    done = events[-1][1]
    assert "30 ngày" in text and sources[0]["document_id"] == "nuoi-con-nuoi"
    assert {int(n) for n in re.findall(r"\[(\d+)\]", text)} <= {s["citation_number"] for s in sources}
    assert re.fullmatch(r"[0-9a-f]{32}", done["query_id"]) and done["found"] is True
    assert {"embed", "search", "generate", "total"} <= set(done["metadata"]["latency_ms"])
    assert done["metadata"]["sources_count"] == len(sources)


def test_stream_says_what_the_plain_query_says(harness: Harness) -> None:
    plain = harness.ask("employee", ADOPTION).json()
    events = _events(harness.stream("employee", ADOPTION))
    assert "".join(d["text"] for k, d in events if k == "token").strip() == plain["answer"]
    assert events[-2][1]["sources"] == plain["sources"]


def test_streamed_query_is_logged_for_feedback(harness: Harness) -> None:
    query_id = _events(harness.stream("guest", ADOPTION))[-1][1]["query_id"]
    feedback = harness.client.post("/api/v1/feedback", json={"query_id": query_id, "rating": 4},
                                   headers=harness.headers("guest"))
    assert feedback.status_code == 201
    assert_error(harness.client.post("/api/v1/feedback", json={"query_id": query_id, "rating": 4},
                                     headers=harness.headers("director")), 404)


def test_stream_without_an_answer_sends_the_refusal(harness: Harness) -> None:
    events = _events(harness.stream("director", "Giá vàng hôm nay tăng mạnh không?"))
    assert events == [("token", {"text": NO_ANSWER}), ("citations", {"sources": []}), events[-1]]
    assert events[-1][0] == "done" and events[-1][1]["found"] is False


def test_stream_respects_the_callers_level(harness: Harness) -> None:
    question = "Thưởng cuối năm bằng mấy tháng lương cơ bản?"
    for role in ("guest", "employee"):
        response = harness.stream(role, question)
        assert "hai tháng lương" not in response.text and "thuong" not in response.text
    assert "hai tháng lương" in harness.stream("manager", question).text


def test_auth_and_validation_fail_before_the_stream_starts(harness: Harness) -> None:
    anonymous = harness.client.post(STREAM, json={"query": ADOPTION})
    assert_error(anonymous, 401, "unauthorized")
    forged = harness.client.post(STREAM, json={"query": ADOPTION}, headers={"Authorization": "Bearer x.y.z"})
    assert_error(forged, 401, "unauthorized")
    invalid = harness.client.post(STREAM, json={"query": ADOPTION, "filters": {"level": 3}},
                                  headers=harness.headers("guest"))
    assert assert_error(invalid, 422, "validation_error")["field"] == "filters.level"
    assert_error(harness.stream("guest", " "), 422, "validation_error")


def test_rate_limit_is_429_before_the_stream_starts(tmp_path: Path) -> None:
    limited = build_harness(tmp_path, rate_limit_per_minute=2, clock=lambda: 1_750_000_000.0)
    for _ in range(2):
        assert limited.stream("guest", ADOPTION).status_code == 200
    response = limited.stream("guest", ADOPTION)
    assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "20"  # the frozen clock sits 40 s into its minute


# --- a generator that fails after the stream has started ------------------------------------------------


class _FailingGenerator:
    def __init__(self, exc: Exception, tokens: Sequence[str] = ()) -> None:
        self.exc, self.tokens = exc, tokens

    def generate(self, question: str, passages: Sequence[SearchHit], **_: object) -> Iterator[str]:
        yield from self.tokens
        raise self.exc


def _client_with_generator(harness: Harness, generator, **kwargs) -> TestClient:
    services = harness.api.services
    answerer = replace(services.queries.answerer, generator=generator)
    return client_for(create_app(replace(services, queries=replace(services.queries, answerer=answerer))), **kwargs)


def test_a_failure_mid_stream_is_an_error_event(harness: Harness) -> None:
    generator = _FailingGenerator(RuntimeError("internal detail: /srv/secret.key"), tokens=["Theo các tài liệu:"])
    client = _client_with_generator(harness, generator)
    events = _events(client.post(STREAM, json={"query": ADOPTION}, headers=harness.headers("employee")))
    assert [k for k, _ in events] == ["token", "error"]  # no citations, no done after a failure
    error = events[1][1]["error"]
    assert error["code"] == "generation_failed" and error["message"] == "the answer could not be completed"
    assert error["timestamp"]
    assert "secret.key" not in str(events)


def test_a_failure_before_the_first_token_is_an_error_event(harness: Harness) -> None:
    client = _client_with_generator(harness, _FailingGenerator(DependencyUnavailable("the generator is offline")))
    events = _events(client.post(STREAM, json={"query": ADOPTION}, headers=harness.headers("employee")))
    assert events == [("error", {"error": {**events[0][1]["error"], "code": "unavailable",
                                           "message": "the generator is offline"}})]


def test_the_same_failure_without_streaming_is_a_bare_500(harness: Harness) -> None:
    generator = _FailingGenerator(RuntimeError("internal detail: /srv/secret.key"))
    services = harness.api.services
    answerer = replace(services.queries.answerer, generator=generator)
    app = create_app(replace(services, queries=replace(services.queries, answerer=answerer)))
    response = TestClient(app, raise_server_exceptions=False).post(
        "/api/v1/query", json={"query": ADOPTION}, headers=harness.headers("employee"))
    assert response.status_code == 500
    assert check_error_body(response) == {**response.json()["error"], "code": "internal_error",
                                          "message": "internal error"}
    assert "secret" not in response.text


# --- one real server --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _vnrag(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from shared.entrypoints.cli.main import main; sys.exit(main())", *args]


def _wait_for_health(base: str, process: subprocess.Popen, log: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"vnrag serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/api/v1/health", timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    pytest.fail(f"vnrag serve did not answer within {timeout} s:\n{log.read_text(errors='replace')}")


def _read_stream(base: str, token: str, question: str) -> tuple[str, list[tuple[str, dict]]]:
    chunks = []
    with httpx.stream("POST", f"{base}{STREAM}", json={"query": question}, timeout=60,
                      headers={"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}) as response:
        assert response.status_code == 200
        content_type = response.headers["content-type"]
        for chunk in response.iter_text():
            chunks.append(chunk)
    return content_type, parse_sse("".join(chunks))


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_stream_through_a_real_vnrag_serve_process(tmp_path: Path) -> None:
    data = tmp_path / "data"
    doc = tmp_path / "nuoi-con-nuoi.txt"
    doc.write_text(f"LUẬT NUÔI CON NUÔI\n\n{ADOPTION_TEXT}\n", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("VNRAG_")}
    env.update(VNRAG_DATA_DIR=str(data), VNRAG_ADMIN_PASSWORD="mat-khau-quan-tri-9",
               VNRAG_JWT_SECRET="s3rv3r-t3st-" + "9f8e7d6c5b4a" * 4, PYTHONPATH=str(REPO))
    ingested = subprocess.run(_vnrag("ingest", str(doc), "--access-level", "internal"), env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=180)
    assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    assert "1 indexed" in ingested.stdout

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(_vnrag("serve", "--host", "127.0.0.1", "--port", str(port)), env=env,
                                   cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_health(base, process, log, timeout=120)
        login = httpx.post(f"{base}/api/v1/auth/login", json={"username": "admin", "password": "mat-khau-quan-tri-9"})
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]

        # Every word of the question is in the document: answered whatever the tuning of the answer gate.
        question = "Thời hạn giải quyết việc nuôi con nuôi trong nước"
        content_type, events = _read_stream(base, token, question)
        assert content_type.startswith("text/event-stream")
        kinds = [k for k, _ in events]
        assert kinds[-2:] == ["citations", "done"] and set(kinds[:-2]) == {"token"}, kinds
        assert "30 ngày" in "".join(d["text"] for k, d in events if k == "token")
        assert events[-2][1]["sources"][0]["document_id"] == "nuoi-con-nuoi-txt"

        # A guest the director creates over HTTP does not see the internal document, stream or not.
        created = httpx.post(f"{base}/api/v1/auth/users", headers={"Authorization": f"Bearer {token}"},
                             json={"username": "khach", "password": "mat-khau-khach-1", "role": "guest"})
        assert created.status_code == 201, created.text
        guest = httpx.post(f"{base}/api/v1/auth/login",
                           json={"username": "khach", "password": "mat-khau-khach-1"}).json()["access_token"]
        _, guest_events = _read_stream(base, guest, question)
        assert [k for k, _ in guest_events] == ["token", "citations", "done"]
        assert guest_events[1][1]["sources"] == [] and "30 ngày" not in str(guest_events)
        assert httpx.post(f"{base}{STREAM}", json={"query": question}).status_code == 401
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
