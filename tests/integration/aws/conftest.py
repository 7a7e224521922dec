from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.aws.moto_env import REGION, dynamodb_with_table, fake_aws

EVENTS = Path(__file__).resolve().parents[3] / "events"
BUCKET = "vnrag-local-documents"  # what tools/localstack_setup.py creates, as the events name it


def load_event(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text(encoding="utf-8"))


@pytest.fixture
def aws() -> Iterator[None]:
    with fake_aws():
        yield


@pytest.fixture
def dynamodb(aws) -> Any:
    return dynamodb_with_table()


@pytest.fixture
def s3(aws) -> Any:
    from shared.adapters.aws.clients import aws_client

    client = aws_client("s3", region=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client
