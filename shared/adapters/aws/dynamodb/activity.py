"""Query log and feedback in the DynamoDB table.

A query record expires after `retention_days` (TTL), its feedback items live in the same partition
(`QUERY#<id>`), so a query and its ratings are read with one Query. GSI1 groups queries by UTC day, for
the analytics function to read a day without scanning the table.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from shared.adapters.aws.dynamodb.table import TTL_ATTRIBUTE, call, from_item, key, to_item
from shared.domain.activity import FeedbackRecord, QueryRecord


class DynamoDBActivityStore:
    """ActivityStore on DynamoDB (put_query, get_query, put_feedback) plus list_feedback."""

    def __init__(self, table_name: str, *, client: Any, retention_days: int | None = 90) -> None:
        """`retention_days=None` keeps queries and ratings for ever (no TTL attribute)."""
        self._table, self._client = table_name, client
        self._retention = timedelta(days=retention_days) if retention_days else None

    def put_query(self, record: QueryRecord) -> None:
        created = record.created_at.isoformat()
        item = {**key(f"QUERY#{record.id}", "QUERY"), **to_item({
            "kind": "query", "id": record.id, "principal_id": record.principal_id, "role": record.role,
            "question": record.question, "created_at": created, "latency_ms": float(record.latency_ms),
            "found": record.found, "document_ids": list(record.document_ids),
            "timings_ms": {k: float(v) for k, v in record.timings_ms.items()},
            TTL_ATTRIBUTE: self._expiry(record.created_at),
            "GSI1PK": f"QDAY#{record.created_at.date().isoformat()}", "GSI1SK": f"{created}#{record.id}"})}
        call(self._client.put_item, TableName=self._table, Item=item)

    def get_query(self, query_id: str) -> QueryRecord | None:
        item = call(self._client.get_item, TableName=self._table, Key=key(f"QUERY#{query_id}", "QUERY"),
                    ConsistentRead=True).get("Item")
        if not item:
            return None
        v = from_item(item)
        return QueryRecord(id=v["id"], principal_id=v["principal_id"], role=v["role"], question=v["question"],
                           created_at=datetime.fromisoformat(v["created_at"]), latency_ms=float(v["latency_ms"]),
                           found=v["found"], document_ids=tuple(v["document_ids"]),
                           timings_ms={k: float(x) for k, x in v["timings_ms"].items()})

    def put_feedback(self, record: FeedbackRecord) -> None:
        """One rating per caller and query: a second one replaces the first (same key)."""
        item = {**key(f"QUERY#{record.query_id}", f"FEEDBACK#{record.principal_id}"), **to_item({
            "kind": "feedback", "query_id": record.query_id, "principal_id": record.principal_id,
            "rating": record.rating, "comment": record.comment, "created_at": record.created_at.isoformat(),
            TTL_ATTRIBUTE: self._expiry(record.created_at)})}
        call(self._client.put_item, TableName=self._table, Item=item)

    def _expiry(self, created_at: datetime) -> int | None:
        return int((created_at + self._retention).timestamp()) if self._retention else None

    def list_feedback(self, query_id: str) -> list[FeedbackRecord]:
        page = call(self._client.query, TableName=self._table,
                    KeyConditionExpression="PK = :pk AND begins_with(SK, :fb)",
                    ExpressionAttributeValues={":pk": {"S": f"QUERY#{query_id}"}, ":fb": {"S": "FEEDBACK#"}})
        return [FeedbackRecord(query_id=v["query_id"], principal_id=v["principal_id"], rating=v["rating"],
                               comment=v["comment"], created_at=datetime.fromisoformat(v["created_at"]))
                for v in map(from_item, page.get("Items", []))]
