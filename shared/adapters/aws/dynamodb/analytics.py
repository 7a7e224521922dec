"""The analytics counters (shared.services.analytics.AnalyticsStore) in the DynamoDB table.

Item `PK=ANALYTICS#<pk>`, `SK=<sk>`: each amount is a top-level number attribute added with one
UpdateItem ADD (atomic, no read), members a string set (`members`, ADD of a set), the label a string
(`label`); `add_once` is a PutItem on condition the item is absent. A report reads one partition with one
Query (`begins_with(SK, prefix)`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.adapters.aws.dynamodb.table import all_items, call, is_condition_failure
from shared.domain.activity import CounterItem

_PREFIX = "ANALYTICS#"
_NOT_VALUES = frozenset({"PK", "SK", "label", "members"})


class DynamoDBAnalyticsStore:
    def __init__(self, table_name: str, *, client: Any) -> None:
        self._table, self._client = table_name, client

    def add(self, pk: str, sk: str, amounts: Mapping[str, float], *, label: str | None = None,
            members: Iterable[str] = ()) -> None:
        names: dict[str, str] = {}
        values: dict[str, dict] = {}
        adds: list[str] = []
        for i, (name, amount) in enumerate(sorted(amounts.items())):
            names[f"#a{i}"], values[f":a{i}"] = name, {"N": repr(float(amount))}
            adds.append(f"#a{i} :a{i}")
        member_set = sorted(set(members))
        if member_set:
            names["#m"], values[":m"] = "members", {"SS": member_set}
            adds.append("#m :m")
        expression = ("ADD " + ", ".join(adds)) if adds else ""
        if label is not None:
            names["#l"], values[":l"] = "label", {"S": label}
            expression += " SET #l = :l"
        if not expression:
            return
        call(self._client.update_item, TableName=self._table, Key=_key(pk, sk), UpdateExpression=expression.strip(),
             ExpressionAttributeNames=names, ExpressionAttributeValues=values)

    def swap_label(self, pk: str, sk: str, label: str) -> str | None:
        out = call(self._client.update_item, TableName=self._table, Key=_key(pk, sk), UpdateExpression="SET #l = :l",
                   ExpressionAttributeNames={"#l": "label"}, ExpressionAttributeValues={":l": {"S": label}},
                   ReturnValues="UPDATED_OLD")
        return out.get("Attributes", {}).get("label", {}).get("S")

    def add_once(self, pk: str, sk: str) -> bool:
        try:
            call(self._client.put_item, TableName=self._table, Item=_key(pk, sk),
                 ConditionExpression="attribute_not_exists(PK)")
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def query(self, pk: str, sk_prefix: str = "") -> list[CounterItem]:
        kwargs: dict[str, Any] = {"TableName": self._table, "ConsistentRead": True,
                                  "KeyConditionExpression": "PK = :pk AND begins_with(SK, :p)",
                                  "ExpressionAttributeValues": {":pk": {"S": _PREFIX + pk}, ":p": {"S": sk_prefix}}}
        if not sk_prefix:
            kwargs["KeyConditionExpression"] = "PK = :pk"
            del kwargs["ExpressionAttributeValues"][":p"]
        return sorted((_counter(i) for i in all_items(self._client.query, **kwargs)), key=lambda c: c.sk)


def _key(pk: str, sk: str) -> dict:
    return {"PK": {"S": _PREFIX + pk}, "SK": {"S": sk}}


def _counter(item: dict) -> CounterItem:
    values = {name: float(v["N"]) for name, v in item.items() if name not in _NOT_VALUES and "N" in v}
    return CounterItem(sk=item["SK"]["S"], values=values, label=item.get("label", {}).get("S"),
                       members=frozenset(item.get("members", {}).get("SS", ())))
