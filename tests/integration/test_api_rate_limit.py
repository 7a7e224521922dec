"""Rate limits per principal (default 10 queries a minute), shared by /query and /query/stream."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.config import LocalSettings
from tests.integration.api_harness import Harness, assert_error, build_harness, text_source

QUESTION = "Thời hạn giải quyết việc nuôi con nuôi là bao nhiêu ngày?"
WINDOW_START = 1_750_000_020.0  # 1_750_000_020 is a multiple of 60: the start of a window


class Clock:
    def __init__(self) -> None:
        self.now = WINDOW_START + 15  # 45 s left in this window

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limited(tmp_path: Path, clock: Clock) -> Harness:
    harness = build_harness(tmp_path, rate_limit_per_minute=None, clock=clock)  # the settings' default limit
    harness.ingest([text_source("nuoi", "Luật Nuôi con nuôi", "Điều 19. Thời hạn giải quyết\nThời hạn giải quyết "
                                "việc nuôi con nuôi là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ.")])
    return harness


def test_the_default_limit_is_ten_a_minute() -> None:
    assert LocalSettings.model_fields["rate_limit_per_minute"].default == 10
    assert WINDOW_START % 60 == 0


def test_the_eleventh_query_in_a_minute_is_429_with_retry_after(limited: Harness) -> None:
    for n in range(10):
        assert limited.ask("guest", QUESTION).status_code == 200, n
    response = limited.ask("guest", QUESTION)
    error = assert_error(response, 429, "rate_limited")
    assert response.headers["retry-after"] == "45"
    assert error["message"]


def test_the_stream_shares_the_budget(limited: Harness) -> None:
    for _ in range(5):
        assert limited.ask("employee", QUESTION).status_code == 200
        assert limited.stream("employee", QUESTION).status_code == 200
    assert_error(limited.stream("employee", QUESTION), 429, "rate_limited")
    assert_error(limited.ask("employee", QUESTION), 429, "rate_limited")


def test_other_principals_are_unaffected(limited: Harness) -> None:
    for _ in range(10):
        limited.ask("manager", QUESTION)
    assert_error(limited.ask("manager", QUESTION), 429)
    for role in ("guest", "employee", "director"):
        assert limited.ask(role, QUESTION).status_code == 200
    # Only queries are limited: the limited caller can still read documents.
    assert limited.client.get("/api/v1/documents", headers=limited.headers("manager")).status_code == 200


def test_an_api_key_shares_its_owners_budget(limited: Harness) -> None:
    key = limited.client.post("/api/v1/auth/api-keys", json={"name": "k"},
                              headers=limited.headers("director")).json()["api_key"]
    for _ in range(10):
        assert limited.client.post("/api/v1/query", json={"query": QUESTION},
                                   headers={"X-API-Key": key}).status_code == 200
    assert_error(limited.ask("director", QUESTION), 429)


def test_invalid_requests_do_not_use_the_budget(limited: Harness) -> None:
    for _ in range(12):
        assert_error(limited.ask("guest", ""), 422)
    for _ in range(10):
        assert limited.ask("guest", QUESTION).status_code == 200


def test_the_next_window_starts_afresh(limited: Harness, clock: Clock) -> None:
    for _ in range(10):
        limited.ask("guest", QUESTION)
    clock.now += 44
    response = limited.ask("guest", QUESTION)
    assert_error(response, 429)
    assert response.headers["retry-after"] == "1"
    clock.now += 1  # the next window
    assert limited.ask("guest", QUESTION).status_code == 200
