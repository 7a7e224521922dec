"""The neighbouring-article bonus (`shared.services.retrieval.neighbours`) on the dev benchmark, off and at
several strengths, on all questions and on each half (even / odd positions in the file), so a gain
that holds on only one half shows as noise (not part of the product).

    .venv/bin/python bench/neighbours.py [--data ../shared/data/vi-legal-dev] [--boosts 0,0.1,0.2,0.3]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.services.evaluation.runner import evaluate, index_corpus, load_corpus, load_queries


def line(label: str, r: dict) -> str:
    drill = next((s for name, s in r["per_source"].items() if "DRiLL" in name), {})
    return (f"{label:<22} R@10 {r['recall@10']:.3f}  MRR@10 {r['mrr@10']:.3f}  nDCG@10 {r['ndcg@10']:.3f}  "
            f"R@100 {r['recall@100']:.3f}  DRiLL R@10 {drill.get('recall@10', 0):.3f} (n={drill.get('queries', 0)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/vi-legal-dev"))
    parser.add_argument("--index-dir", type=Path, default=Path(".cache/eval-index"))
    parser.add_argument("--boosts", default="0,0.1,0.15,0.2,0.3")
    args = parser.parse_args()
    queries = load_queries(args.data / "queries.jsonl")
    halves = {"all": queries, "even half": queries[0::2], "odd half": queries[1::2]}
    for boost in (float(b) for b in args.boosts.split(",")):
        services = build_local_services(LocalSettings(data_dir=args.index_dir, neighbour_boost=boost),
                                        embedding_cache=Path(".cache/embeddings.sqlite"))
        if services.index.count() == 0:
            index_corpus(services, load_corpus(args.data / "corpus.jsonl"))
        for name, subset in halves.items():
            print(line(f"boost {boost} {name}", evaluate(services, subset, mode="hybrid")), flush=True)


if __name__ == "__main__":
    main()
