"""How well the answerer's "nothing relevant found" gate separates real questions from off-topic ones.

Prints, for the dev questions (all answerable from the corpus) and for off-topic questions, the
distribution of the best passage's cosine and word coverage, and the share each threshold accepts.

    .venv/bin/python bench/answer_gate.py [--index-dir .cache/eval-index]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.domain.models import AccessLevel, SearchFilter
from shared.services.answering.sentences import coverage
from shared.services.evaluation.runner import load_queries

EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)


def best_scores(services, questions: list[str]) -> tuple[np.ndarray, np.ndarray]:
    dense, cover = [], []
    for q in questions:
        retrieval = services.retriever.retrieve(q, filter=EVERYTHING, k=5)
        dense.append(max(h.dense_score for h in retrieval.hits))
        cover.append(max(coverage(retrieval.query.text, h.chunk.passage) for h in retrieval.hits))
    return np.array(dense), np.array(cover)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/vi-legal-dev"))
    parser.add_argument("--index-dir", type=Path, default=Path(".cache/eval-index"))
    args = parser.parse_args()
    services = build_local_services(LocalSettings(data_dir=args.index_dir),
                                    embedding_cache=Path(".cache/embeddings.sqlite"))
    real = [q.text for q in load_queries(args.data / "queries.jsonl")]
    off = Path(__file__).with_name("data").joinpath("off_topic_questions.txt").read_text(encoding="utf-8").split("\n")
    off = [q for q in off if q.strip()]
    real_dense, real_cov = best_scores(services, real)
    off_dense, off_cov = best_scores(services, off)
    for name, values in (("real dense", real_dense), ("off-topic dense", off_dense),
                         ("real coverage", real_cov), ("off-topic coverage", off_cov)):
        print(f"{name:<20} p5 {np.percentile(values, 5):.3f}  p50 {np.median(values):.3f}  max {values.max():.3f}")
    for dense_t in (0.80, 0.84, 0.85, 0.86, 0.87, 0.88):
        for cov_t in (0.6, 0.8, 0.9, 1.01):
            real_ok = np.mean((real_dense >= dense_t) | (real_cov >= cov_t))
            off_ok = np.mean((off_dense >= dense_t) | (off_cov >= cov_t))
            print(f"dense >= {dense_t:.2f} or coverage >= {cov_t:.1f}: answers {real_ok:.1%} of real questions, "
                  f"{off_ok:.1%} of off-topic ones")


if __name__ == "__main__":
    main()
