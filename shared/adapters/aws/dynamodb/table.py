"""The one DynamoDB table behind every AWS store (single-table design), and its item codec.

Keys (all strings): `PK`, `SK`; two sparse GSIs, `GSI1` (`GSI1PK`, `GSI1SK`) and `GSI2` (`GSI2PK`,
`GSI2SK`), projecting everything. TTL attribute: `expires_at` (epoch seconds). Item kinds:

item              PK               SK                  GSI1PK / GSI1SK                 GSI2PK / GSI2SK
user              USER#<name>      USER
API key           KEY#<sha256>     KEY                 OWNER#<owner> / <created>#<id>
API key id        KEYID#<id>       KEYID               (reserves the id; points at the hash)
document          DOC#<id>         DOC                 DOCS#L<lvl> / <created>#<id>    DOCS#L<lvl>#T<type> / same
document counter  DOCCOUNT         L<lvl>[#T<type>]    (attribute n: how many documents in that partition)
kind counter      DOCCOUNT         KIND#L<lvl>#S<status>#T<type>  (n: documents of that kind, for analytics;
                                   a document's `counted_as` names the kind it is counted under)
query log (TTL)   QUERY#<id>       QUERY               QDAY#<yyyy-mm-dd> / <created>#<id>
feedback (TTL)    QUERY#<id>       FEEDBACK#<caller>
counter (TTL)     COUNTER#<key>    COUNTER

Every hot-path read is a GetItem or a Query on one partition; nothing scans. template.yaml declares
the same schema (a contract test compares them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from shared.adapters.aws import errors as aws_errors
from shared.adapters.aws.errors import error_code

TTL_ATTRIBUTE = "expires_at"
KEY_SCHEMA = (("PK", "HASH"), ("SK", "RANGE"))
INDEXES = {"GSI1": (("GSI1PK", "HASH"), ("GSI1SK", "RANGE")),
           "GSI2": (("GSI2PK", "HASH"), ("GSI2SK", "RANGE"))}

T = TypeVar("T")


def table_definition(name: str) -> dict[str, Any]:
    """CreateTable arguments for the table (tests and `vnrag` tooling; template.yaml says the same)."""
    attributes = [name for name, _ in KEY_SCHEMA] + [a for keys in INDEXES.values() for a, _ in keys]
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [{"AttributeName": a, "AttributeType": "S"} for a in attributes],
        "KeySchema": [{"AttributeName": a, "KeyType": t} for a, t in KEY_SCHEMA],
        "GlobalSecondaryIndexes": [
            {"IndexName": index, "KeySchema": [{"AttributeName": a, "KeyType": t} for a, t in keys],
             "Projection": {"ProjectionType": "ALL"}}
            for index, keys in INDEXES.items()],
    }


def create_table(client: Any, name: str) -> None:
    """Create the table with its TTL (idempotent: an existing table is left alone)."""
    try:
        client.create_table(**table_definition(name))
    except Exception as exc:  # noqa: BLE001 - only "already exists" is fine
        if error_code(exc) != "ResourceInUseException":
            raise
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    client.update_time_to_live(TableName=name,
                               TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE})


def call(fn: Callable[..., T], **kwargs: Any) -> T:
    """Run one SDK call on the table; throttling raises Throttled (retried by RetryPolicy), outages
    DependencyUnavailable, other errors pass through (shared/adapters/aws/errors.py)."""
    return aws_errors.call(fn, what="the database", **kwargs)


def all_items(fn: Callable[..., dict], **kwargs: Any) -> Iterator[dict[str, Any]]:
    """The raw items of a Query or Scan (`fn`), page after page, each page through `call`."""
    start = None
    while True:
        page = call(fn, **({**kwargs, "ExclusiveStartKey": start} if start else kwargs))
        yield from page.get("Items", [])
        start = page.get("LastEvaluatedKey")
        if not start:
            return


def is_condition_failure(exc: BaseException) -> bool:
    return error_code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException")


def key(pk: str, sk: str) -> dict[str, dict[str, str]]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def to_item(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """Plain values to DynamoDB attribute values; None values are left out (absent, not NULL)."""
    return {name: to_attr(value) for name, value in values.items() if value is not None}


def to_attr(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, int | float):
        return {"N": repr(value) if isinstance(value, float) else str(value)}
    if isinstance(value, str):
        return {"S": value}
    if isinstance(value, list | tuple):
        return {"L": [to_attr(v) for v in value]}
    if isinstance(value, Mapping):
        return {"M": {k: to_attr(v) for k, v in value.items()}}
    raise TypeError(f"cannot store {type(value).__name__} in DynamoDB")


def from_item(item: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    return {name: from_attr(value) for name, value in item.items()}


def from_attr(value: Mapping[str, Any]) -> Any:
    [(kind, raw)] = value.items()
    if kind == "N":
        return float(raw) if any(c in raw for c in ".eE") else int(raw)
    if kind == "L":
        return [from_attr(v) for v in raw]
    if kind == "M":
        return {k: from_attr(v) for k, v in raw.items()}
    if kind == "NULL":
        return None
    return raw  # S, BOOL
