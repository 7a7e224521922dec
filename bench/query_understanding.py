"""Dev figures with and without diacritics from one index and one code state (not part of the product).

Reuses the persistent evaluation index (.cache/eval-index, indexed on first use from the embedding
cache) and scores the dev questions as written and with every mark stripped, then measures the
syllable accuracy and the cost of the diacritic restorer.

    .venv/bin/python bench/query_understanding.py [--data ../shared/data/vi-legal-dev] [--mode hybrid]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.services.evaluation.runner import evaluate, index_corpus, load_corpus, load_queries
from shared.services.retrieval.understanding import canonical_question
from shared.services.text.normalize import fold_diacritics, syllables


def line(label: str, r: dict) -> str:
    drill = next((s for name, s in r["per_source"].items() if "DRiLL" in name), {})
    return (f"{label:<10} R@1 {r['recall@1']:.3f}  R@5 {r['recall@5']:.3f}  R@10 {r['recall@10']:.3f}  "
            f"MRR@10 {r['mrr@10']:.3f}  nDCG@10 {r['ndcg@10']:.3f}  DRiLL R@10 {drill.get('recall@10', 0):.3f}  "
            f"p50 {r['query_ms_p50']:.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/vi-legal-dev"))
    parser.add_argument("--index-dir", type=Path, default=Path(".cache/eval-index"))
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--reindex", action="store_true")
    args = parser.parse_args()
    services = build_local_services(LocalSettings(data_dir=args.index_dir),
                                    embedding_cache=Path(".cache/embeddings.sqlite"))
    queries = load_queries(args.data / "queries.jsonl")
    if args.reindex or services.index.count() == 0:
        index_corpus(services, load_corpus(args.data / "corpus.jsonl"))

    resources = services.index.query_resources()
    restorer = resources.restorer
    right = total = 0
    started = time.perf_counter()
    for q in queries:
        text = canonical_question(q.text)
        restored = restorer.restore(fold_diacritics(text))
        pairs = list(zip(syllables(text), syllables(restored), strict=True))
        right += sum(a == b for a, b in pairs)
        total += len(pairs)
    per_question = (time.perf_counter() - started) * 1000 / len(queries)
    print(f"restorer: {right / total:.4f} of {total} syllables right, {per_question:.2f} ms per question "
          f"(incl. folding), vocabulary {restorer.vocabulary_size} syllables")

    print(line("accented", evaluate(services, queries, mode=args.mode)))
    print(line("stripped", evaluate(services, queries, mode=args.mode, transform=fold_diacritics)))


if __name__ == "__main__":
    main()
