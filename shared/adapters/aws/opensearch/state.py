"""The per-document state records of atomic replacement (opensearch_generations.py), stored in `<index>-state`.

Managed domain: one record per document, `_id` = the document id, read in real time (GET) and written
with `refresh=wait_for` under optimistic concurrency (`if_seq_no`/`if_primary_term`, or `op_type=create`
for a new record), so concurrent writers of one document never lose each other's change: the loser
reads again and reapplies its transition.

Serverless (vector collections take no custom `_id`, no `refresh`, no real-time GET): each change adds
a record with the next `seq`; readers take the highest. A write returns once a search sees the new
record; the records it superseded are then deleted. Without conditional writes, two writers of the same
document at the same moment could both write the same `seq`: on Serverless, one writer per document.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shared.adapters.aws.opensearch.generations import DocumentState
from shared.adapters.aws.opensearch.queries import STATE_LIMIT
from shared.domain.errors import DependencyUnavailable


class StateRecords:
    def __init__(self, client: Any, index: str, *, call: Callable[..., Any], serverless: bool, refresh: bool | str,
                 await_visible: Callable[[Callable[[], bool], str], None], limit: int = STATE_LIMIT) -> None:
        self._client, self._index, self._call = client, index, call
        self._serverless, self._refresh, self._await, self._limit = serverless, refresh, await_visible, limit

    def get(self, document_id: str) -> DocumentState | None:
        from opensearchpy.exceptions import NotFoundError

        if self._serverless:
            return _newest(self._records(document_id))
        try:
            out = self._call(self._client.get, index=self._index, id=document_id)
        except NotFoundError:
            return None
        return DocumentState.from_source(out["_source"], seq_no=out["_seq_no"], primary_term=out["_primary_term"])

    def all(self) -> list[DocumentState]:
        from opensearchpy.exceptions import NotFoundError

        try:
            out = self._call(self._client.search, index=self._index,
                             body={"size": self._limit, "seq_no_primary_term": True, "query": {"match_all": {}}})
        except NotFoundError:
            return []
        newest: dict[str, DocumentState] = {}
        for hit in out["hits"]["hits"]:
            state = DocumentState.from_source(hit["_source"], seq_no=hit.get("_seq_no"),
                                              primary_term=hit.get("_primary_term"), id=hit["_id"])
            if state.document_id not in newest or state.seq > newest[state.document_id].seq:
                newest[state.document_id] = state
        return list(newest.values())

    def put(self, state: DocumentState, *, expected: DocumentState | None, now: float) -> None:
        """Write `state` in place of `expected` (None: no record yet); ConflictError if it changed meanwhile."""
        source = state.to_source(now)
        if self._serverless:
            self._call(self._client.index, index=self._index, body=source)
            self._await(lambda: any(r[1]["seq"] == state.seq for r in self._records(state.document_id)),
                        f"state {state.document_id}#{state.seq}")
            self._delete_ids([i for i, r in self._records(state.document_id) if r["seq"] < state.seq])
            return
        occ = ({"if_seq_no": expected.extra["seq_no"], "if_primary_term": expected.extra["primary_term"]}
               if expected is not None else {"op_type": "create"})
        self._call(self._client.index, index=self._index, id=state.document_id, body=source,
                   refresh=self._refresh, **occ)

    def drop(self, state: DocumentState) -> None:
        """Delete the record of a clean document (ConflictError if it changed since `state` was read)."""
        if self._serverless:  # older records must be gone first, or a search could fall back on one
            records = self._records(state.document_id)
            self._delete_ids([i for i, r in records if r["seq"] < state.seq])
            self._await(lambda: all(r["seq"] >= state.seq for _, r in self._records(state.document_id)),
                        f"older states of {state.document_id}")
            self._delete_ids([i for i, r in records if r["seq"] == state.seq])
            return
        self._call(self._client.delete, index=self._index, id=state.document_id, refresh=self._refresh,
                   if_seq_no=state.extra["seq_no"], if_primary_term=state.extra["primary_term"])

    def _records(self, document_id: str) -> list[tuple[str, dict]]:
        from opensearchpy.exceptions import NotFoundError

        try:
            query = {"bool": {"filter": [{"term": {"document_id": document_id}}]}}
            out = self._call(self._client.search, index=self._index, body={"size": 100, "query": query})
        except NotFoundError:
            return []
        return [(h["_id"], h["_source"]) for h in out["hits"]["hits"]]

    def _delete_ids(self, ids: list[str]) -> None:
        if ids:
            out = self._call(self._client.bulk, body=[{"delete": {"_index": self._index, "_id": i}} for i in ids])
            if out.get("errors"):
                raise DependencyUnavailable(f"state records were not deleted: {out['items']}")


def _newest(records: list[tuple[str, dict]]) -> DocumentState | None:
    if not records:
        return None
    _, source = max(records, key=lambda r: r[1]["seq"])
    return DocumentState.from_source(source)
