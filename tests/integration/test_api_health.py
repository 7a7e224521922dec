"""GET /api/v1/health: open to anyone, one check per dependency, 503 with an error body when one fails."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.entrypoints.http.app_factory import create_app
from tests.integration.api_harness import Harness, assert_error, client_for, text_source

HEALTH = "/api/v1/health"


def test_health_reports_each_dependency_without_credentials(harness: Harness) -> None:
    response = harness.client.get(HEALTH)
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"] == "0.1.0"
    datetime.fromisoformat(body["timestamp"])
    assert set(body["checks"]) == {"index", "store", "embedder"}
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["embedder"]["model"] == "hash-64"
    assert "error" not in body


def test_health_ignores_bad_credentials(harness: Harness) -> None:
    assert harness.client.get(HEALTH, headers={"Authorization": "Bearer forged"}).status_code == 200
    assert harness.client.get(HEALTH, headers={"X-API-Key": "sk_nope"}).status_code == 200


def test_health_reveals_no_document_counts(harness: Harness) -> None:
    before = harness.client.get(HEALTH).json()["checks"]
    harness.ingest([text_source(f"secret-{i}", f"Mật {i}", f"Điều 1. Nội dung mật số {i}.", level="restricted")
                    for i in range(3)])
    after = harness.client.get(HEALTH).json()["checks"]
    assert after == before  # adding restricted documents changes nothing an anonymous caller can see


def test_a_failing_dependency_is_503_with_the_error_body(harness: Harness) -> None:
    def broken() -> dict:
        raise ConnectionError("index at 10.0.0.7:9200 refused the connection")

    services = replace(harness.api.services, health_checks={**harness.api.services.health_checks, "index": broken})
    response = client_for(create_app(services)).get(HEALTH)
    error = assert_error(response, 503, "unavailable")
    assert "index" in error["message"]
    body = response.json()
    assert body["status"] == "degraded" and body["checks"]["index"]["status"] == "error"
    assert body["checks"]["store"]["status"] == "ok"
    assert "10.0.0.7" not in response.text  # the failure is named, its details stay in the log


def test_health_is_get_only(harness: Harness) -> None:
    response = harness.client.post(HEALTH)
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["allow"]
