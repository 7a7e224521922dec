"""Schemathesis over the local app's own OpenAPI document, authenticated as a director: for every operation,
generated requests (valid and invalid) never get a 5xx, and every response with a documented schema matches it.

Bounded (a fixed, derandomized number of examples per operation) so it stays in `make test`.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

from tests.integration.api_harness import Harness, text_source

EXAMPLES = 15


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([text_source("giay-phep", "Luật Xây dựng", "Điều 2. Thời hạn cấp giấy phép\nThời hạn cấp "
                                "giấy phép xây dựng là 15 ngày kể từ ngày nhận đủ hồ sơ.")])
    return harness


@pytest.fixture(scope="module")
def api_schema(harness: Harness):
    return schemathesis.openapi.from_asgi("/api/openapi.json", harness.api.app)


@pytest.fixture(scope="module")
def director(harness: Harness) -> dict[str, str]:
    return harness.headers("director")


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
def test_no_5xx_and_responses_match_the_schema(case, director: dict[str, str]) -> None:
    if case.path == "/api/v1/auth/login":
        case.call_and_validate(checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
        return
    case.call_and_validate(headers=director,
                           checks=[not_a_server_error, response_schema_conformance, content_type_conformance])
