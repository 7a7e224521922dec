"""Document records in the DynamoDB table, listed and counted without scans.

Listing "what this caller may read, newest first, page N, and how many in all" is a scan in a naive
design. Here each document sits in the GSI partition of its access level (GSI1, `DOCS#L<level>`) and of
its level and type (GSI2, `DOCS#L<level>#T<type>`), sorted by creation time. A listing queries the
partitions the filter allows (at most 4 levels, times the requested types) newest first and merges
them; the total is the sum of counter items (`DOCCOUNT`, one per partition) that every put and delete
adjusts in the same transaction as the document itself.

The same transaction moves the analytics count of the document's kind (type, level, status;
`shared.domain.document_counts`): item `KIND#<kind key>` in the `DOCCOUNT` partition, read back by one Query.
A document records the kind it is counted under (`counted_as`), so a replace or delete takes back exactly
what was added. Documents written before these counts existed have no `counted_as`: the one-time
`rebuild_document_counts` (an explicit admin operation, `vnrag stats --rebuild-document-counts --table`)
scans for them and counts each in its own conditional transaction, so it is exact even while documents
are being written, and running it again counts nothing twice.

Trade-offs: a page at offset `skip` reads up to `skip + limit` items from each partition (fine for the
admin listing's small pages; a cursor would avoid it but the API is offset-based); GSIs are eventually
consistent, so a document written a moment ago may be missing from a listing for a fraction of a second
(GetItem is strongly consistent); a filter by document ids is a BatchGetItem of those ids.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import random
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from shared.adapters.aws.dynamodb.table import all_items, call, from_item, is_condition_failure, key, to_item
from shared.domain.document_counts import count_changes, positive
from shared.domain.models import AccessLevel, Document, DocumentKind, DocumentStatus, SearchFilter

_COUNT_PK = "DOCCOUNT"
_KIND = "KIND#"  # sort key prefix of the per-kind counters, next to the per-partition ones (`L<lvl>…`)
_ATTEMPTS = 5  # optimistic-lock retries when two writers update one document (or one counter) at once
logger = logging.getLogger(__name__)


def _doc_key(document_id: str) -> dict:
    return key(f"DOC#{document_id}", "DOC")


def _partitions(level: int, document_type: str) -> tuple[str, str]:
    return f"L{level}", f"L{level}#T{document_type}"


class DynamoDBDocumentStore:
    """DocumentStore on DynamoDB."""

    def __init__(self, table_name: str, *, client: Any) -> None:
        self._table, self._client = table_name, client

    def put_document(self, document: Document) -> None:
        for _ in range(_ATTEMPTS):
            old = self._get(document.id)
            now = datetime.now(UTC).isoformat()
            created = old["created_at"] if old else (document.created_at or datetime.now(UTC)).isoformat()
            sort = f"{created}#{document.id}"
            level, dtype = int(document.access_level), document.document_type
            kind = DocumentKind.of(document)
            item = {**_doc_key(document.id), **to_item({
                "kind": "document", "id": document.id, "title": document.title, "document_type": dtype,
                "access_level": level, "source": document.source, "status": str(document.status),
                "error": document.error, "chunk_count": document.chunk_count,
                "content_hash": document.content_hash, "created_at": created, "updated_at": now,
                "metadata": json.dumps(document.metadata, ensure_ascii=False), "counted_as": kind.key,
                "GSI1PK": f"DOCS#L{level}", "GSI1SK": sort, "GSI2PK": f"DOCS#L{level}#T{dtype}", "GSI2SK": sort})}
            deltas = Counter(_partitions(level, dtype))
            if old:
                deltas.subtract(_partitions(old["access_level"], old["document_type"]))
            deltas.update(_kind_deltas(_counted_as(old), kind))
            put = {"TableName": self._table, "Item": item, **self._unchanged_since(old)}
            if self._transact([{"Put": put}], deltas):
                return
            _back_off()
        raise RuntimeError(f"document {document.id!r} kept changing under us")

    def get_document(self, document_id: str) -> Document | None:
        values = self._get(document_id)
        return _document(values) if values else None

    def delete_document(self, document_id: str) -> bool:
        for _ in range(_ATTEMPTS):
            old = self._get(document_id)
            if old is None:
                return False
            deltas = Counter(dict.fromkeys(_partitions(old["access_level"], old["document_type"]), -1))
            deltas.update(_kind_deltas(_counted_as(old), None))
            delete = {"TableName": self._table, "Key": _doc_key(document_id), **self._unchanged_since(old)}
            if self._transact([{"Delete": delete}], deltas):
                return True
            _back_off()
        raise RuntimeError(f"document {document_id!r} kept changing under us")

    def list_documents(self, *, filter: SearchFilter, skip: int = 0, limit: int = 50) -> tuple[list[Document], int]:
        if filter.document_ids is not None:
            return self._list_by_ids(filter, skip, limit)
        levels = range(int(filter.max_access_level) + 1)
        if filter.document_types is None:
            parts = [("GSI1", f"L{lv}") for lv in levels]
        else:
            parts = [("GSI2", f"L{lv}#T{t}") for lv in levels for t in sorted(filter.document_types)]
        total = self._count([p for _, p in parts])
        if limit <= 0 or skip >= total:
            return [], total
        streams = [self._newest_first(index, part, skip + limit) for index, part in parts]
        merged = heapq.merge(*streams, key=lambda v: v[f"{parts[0][0]}SK"], reverse=True)
        return [_document(v) for v in itertools.islice(merged, skip, skip + limit)], total

    def document_counts(self) -> dict[DocumentKind, int]:
        """One strongly consistent Query of the counter partition (a few items per level, type and status)."""
        kinds: dict[DocumentKind, int] = {}
        documents = counted = 0
        for item in self._partition(_COUNT_PK):
            sk, n = item["SK"], int(item.get("n", 0))
            if sk.startswith(_KIND):
                kinds[DocumentKind.from_key(sk.removeprefix(_KIND))] = n
                counted += n
            elif "#" not in sk:  # `L<lvl>`: every document is in exactly one of these
                documents += n
        if counted != documents:
            logger.warning("document counts cover %d of %d documents: run the one-time rebuild "
                           "(vnrag stats --rebuild-document-counts --table ...)", counted, documents)
        return positive(kinds)

    def rebuild_document_counts(self) -> dict[DocumentKind, int]:
        """Count every document not yet counted (written before the counts existed), then return the counts.

        An admin operation: one Scan of the table for documents without `counted_as`, then per document one
        transaction that marks it counted (on condition it is unchanged and still uncounted) and adds 1 to
        its kind. A document rewritten or deleted meanwhile was counted by its writer, or needs no count."""
        for item in all_items(self._client.scan, TableName=self._table, ConsistentRead=True,
                              FilterExpression="SK = :doc AND attribute_not_exists(counted_as)",
                              ExpressionAttributeValues={":doc": {"S": "DOC"}}):
            self._count_once(from_item(item)["id"])
        return self.document_counts()

    # -- internals ----------------------------------------------------------------------------------
    def _count_once(self, document_id: str) -> None:
        for _ in range(_ATTEMPTS):
            old = self._get(document_id)
            if old is None or _counted_as(old) is not None:
                return  # deleted, or rewritten (and so counted) by a writer since the scan
            kind = DocumentKind.of(_document(old))
            condition = self._unchanged_since(old)
            mark = {"TableName": self._table, "Key": _doc_key(document_id), "UpdateExpression": "SET counted_as = :k",
                    "ConditionExpression": condition["ConditionExpression"],
                    "ExpressionAttributeValues": {**condition["ExpressionAttributeValues"], ":k": {"S": kind.key}}}
            if self._transact([{"Update": mark}], Counter(_kind_deltas(None, kind))):
                return
            _back_off()
        raise RuntimeError(f"document {document_id!r} kept changing under us")

    def _partition(self, pk: str) -> Iterator[dict]:
        items = all_items(self._client.query, TableName=self._table, ConsistentRead=True,
                          KeyConditionExpression="PK = :p", ExpressionAttributeValues={":p": {"S": pk}})
        return (from_item(i) for i in items)

    def _get(self, document_id: str) -> dict | None:
        item = call(self._client.get_item, TableName=self._table, Key=_doc_key(document_id),
                    ConsistentRead=True).get("Item")
        return from_item(item) if item else None

    @staticmethod
    def _unchanged_since(old: dict | None) -> dict:
        """Optimistic lock: write only if the item is still what we read (so the counters stay exact).
        `counted_as` is part of it because the rebuild marks a document counted without touching it."""
        if old is None:
            return {"ConditionExpression": "attribute_not_exists(PK)"}
        if _counted_as(old) is None:
            return {"ConditionExpression": "updated_at = :seen AND attribute_not_exists(counted_as)",
                    "ExpressionAttributeValues": {":seen": {"S": old["updated_at"]}}}
        return {"ConditionExpression": "updated_at = :seen AND counted_as = :kind",
                "ExpressionAttributeValues": {":seen": {"S": old["updated_at"]}, ":kind": {"S": old["counted_as"]}}}

    def _transact(self, items: list[dict], deltas: Counter) -> bool:
        for part, n in sorted(deltas.items()):
            if n:
                items.append({"Update": {"TableName": self._table, "Key": key(_COUNT_PK, part),
                                         "UpdateExpression": "ADD #n :d", "ExpressionAttributeNames": {"#n": "n"},
                                         "ExpressionAttributeValues": {":d": {"N": str(n)}}}})
        try:
            call(self._client.transact_write_items, TransactItems=items)
        except Exception as exc:
            if is_condition_failure(exc):
                return False
            raise
        return True

    def _count(self, parts: list[str]) -> int:
        total = 0
        for start in range(0, len(parts), 100):  # BatchGetItem takes 100 keys
            keys = [key(_COUNT_PK, p) for p in parts[start:start + 100]]
            request: dict[str, Any] | None = {self._table: {"Keys": keys, "ProjectionExpression": "#n",
                                                            "ExpressionAttributeNames": {"#n": "n"}}}
            while request:
                out = call(self._client.batch_get_item, RequestItems=request)
                total += sum(int(i["n"]["N"]) for i in out.get("Responses", {}).get(self._table, []) if "n" in i)
                request = out.get("UnprocessedKeys") or None
        return total

    def _newest_first(self, index: str, part: str, wanted: int):
        start, seen = None, 0
        while seen < wanted:
            kwargs = {"TableName": self._table, "IndexName": index, "ScanIndexForward": False,
                      "KeyConditionExpression": f"{index}PK = :p", "Limit": min(wanted - seen, 500),
                      "ExpressionAttributeValues": {":p": {"S": f"DOCS#{part}"}}}
            page = call(self._client.query, **({**kwargs, "ExclusiveStartKey": start} if start else kwargs))
            for item in page.get("Items", []):
                seen += 1
                yield from_item(item)
            start = page.get("LastEvaluatedKey")
            if not start:
                return

    def _list_by_ids(self, filter: SearchFilter, skip: int, limit: int) -> tuple[list[Document], int]:
        ids = sorted(filter.document_ids or ())
        found: list[dict] = []
        for start in range(0, len(ids), 100):
            request: dict[str, Any] | None = {
                self._table: {"Keys": [_doc_key(i) for i in ids[start:start + 100]], "ConsistentRead": True}}
            while request:
                out = call(self._client.batch_get_item, RequestItems=request)
                found += [from_item(i) for i in out.get("Responses", {}).get(self._table, [])]
                request = out.get("UnprocessedKeys") or None
        allowed = [v for v in found if v["access_level"] <= int(filter.max_access_level)
                   and (filter.document_types is None or v["document_type"] in filter.document_types)]
        allowed.sort(key=lambda v: v["GSI1SK"], reverse=True)
        return [_document(v) for v in allowed[skip:skip + limit]], len(allowed)


def _counted_as(old: dict | None) -> DocumentKind | None:
    return DocumentKind.from_key(old["counted_as"]) if old and "counted_as" in old else None


def _kind_deltas(before: DocumentKind | None, after: DocumentKind | None) -> dict[str, int]:
    return {_KIND + kind.key: n for kind, n in count_changes(before, after).items()}


def _back_off() -> None:
    """A short random pause before retrying, so writers that collided on a counter do not collide again."""
    time.sleep(random.uniform(0.005, 0.05))  # noqa: S311 - jitter, not a secret


def _document(v: dict) -> Document:
    return Document(id=v["id"], title=v["title"], document_type=v["document_type"],
                    access_level=AccessLevel(v["access_level"]), source=v.get("source", ""),
                    status=DocumentStatus(v["status"]), error=v.get("error"), chunk_count=v["chunk_count"],
                    content_hash=v.get("content_hash", ""), created_at=datetime.fromisoformat(v["created_at"]),
                    updated_at=datetime.fromisoformat(v["updated_at"]), metadata=json.loads(v["metadata"]))
