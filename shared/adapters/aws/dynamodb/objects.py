"""Which version of each drop-folder object was last applied, for idempotent, ordered S3 ingestion.

S3 delivers events at least once and not always in order. Each event carries a `sequencer` that grows
with every change to one key, so an event at or below the recorded sequencer is a duplicate or stale
and is skipped. The item is `PK=S3OBJ#<bucket>/<key>`, `SK=S3OBJ`; the write is conditional, so a
slower, older event cannot overwrite a newer one.
"""

from __future__ import annotations

from typing import Any

from shared.adapters.aws.dynamodb.table import call, is_condition_failure, key

# S3's event reference: "The sequencers can be of different lengths. So, to compare these values, first right
# pad the shorter value with zeros, and then do a lexicographical comparison." Every value is stored padded to
# one width, wider than any sequencer S3 sends (18 hex digits today), so any two compare as S3 means them to.
SEQUENCER_WIDTH = 64


def comparable(sequencer: str) -> str:
    """A sequencer in the form that orders as S3 says: upper case, right-padded with zeros."""
    return sequencer.upper().ljust(SEQUENCER_WIDTH, "0")


class DynamoDBObjectVersions:
    def __init__(self, table_name: str, *, client: Any) -> None:
        self._table, self._client = table_name, client

    def is_new(self, object_key: str, sequencer: str) -> bool:
        item = call(self._client.get_item, TableName=self._table, Key=key(f"S3OBJ#{object_key}", "S3OBJ"),
                    ConsistentRead=True).get("Item")
        return item is None or item["seq"]["S"] < comparable(sequencer)

    def record(self, object_key: str, sequencer: str) -> None:
        try:
            call(self._client.update_item, TableName=self._table, Key=key(f"S3OBJ#{object_key}", "S3OBJ"),
                 UpdateExpression="SET seq = :s", ConditionExpression="attribute_not_exists(seq) OR seq < :s",
                 ExpressionAttributeValues={":s": {"S": comparable(sequencer)}})
        except Exception as exc:
            if not is_condition_failure(exc):
                raise  # else a newer event was applied meanwhile: keep its mark


class InMemoryObjectVersions:
    """The same rule in a dict, for local runs and tests."""

    def __init__(self) -> None:
        self._seen: dict[str, str] = {}

    def is_new(self, object_key: str, sequencer: str) -> bool:
        return self._seen.get(object_key, "") < comparable(sequencer)

    def record(self, object_key: str, sequencer: str) -> None:
        if self.is_new(object_key, sequencer):
            self._seen[object_key] = comparable(sequencer)
