"""An in-memory OpenSearch behind opensearch-py's transport: the real client, requests served in-process.

It understands exactly the requests the OpenSearch adapter sends (index create/exists/mapping, _bulk,
_msearch with bool/match, filter-only bool (with should) and knn queries, _delete_by_query, _count)
and fails loudly on anything else, so a change in the adapter's query shapes cannot pass unnoticed.
Every request is recorded.
Scoring: BM25 per field as Lucene does it in spirit (shared.retrieval.bm25), k-NN by exact inner
product with faiss's innerproduct score transform. Filters are applied before ranking, as OpenSearch's
efficient k-NN filtering does when the filter sits inside the knn clause.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import numpy as np
from opensearchpy import OpenSearch, Transport
from opensearchpy.exceptions import NotFoundError, RequestError

from shared.retrieval.bm25 import BM25Index


class FakeOpenSearchTransport(Transport):
    serverless = False  # True: behave like a Serverless vector collection (no _id on writes, no delete_by_query)

    def __init__(self, hosts: Any, **kwargs: Any) -> None:
        super().__init__(hosts, **kwargs)
        self.indices: dict[str, dict[str, Any]] = {}  # name -> {"body": create body, "docs": {id: source}}
        self.requests: list[tuple[str, str, dict, Any]] = []

    def perform_request(self, method: str, url: str, params: Any = None, body: Any = None, timeout: Any = None,
                        ignore: Any = (), headers: Any = None) -> Any:
        parsed = _parse(body)
        plain = {k: v.decode() if isinstance(v, bytes) else v for k, v in (params or {}).items()}
        self.requests.append((method, url, plain, parsed))
        parts = [p for p in url.split("/") if p]
        if method == "HEAD" and len(parts) == 1:
            return parts[0] in self.indices
        if method == "PUT" and len(parts) == 1:
            if parts[0] in self.indices:
                raise RequestError(400, "resource_already_exists_exception", {})
            self.indices[parts[0]] = {"body": parsed, "docs": {}}
            return {"acknowledged": True, "index": parts[0]}
        if method == "GET" and len(parts) == 2 and parts[1] == "_mapping":
            return {parts[0]: {"mappings": self._index(parts[0])["body"]["mappings"]}}
        if parts[-1] == "_bulk":
            return self._bulk(parsed)
        if parts[-1] == "_msearch":
            return {"responses": [self._search(parts[0] if len(parts) == 2 else header["index"], query)
                                  for header, query in zip(parsed[::2], parsed[1::2], strict=True)]}
        if parts[-1] == "_search":
            return self._search(parts[0], parsed)
        if parts[-1] == "_delete_by_query":
            if self.serverless:
                raise NotFoundError(404, "no handler found for uri [/_delete_by_query]", {})
            docs = self._index(parts[0])["docs"]
            doomed = [i for i, src in docs.items() if _matches(parsed["query"], i, src)]
            for i in doomed:
                del docs[i]
            return {"deleted": len(doomed), "failures": []}
        if parts[-1] == "_count":
            return {"count": len(self._index(parts[0])["docs"])}
        raise AssertionError(f"the fake does not know {method} {url}")

    def _index(self, name: str) -> dict[str, Any]:
        if name not in self.indices:
            raise NotFoundError(404, "index_not_found_exception", {})
        return self.indices[name]

    def _bulk(self, lines: list[dict]) -> dict:
        items, i = [], 0
        while i < len(lines):
            [(action, meta)] = lines[i].items()
            docs = self._index(meta["_index"])["docs"]
            if action == "index":
                if self.serverless and "_id" in meta:
                    raise RequestError(400, "illegal_argument_exception",
                                       "Document ID is not supported in create/index operation request")
                doc_id = meta.get("_id") or uuid.uuid4().hex
                docs[doc_id] = lines[i + 1]
                items.append({"index": {"_id": doc_id, "status": 201}})
                i += 2
            elif action == "delete":
                found = docs.pop(meta["_id"], None) is not None
                items.append({"delete": {"_id": meta["_id"], "status": 200 if found else 404}})
                i += 1
            else:
                raise AssertionError(f"the fake does not know the bulk action {action!r}")
        return {"errors": False, "items": items}

    def _search(self, index: str, body: dict) -> dict:
        docs = self._index(index)["docs"]
        query = body["query"]
        assert set(body) <= {"size", "_source", "track_total_hits", "query"}, "no post_filter, no extras"
        if "knn" in query:
            [(field, knn)] = query["knn"].items()
            allowed = [i for i, s in docs.items() if _matches(knn.get("filter", {"match_all": {}}), i, s)]
            vector = np.asarray(knn["vector"], dtype=np.float32)
            scored = [(i, _faiss_ip_score(float(np.dot(vector, docs[i][field])))) for i in allowed]
            hits = sorted(scored, key=lambda x: -x[1])[: min(knn["k"], body["size"])]
        elif "must" not in query["bool"]:  # a filter-only search (finding ids to delete)
            hits = [(i, 0.0) for i, s in docs.items() if _matches(query, i, s)][: body["size"]]
        else:
            bool_query = query["bool"]
            allowed = [i for i, s in docs.items() if all(_matches(c, i, s) for c in bool_query["filter"])]
            [must] = bool_query["must"]
            [(field, match)] = must["match"].items()
            index_terms = BM25Index.build([docs[i][field].split() for i in allowed])
            scores = index_terms.score(match["query"].split()) if allowed else np.zeros(0)
            hits = sorted(((i, float(s)) for i, s in zip(allowed, scores, strict=True) if s > 0),
                          key=lambda x: -x[1])[: body["size"]]
        source = body.get("_source", {})
        if source is False:
            return {"hits": {"hits": [{"_id": i, "_score": s} for i, s in hits]}}
        excluded = set(source.get("excludes", []))
        return {"hits": {"hits": [{"_id": i, "_score": s, "_source": {k: v for k, v in docs[i].items()
                                                                     if k not in excluded}} for i, s in hits]}}


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
        return all({"lte": source[field] <= v, "gte": source[field] >= v}[op] for op, v in bounds.items())
    if kind == "terms":
        [(field, values)] = spec.items()
        return source[field] in values
    if kind == "term":
        [(field, value)] = spec.items()
        return source[field] == value
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
