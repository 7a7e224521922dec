"""An in-memory OpenSearch behind opensearch-py's transport: the real client, requests served in-process.

It understands exactly the requests the OpenSearch adapter sends (index create/exists/mapping, _bulk,
_doc get/index/delete with optimistic concurrency, _msearch/_search with bool/match, filter-only bool
(with should), match_all and knn queries, _delete_by_query, _count) and fails loudly on anything else,
so a change in the adapter's query shapes cannot pass unnoticed. Every request is recorded, and
`before_write(method, url)`, when set, runs before each request that writes (to interleave searches).
Visibility is modelled: writes land in `live` (what a real-time GET reads) and reach `docs` (what
searches read) at a refresh: on a managed domain when the request asks for one (`refresh=true` or
`wait_for`), on Serverless `serverless_lag` requests after the write, as an asynchronous refresh would.
Scoring: BM25 per field as Lucene does it in spirit (shared.services.retrieval.bm25), k-NN by exact inner
product with faiss's innerproduct score transform. Filters are applied before ranking, as OpenSearch's
efficient k-NN filtering does when the filter sits inside the knn clause.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
from opensearchpy import OpenSearch, Transport
from opensearchpy.exceptions import ConflictError, NotFoundError, RequestError

from shared.services.retrieval.bm25 import BM25Index


class FakeOpenSearchTransport(Transport):
    serverless = False  # True: behave like a Serverless vector collection (no _id on writes, no delete_by_query)
    serverless_lag = 2  # Serverless: a write becomes searchable this many requests later

    def __init__(self, hosts: Any, **kwargs: Any) -> None:
        super().__init__(hosts, **kwargs)
        # name -> {"body": create body, "docs": searchable {id: source}, "live": {id: source}, "seq": {id: n}}
        self.indices: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict, Any]] = []
        self.before_write: Any = None
        self._seq_no, self._tick, self._dirty, self._hooked = 0, 0, {}, False

    def perform_request(self, method: str, url: str, params: Any = None, body: Any = None, timeout: Any = None,
                        ignore: Any = (), headers: Any = None) -> Any:
        parsed = _parse(body)
        plain = {k: v.decode() if isinstance(v, bytes) else v for k, v in (params or {}).items()}
        parts = [p for p in url.split("/") if p]
        if self.before_write and not self._hooked and not _is_read(method, parts):
            self._hooked = True
            try:
                self.before_write(method, url)
            finally:
                self._hooked = False
        self.requests.append((method, url, plain, parsed))
        self._tick += 1
        for name, tick in list(self._dirty.items()):
            if self.serverless and tick + self.serverless_lag <= self._tick:
                self.refresh(name)
        out = self._serve(method, parts, plain, parsed)
        if plain.get("refresh") in ("true", "wait_for"):
            assert not self.serverless, "Serverless takes no refresh parameter"
            for name in list(self._dirty):
                self.refresh(name)
        return out

    def refresh(self, name: str) -> None:
        index = self.indices[name]
        index["docs"], index["visible_seq"] = dict(index["live"]), dict(index["seq"])
        self._dirty.pop(name, None)

    def _serve(self, method: str, parts: list[str], params: dict, parsed: Any) -> Any:
        if method == "HEAD" and len(parts) == 1:
            return parts[0] in self.indices
        if method == "PUT" and len(parts) == 1:
            if parts[0] in self.indices:
                raise RequestError(400, "resource_already_exists_exception", {})
            self.indices[parts[0]] = {"body": parsed, "docs": {}, "live": {}, "seq": {}, "visible_seq": {}}
            return {"acknowledged": True, "index": parts[0]}
        if method == "GET" and len(parts) == 2 and parts[1] == "_mapping":
            return {parts[0]: {"mappings": self._index(parts[0])["body"]["mappings"]}}
        if method == "PUT" and len(parts) == 2 and parts[1] == "_mapping":
            self._index(parts[0])["body"]["mappings"]["properties"].update(parsed["properties"])
            return {"acknowledged": True}
        if len(parts) >= 2 and parts[1] == "_doc":
            return self._doc(method, parts, params, parsed)
        if parts[-1] == "_bulk":
            return self._bulk(parsed)
        if parts[-1] == "_msearch":
            responses = []
            for header, query in zip(parsed[::2], parsed[1::2], strict=True):
                try:
                    responses.append(self._search(parts[0] if len(parts) == 2 else header["index"], query))
                except NotFoundError:
                    responses.append({"error": {"type": "index_not_found_exception"}, "status": 404})
            return {"responses": responses}
        if parts[-1] == "_search":
            return self._search(parts[0], parsed)
        if parts[-1] == "_delete_by_query":
            if self.serverless:
                raise NotFoundError(404, "no handler found for uri [/_delete_by_query]", {})
            index = self._index(parts[0])
            doomed = [i for i, src in index["docs"].items() if _matches(parsed["query"], i, src)]
            for i in doomed:
                self._put(parts[0], i, None)
            return {"deleted": len(doomed), "failures": []}
        if parts[-1] == "_count":
            return {"count": len(self._index(parts[0])["docs"])}
        raise AssertionError(f"the fake does not know {method} /{'/'.join(parts)}")

    def _auto_create(self, name: str) -> None:
        """A write to a missing index creates it, as OpenSearch does (action.auto_create_index): with a dynamic
        mapping that has no k-NN vector field."""
        if name not in self.indices:
            self.indices[name] = {"body": {"mappings": {"dynamic": True, "properties": {}}}, "auto_created": True,
                                  "docs": {}, "live": {}, "seq": {}, "visible_seq": {}}

    def _index(self, name: str) -> dict[str, Any]:
        if name not in self.indices:
            raise NotFoundError(404, "index_not_found_exception", {})
        return self.indices[name]

    def _put(self, name: str, doc_id: str, source: dict | None) -> int:
        index = self._index(name)
        self._seq_no += 1
        if source is None:
            index["live"].pop(doc_id, None)
            index["seq"].pop(doc_id, None)
        else:
            index["live"][doc_id], index["seq"][doc_id] = source, self._seq_no
        self._dirty.setdefault(name, self._tick)
        return self._seq_no

    def _doc(self, method: str, parts: list[str], params: dict, parsed: Any) -> Any:
        name, doc_id = parts[0], (parts[2] if len(parts) > 2 else None)
        if method != "GET" and method != "DELETE":
            self._auto_create(name)
        index = self._index(name)
        if method == "GET":  # real time: reads the latest write, refreshed or not
            if doc_id not in index["live"]:
                raise NotFoundError(404, "not_found", {"found": False})
            return {"_id": doc_id, "found": True, "_source": index["live"][doc_id],
                    "_seq_no": index["seq"][doc_id], "_primary_term": 1}
        if doc_id is not None and self.serverless:
            raise RequestError(400, "illegal_argument_exception",
                               "Document ID is not supported in create/index operation request")
        if doc_id is not None:
            current = index["seq"].get(doc_id)
            if params.get("op_type") == "create" and current is not None:
                raise ConflictError(409, "version_conflict_engine_exception", {})
            if "if_seq_no" in params and (current is None or int(params["if_seq_no"]) != current
                                          or int(params["if_primary_term"]) != 1):
                raise ConflictError(409, "version_conflict_engine_exception", {})
            if method == "DELETE":
                if current is None:
                    raise NotFoundError(404, "not_found", {})
                return {"_id": doc_id, "result": "deleted", "_seq_no": self._put(name, doc_id, None)}
        doc_id = doc_id or uuid.uuid4().hex
        return {"_id": doc_id, "result": "created", "_seq_no": self._put(name, doc_id, parsed), "_primary_term": 1}

    def _bulk(self, lines: list[dict]) -> dict:
        items, i = [], 0
        while i < len(lines):
            [(action, meta)] = lines[i].items()
            if action == "index":
                self._auto_create(meta["_index"])
            live = self._index(meta["_index"])["live"]
            if action == "index":
                if self.serverless and "_id" in meta:
                    raise RequestError(400, "illegal_argument_exception",
                                       "Document ID is not supported in create/index operation request")
                doc_id = meta.get("_id") or uuid.uuid4().hex
                self._put(meta["_index"], doc_id, lines[i + 1])
                items.append({"index": {"_id": doc_id, "status": 201}})
                i += 2
            elif action == "delete":
                found = meta["_id"] in live
                self._put(meta["_index"], meta["_id"], None)
                items.append({"delete": {"_id": meta["_id"], "status": 200 if found else 404}})
                i += 1
            else:
                raise AssertionError(f"the fake does not know the bulk action {action!r}")
        return {"errors": False, "items": items}

    def _search(self, index: str, body: dict) -> dict:
        docs = self._index(index)["docs"]
        query = body["query"]
        assert set(body) <= {"size", "_source", "track_total_hits", "query", "seq_no_primary_term"}, \
            "no post_filter, no extras"
        if "knn" in query:
            [(field, knn)] = query["knn"].items()
            allowed = [i for i, s in docs.items() if _matches(knn.get("filter", {"match_all": {}}), i, s)]
            vector = np.asarray(knn["vector"], dtype=np.float32)
            scored = [(i, _faiss_ip_score(float(np.dot(vector, docs[i][field])))) for i in allowed]
            matched = sorted(scored, key=lambda x: -x[1])[: knn["k"]]
        elif "match_all" in query or "must" not in query["bool"]:  # filter-only: state records, ids to delete
            matched = [(i, 0.0) for i, s in docs.items() if _matches(query, i, s)]
        else:
            bool_query = query["bool"]
            allowed = [i for i, s in docs.items() if all(_matches(c, i, s) for c in bool_query["filter"])]
            [must] = bool_query["must"]
            [(field, match)] = must["match"].items()
            index_terms = BM25Index.build([docs[i][field].split() for i in allowed])
            scores = index_terms.score(match["query"].split()) if allowed else np.zeros(0)
            matched = sorted(((i, float(s)) for i, s in zip(allowed, scores, strict=True) if s > 0),
                             key=lambda x: -x[1])
        hits = matched[: body["size"]]
        total = {"total": {"value": len(matched), "relation": "eq"}} if body.get("track_total_hits") else {}
        source = body.get("_source", {})
        if source is False:
            return {"hits": {**total, "hits": [{"_id": i, "_score": s} for i, s in hits]}}
        excluded, included = set(source.get("excludes", [])), source.get("includes")
        seqs = self._index(index)["visible_seq"] if body.get("seq_no_primary_term") else None
        return {"hits": {**total, "hits": [
            {"_id": i, "_score": s, **({"_seq_no": seqs[i], "_primary_term": 1} if seqs is not None else {}),
             "_source": {k: v for k, v in docs[i].items()
                         if k not in excluded and (included is None or k in included)}} for i, s in hits]}}


def _is_read(method: str, parts: list[str]) -> bool:
    return method in ("HEAD", "GET") or (bool(parts) and parts[-1] in ("_search", "_msearch", "_count"))


def _faiss_ip_score(ip: float) -> float:
    return ip + 1 if ip >= 0 else 1 / (1 - ip)


def _matches(clause: dict, doc_id: str, source: dict) -> bool:
    [(kind, spec)] = clause.items()
    if kind == "match_all":
        return True
    if kind == "bool":
        assert set(spec) <= {"filter", "must", "must_not", "should", "minimum_should_match"}, spec
        should = spec.get("should", [])
        if should:
            assert spec.get("minimum_should_match") == 1, "a should clause must be required here"
        return (all(_matches(c, doc_id, source) for c in spec.get("filter", []) + spec.get("must", []))
                and not any(_matches(c, doc_id, source) for c in spec.get("must_not", []))
                and (not should or any(_matches(c, doc_id, source) for c in should)))
    if kind == "range":
        [(field, bounds)] = spec.items()
        if field not in source:
            return False
        value = source[field]
        tests = {"lte": lambda v: value <= v, "gte": lambda v: value >= v, "lt": lambda v: value < v}
        return all(tests[op](v) for op, v in bounds.items())
    if kind == "terms":
        [(field, values)] = spec.items()
        return field in source and source[field] in values
    if kind == "term":
        [(field, value)] = spec.items()
        return field in source and source[field] == value
    if kind == "exists":
        return spec["field"] in source
    if kind == "ids":
        return doc_id in spec["values"]
    raise AssertionError(f"the fake does not know the {kind!r} query")


def _parse(body: Any) -> Any:
    """Dict bodies arrive as given; _bulk and _msearch bodies arrive as NDJSON text."""
    if body is None or isinstance(body, dict | list):
        return body
    text = body.decode() if isinstance(body, bytes) else body
    return [json.loads(line) for line in text.split("\n") if line.strip()]


def fake_opensearch(*, serverless: bool = False) -> tuple[OpenSearch, FakeOpenSearchTransport]:
    client = OpenSearch(hosts=[{"host": "fake-opensearch", "port": 9200}], transport_class=FakeOpenSearchTransport)
    client.transport.serverless = serverless
    return client, client.transport
