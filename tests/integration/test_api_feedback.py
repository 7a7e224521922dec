"""POST /api/v1/feedback through the real app: only on one's own queries."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.integration.api_harness import Harness, assert_error, text_source, without_timestamp

FEEDBACK = "/api/v1/feedback"
QUESTION = "Thời hạn giải quyết việc nuôi con nuôi là bao nhiêu ngày?"


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([text_source("nuoi", "Luật Nuôi con nuôi", "Điều 19. Thời hạn giải quyết\nThời hạn giải quyết "
                                "việc nuôi con nuôi là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ.")])
    return harness


def _query_id(harness: Harness, role: str) -> str:
    return harness.ask(role, QUESTION).json()["query_id"]


def _feedback(harness: Harness, role: str, **body):
    return harness.client.post(FEEDBACK, json=body, headers=harness.headers(role))


def test_feedback_on_ones_own_query_is_201(harness: Harness) -> None:
    query_id = _query_id(harness, "employee")
    response = _feedback(harness, "employee", query_id=query_id, rating=5, comment="Rất hữu ích, trích dẫn đúng.")
    assert response.status_code == 201
    body = response.json()
    assert body["query_id"] == query_id and body["rating"] == 5 and body["comment"] == "Rất hữu ích, trích dẫn đúng."
    datetime.fromisoformat(body["created_at"])
    again = _feedback(harness, "employee", query_id=query_id, rating=2)  # a second rating replaces the first
    assert again.status_code == 201 and again.json()["rating"] == 2 and again.json()["comment"] == ""


def test_feedback_through_an_api_key_of_the_same_user(harness: Harness) -> None:
    query_id = _query_id(harness, "guest")
    key = harness.client.post("/api/v1/auth/api-keys", json={"name": "fb"}, headers=harness.headers("guest"))
    response = harness.client.post(FEEDBACK, json={"query_id": query_id, "rating": 3},
                                   headers={"X-API-Key": key.json()["api_key"]})
    assert response.status_code == 201


@pytest.mark.parametrize("other", ["guest", "manager", "director"])
def test_someone_elses_query_reads_like_an_unknown_one(harness: Harness, other: str) -> None:
    theirs = _query_id(harness, "employee")
    unknown = _feedback(harness, other, query_id="0" * 32, rating=4)
    assert_error(unknown, 404, "not_found")
    response = _feedback(harness, other, query_id=theirs, rating=4)
    assert_error(response, 404, "not_found")
    assert without_timestamp(response) == without_timestamp(unknown)
    assert theirs not in response.text


@pytest.mark.parametrize(("body", "field"), [
    ({"rating": 0}, "rating"),
    ({"rating": 6}, "rating"),
    ({"rating": -1}, "rating"),
    ({"rating": 4.5}, "rating"),
    ({"rating": "five"}, "rating"),
    ({"rating": None}, "rating"),
    ({}, "rating"),
    ({"rating": 5, "comment": "x" * 2001}, "comment"),
    ({"rating": 5, "comment": None}, "comment"),
    ({"rating": 5, "helpful": True}, "helpful"),
])
def test_invalid_feedback_is_422_naming_the_field(harness: Harness, body: dict, field: str) -> None:
    query_id = _query_id(harness, "employee")
    error = assert_error(_feedback(harness, "employee", query_id=query_id, **body), 422, "validation_error")
    assert error["field"] == field


@pytest.mark.parametrize(("query_id", "field"), [("", "query_id"), ("q" * 65, "query_id"), (None, "query_id")])
def test_invalid_query_ids_are_422(harness: Harness, query_id, field: str) -> None:
    error = assert_error(_feedback(harness, "employee", query_id=query_id, rating=5), 422, "validation_error")
    assert error["field"] == field
