"""`vnrag eval`: index a JSONL corpus through the normal ingest pipeline and score a query set.

Each corpus passage is ingested as one document (its `title` and `text`), exactly as any file's text
would be; retrieval is judged on documents, a document ranked by its best chunk.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.bootstrap.local import LocalServices
from shared.domain.rbac import UNRESTRICTED
from shared.services.evaluation.confidence import bootstrap_interval
from shared.services.evaluation.metrics import mean_metrics, percentile, query_metrics
from shared.services.ingestion import TextSource

# Chunks fetched per query: enough that 100 distinct documents survive the chunk → document merge.
_CHUNKS_PER_QUERY = 300


@dataclass(frozen=True, slots=True)
class EvalQuery:
    qid: str
    text: str
    relevant: frozenset[str]
    source: str


def load_corpus(path: Path) -> list[TextSource]:
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [TextSource(document_id=r["doc_id"], title=r.get("title") or "", text=r["text"],
                       document_type="law", source=str(path)) for r in rows]


def load_queries(path: Path) -> list[EvalQuery]:
    with path.open(encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    return [EvalQuery(qid=r["qid"], text=r["query"], relevant=frozenset(r["relevant"]),
                      source=(r.get("metadata") or {}).get("source", "unknown")) for r in rows]


def index_corpus(services: LocalServices, corpus: Sequence[TextSource],
                 progress: Callable[[int], None] | None = None) -> float:
    """Ingest the corpus; returns passages per second."""
    started = time.perf_counter()
    services.ingestor.ingest_texts(corpus, progress=progress)
    return len(corpus) / max(time.perf_counter() - started, 1e-9)


def rank_documents(services: LocalServices, question: str, *, mode: str) -> tuple[list[str], float]:
    """Document ids best first (each ranked by its best chunk) and the query's wall time in ms."""
    started = time.perf_counter()
    retrieval = services.retriever.retrieve(question, filter=UNRESTRICTED, k=_CHUNKS_PER_QUERY, mode=mode)
    elapsed = (time.perf_counter() - started) * 1000
    ranked: dict[str, None] = {}
    for hit in retrieval.hits:
        ranked.setdefault(hit.chunk.document_id, None)
    return list(ranked)[:100], elapsed


@dataclass(frozen=True, slots=True)
class QueryScore:
    qid: str
    source: str
    metrics: dict[str, float]
    ms: float


def score_queries(services: LocalServices, queries: Sequence[EvalQuery], *, mode: str,
                  transform: Callable[[str], str] = lambda q: q) -> list[QueryScore]:
    """Each question's metrics and wall time, in the order given (so two settings pair up by position)."""
    rank_documents(services, queries[0].text if queries else "khởi động", mode=mode)  # warm-up
    scores = []
    for q in queries:
        ranked, ms = rank_documents(services, transform(q.text), mode=mode)
        scores.append(QueryScore(q.qid, q.source, query_metrics(ranked, set(q.relevant)), ms))
    return scores


def with_intervals(rows: Sequence[dict[str, float]]) -> dict:
    """The mean of each figure and its 95 % bootstrap interval (under `ci95`)."""
    means = mean_metrics(rows)
    return {**means, "ci95": {name: bootstrap_interval([r[name] for r in rows]) for name in means}}


def summarize(scores: Sequence[QueryScore], *, mode: str) -> dict:
    by_source: dict[str, list[dict[str, float]]] = {}
    for s in scores:
        by_source.setdefault(s.source, []).append(s.metrics)
    latencies = [s.ms for s in scores]
    return {
        "mode": mode,
        **with_intervals([s.metrics for s in scores]),
        "queries": len(scores),
        "per_source": {src: {**with_intervals(rows), "queries": len(rows)} for src, rows in sorted(by_source.items())},
        "query_ms_p50": round(percentile(latencies, 50), 2),
        "query_ms_p95": round(percentile(latencies, 95), 2),
    }


def evaluate(services: LocalServices, queries: Sequence[EvalQuery], *, mode: str,
             transform: Callable[[str], str] = lambda q: q) -> dict:
    return summarize(score_queries(services, queries, mode=mode, transform=transform), mode=mode)
