"""moto in-process: fake credentials, one region, the single table created as the adapters expect."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from moto import mock_aws

from shared.adapters.aws.clients import aws_client
from shared.adapters.aws.dynamodb.table import create_table

REGION = "ap-southeast-1"
TABLE = "vnrag-test"
_FAKE_ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
             "AWS_DEFAULT_REGION": REGION}


@contextmanager
def fake_aws() -> Iterator[None]:
    """moto's mock_aws with fake credentials; a real AWS account can never be reached from inside."""
    saved = {k: os.environ.get(k) for k in [*_FAKE_ENV, "AWS_ENDPOINT_URL", "AWS_PROFILE"]}
    os.environ.update(_FAKE_ENV)
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ.pop("AWS_PROFILE", None)
    try:
        with mock_aws():
            yield
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def dynamodb_with_table() -> Any:
    client = aws_client("dynamodb", region=REGION)
    create_table(client, TABLE)
    return client


def forget_document_counts(dynamodb) -> None:
    """Turn the table into what a version before the document counters left: no KIND# counter items
    and no `counted_as` on the documents."""
    for item in dynamodb.scan(TableName=TABLE)["Items"]:
        item_key = {"PK": item["PK"], "SK": item["SK"]}
        if item["SK"]["S"].startswith("KIND#"):
            dynamodb.delete_item(TableName=TABLE, Key=item_key)
        elif item["SK"]["S"] == "DOC":
            dynamodb.update_item(TableName=TABLE, Key=item_key, UpdateExpression="REMOVE counted_as")
