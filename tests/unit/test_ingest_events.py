"""Which events the ingest function takes for its timer (the purge) rather than for an SQS batch."""

from __future__ import annotations

from shared.entrypoints.aws_lambda.ingest_events import is_scheduled

TIMER = {"version": "0", "id": "9a1b", "detail-type": "Scheduled Event", "source": "aws.events",
         "account": "123456789012", "time": "2025-01-15T03:00:00Z", "region": "ap-southeast-1",
         "resources": ["arn:aws:events:ap-southeast-1:123456789012:rule/purge"], "detail": {}}


def test_the_eventbridge_timer_is_scheduled() -> None:
    assert is_scheduled(TIMER)


def test_an_sqs_batch_or_another_eventbridge_event_is_not() -> None:
    assert not is_scheduled({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]})
    assert not is_scheduled({**TIMER, "source": "aws.s3", "detail-type": "Object Created"})
    assert not is_scheduled({"source": "aws.events"})
