"""Throttling on AWS, end to end through the real adapter: botocore's Stubber makes DynamoDB answer the
query-log write with ProvisionedThroughputExceededException, the adapter raises Throttled, and QueryService's
RetryPolicy retries it with backoff. Stubber checks each request against DynamoDB's service model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from shared.adapters.aws.dynamodb.activity import DynamoDBActivityStore
from shared.domain.errors import DependencyUnavailable, Throttled
from shared.domain.models import Answer, Principal, Role
from shared.services.answering.queries import QueryService
from shared.services.retry import RetryPolicy

TABLE = "vnrag"
THROTTLED = "ProvisionedThroughputExceededException"


class NoAnswer:
    """The answerer's part in QueryService.ask: an answer that found nothing (no index needed)."""

    def answer(self, question: str, **_: Any) -> Answer:
        return Answer(text="Không tìm thấy.", citations=(), found=False, timings_ms={})


class NoLimit:
    def check(self, principal_id: str) -> None:
        return None


@pytest.fixture
def dynamodb() -> Iterator[tuple[Any, Stubber]]:
    client = boto3.client("dynamodb", region_name="ap-southeast-1", aws_access_key_id="testing",
                          aws_secret_access_key="testing")
    with Stubber(client) as stubber:
        yield client, stubber
        stubber.assert_no_pending_responses()


def _service(client: Any, sleeps: list[float]) -> QueryService:
    return QueryService(answerer=NoAnswer(), activity=DynamoDBActivityStore(TABLE, client=client),  # type: ignore[arg-type]
                        limiter=NoLimit(),
                        retry=RetryPolicy(attempts=4, base_delay=0.05, jitter=0.0, sleep=sleeps.append))


def _put_query() -> dict[str, Any]:
    return {"TableName": TABLE, "Item": ANY}


def test_a_throttled_query_log_write_to_dynamodb_is_retried_until_it_succeeds(dynamodb) -> None:
    client, stubber = dynamodb
    for _ in range(2):
        stubber.add_client_error("put_item", service_error_code=THROTTLED, http_status_code=400,
                                 expected_params=_put_query())
    stubber.add_response("put_item", {}, expected_params=_put_query())
    sleeps: list[float] = []

    answered = _service(client, sleeps).ask(Principal(id="u1", role=Role.EMPLOYEE), "Thời hạn cấp phép?")

    assert answered.question == "Thời hạn cấp phép?"
    assert sleeps == [0.05, 0.1]  # two throttled writes, two pauses (exponential), then the third is written


def test_a_query_log_throttled_past_the_retries_is_dependency_unavailable(dynamodb) -> None:
    client, stubber = dynamodb
    for _ in range(4):
        stubber.add_client_error("put_item", service_error_code=THROTTLED, http_status_code=400)
    sleeps: list[float] = []
    with pytest.raises(DependencyUnavailable) as raised:
        _service(client, sleeps).ask(Principal(id="u1", role=Role.EMPLOYEE), "Thời hạn cấp phép?")
    assert not isinstance(raised.value, Throttled)  # exhausted: a plain 503, no longer worth retrying here
    assert isinstance(raised.value.__cause__, Throttled) and sleeps == [0.05, 0.1, 0.2]


def test_the_adapter_raises_throttled_for_throttling_only(dynamodb) -> None:
    client, stubber = dynamodb
    store = DynamoDBActivityStore(TABLE, client=client)
    stubber.add_client_error("get_item", service_error_code="ThrottlingException", http_status_code=400)
    stubber.add_client_error("get_item", service_error_code="InternalServerError", http_status_code=500)
    stubber.add_client_error("get_item", service_error_code="ValidationException", http_status_code=400)
    with pytest.raises(Throttled):
        store.get_query("q1")
    with pytest.raises(DependencyUnavailable) as outage:
        store.get_query("q1")
    assert not isinstance(outage.value, Throttled)
    with pytest.raises(Exception) as bug:  # a malformed request is a bug: it passes through untranslated
        store.get_query("q1")
    assert not isinstance(bug.value, DependencyUnavailable)
