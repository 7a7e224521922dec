"""Explore fusion settings on the dev benchmark from one set of raw scores (not part of the product).

Scores every query once per signal (segmented BM25, folded uni+bigram BM25, dense), then replays
fusion variants in numpy and prints recall/MRR/nDCG for each, overall and for DRiLL.

    .venv/bin/python bench/tune_fusion.py [--data ../shared/data/vi-legal-dev] [--reindex]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import numpy as np

from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.services.evaluation.metrics import mean_metrics, query_metrics
from shared.services.evaluation.runner import index_corpus, load_corpus, load_queries


def collect(data: Path, index_dir: Path, reindex: bool):
    services = build_local_services(LocalSettings(data_dir=index_dir),
                                    embedding_cache=Path(".cache/embeddings.sqlite"))
    corpus, queries = load_corpus(data / "corpus.jsonl"), load_queries(data / "queries.jsonl")
    if reindex or services.index.count() == 0:
        started = time.perf_counter()
        index_corpus(services, corpus)
        print(f"indexed in {time.perf_counter() - started:.1f} s")
    rows = []
    chunks = None
    for q in queries:
        query, _ = services.retriever.analyze(q.text)
        chunks, signals = services.index.score_all(query)
        rows.append(signals)
    doc_ids = np.array([c.document_id for c in chunks], dtype=object)
    return queries, rows, doc_ids


def minmax(x: np.ndarray, pool: np.ndarray) -> np.ndarray:
    lo, hi = x[pool].min(), x[pool].max()
    out = np.zeros_like(x)
    if hi > lo:
        out[pool] = (x[pool] - lo) / (hi - lo)
    return out


def fuse(signals: dict[str, np.ndarray], weights: dict[str, float], n_cand: int, how: str) -> np.ndarray:
    total = np.zeros_like(next(iter(signals.values())))
    for name, w in weights.items():
        if w <= 0:
            continue
        x = signals[name]
        pool = np.argpartition(-x, n_cand)[:n_cand]
        if how == "minmax":
            total += w * minmax(x, pool)
        elif how == "rrf":
            ranks = np.empty(len(pool))
            ranks[np.argsort(-x[pool])] = np.arange(1, len(pool) + 1)
            contrib = np.zeros_like(x)
            contrib[pool] = 1.0 / (60 + ranks)
            total += w * contrib
        elif how == "zscore":
            mu, sd = x[pool].mean(), x[pool].std() + 1e-9
            z = np.zeros_like(x)
            z[pool] = (x[pool] - mu) / sd + 3
            total += w * z
    return total


def rank_docs(chunk_scores: np.ndarray, doc_ids: np.ndarray, top: int = 100) -> list[str]:
    order = np.argsort(-chunk_scores, kind="stable")[: top * 4]
    seen: dict[str, None] = {}
    for i in order:
        seen.setdefault(doc_ids[i], None)
    return list(seen)[:top]


def score(queries, rows, doc_ids, weights, n_cand=100, how="minmax") -> tuple[dict, dict]:
    per, drill = [], []
    for q, signals in zip(queries, rows, strict=True):
        ranked = rank_docs(fuse(signals, weights, n_cand, how), doc_ids)
        m = query_metrics(ranked, set(q.relevant))
        per.append(m)
        if "DRiLL" in q.source:
            drill.append(m)
    return mean_metrics(per), mean_metrics(drill)


def show(label: str, overall: dict, drill: dict) -> None:
    print(f"{label:<48} R@10 {overall['recall@10']:.3f} MRR {overall['mrr@10']:.3f} nDCG {overall['ndcg@10']:.3f}"
          f" R@100 {overall['recall@100']:.3f} | DRiLL R@10 {drill['recall@10']:.3f} MRR {drill['mrr@10']:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/vi-legal-dev"))
    parser.add_argument("--index-dir", type=Path, default=Path(".cache/eval-index"))
    parser.add_argument("--reindex", action="store_true")
    args = parser.parse_args()
    queries, rows, doc_ids = collect(args.data, args.index_dir, args.reindex)
    for name in ("lexical", "folded", "dense"):
        show(name, *score(queries, rows, doc_ids, {name: 1.0}))
    show("plain 0.5 lexical / 0.5 dense", *score(queries, rows, doc_ids, {"lexical": 0.5, "dense": 0.5}))
    for how in ("minmax", "rrf", "zscore"):
        for lex, fold in itertools.product((0.0, 0.15, 0.25, 0.35, 0.45), (0.0, 0.1, 0.2, 0.3)):
            dense = round(1 - lex - fold, 2)
            if dense < 0.2:
                continue
            w = {"lexical": lex, "folded": fold, "dense": dense}
            show(f"{how} lex {lex} fold {fold} dense {dense}", *score(queries, rows, doc_ids, w, how=how))


if __name__ == "__main__":
    main()
