"""Expiring atomic counters in the DynamoDB table: one UpdateItem with ADD per increment.

DynamoDB's TTL deletes expired items only eventually (hours later), so expiry is also part of the
update's condition: an item past `expires_at` is restarted at 1 rather than incremented, exactly as
the SQLite counter treats an expired row as absent.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from shared.adapters.aws.dynamodb.table import TTL_ATTRIBUTE, call, is_condition_failure, key

_ATTEMPTS = 5  # a restart races an increment only at the instant a window expires


class DynamoDBCounterStore:
    """CounterStore on DynamoDB. Safe across Lambda instances: every step is one conditional write."""

    def __init__(self, table_name: str, *, client: Any, clock: Callable[[], float] = time.time) -> None:
        self._table, self._client, self._clock = table_name, client, clock

    def increment(self, key_name: str, *, ttl_seconds: int) -> int:
        item_key = key(f"COUNTER#{key_name}", "COUNTER")
        for _ in range(_ATTEMPTS):
            now = int(self._clock())
            try:  # the common case: a live counter, add 1 (the TTL runs from creation, not extended)
                out = call(self._client.update_item, TableName=self._table, Key=item_key,
                           UpdateExpression="ADD #v :one", ConditionExpression="#e > :now",
                           ExpressionAttributeNames={"#v": "value", "#e": TTL_ATTRIBUTE},
                           ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(now)}},
                           ReturnValues="UPDATED_NEW")
                return int(out["Attributes"]["value"]["N"])
            except Exception as exc:
                if not is_condition_failure(exc):
                    raise
            try:  # absent or expired: start again at 1 with a fresh expiry
                call(self._client.update_item, TableName=self._table, Key=item_key,
                     UpdateExpression="SET #v = :one, #e = :exp",
                     ConditionExpression="attribute_not_exists(#e) OR #e <= :now",
                     ExpressionAttributeNames={"#v": "value", "#e": TTL_ATTRIBUTE},
                     ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(now)},
                                                ":exp": {"N": str(now + ttl_seconds)}})
                return 1
            except Exception as exc:
                if not is_condition_failure(exc):
                    raise  # else another instance restarted it first: go round and add to theirs
        raise RuntimeError(f"counter {key_name!r} kept changing under us")
