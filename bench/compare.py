"""Two settings on one index, judged by paired-bootstrap intervals of their per-question differences.

    .venv/bin/python bench/compare.py neighbour_boost=0.2 neighbour_boost=0 [--answers] [--index-dir DIR]

A and B are comma-separated `name=value` pairs of LocalSettings fields (`VNRAG_<NAME>` in the
environment), e.g. `weight_dense=0.5,weight_lexical=0.35`; an empty string is the defaults. The corpus
is indexed once (settings that change what is indexed, such as chunk sizes, cannot be compared this
way and are refused), then every question is scored under A and under B. For each figure, overall and
per source, it prints A, B, the mean of B - A and its 95 % interval over resampled questions; a
difference counts only when that interval excludes zero. With --answers the answer figures of
`vnrag eval --answers` are compared the same way. Figures go to --json (bench/results/compare.json).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.services.evaluation.answers import answer_rows, load_answer_queries
from shared.services.evaluation.confidence import paired_difference
from shared.services.evaluation.runner import index_corpus, load_corpus, load_queries, score_queries

RETRIEVAL_FIGURES = ("recall@1", "recall@5", "recall@10", "mrr@10", "ndcg@10")
ANSWER_FIGURES = ("answer_first_contains", "answer_contains")
_CHANGES_THE_INDEX = {"chunk_max_words", "chunk_overlap_words", "data_dir", "model_dir", "pyvi_dir"}
RESULTS = Path(__file__).with_name("results") / "compare.json"


def parse_setting(text: str) -> dict[str, str]:
    pairs = dict(pair.split("=", 1) for pair in text.split(",") if pair.strip())
    pairs = {name.strip(): value.strip() for name, value in pairs.items()}
    unknown = set(pairs) - set(LocalSettings.model_fields)
    if unknown:
        raise SystemExit(f"unknown settings: {', '.join(sorted(unknown))}")
    if set(pairs) & _CHANGES_THE_INDEX:
        raise SystemExit(f"{', '.join(sorted(set(pairs) & _CHANGES_THE_INDEX))} change the index itself: "
                         "compare those with two `vnrag eval` runs instead")
    return pairs


def compare_figures(a: Sequence[dict], b: Sequence[dict], figures: Sequence[str], group: str) -> dict:
    """Overall and per `group` (source, question type): A, B and the paired difference of each figure."""
    groups: dict[str, list[int]] = {"all": list(range(len(a)))}
    for i, row in enumerate(a):
        groups.setdefault(row[group], []).append(i)
    out = {}
    for name, members in groups.items():
        out[name] = {"questions": len(members)}
        for figure in figures:
            scores_a, scores_b = [a[i][figure] for i in members], [b[i][figure] for i in members]
            out[name][figure] = {"a": round(sum(scores_a) / len(members), 4),
                                 "b": round(sum(scores_b) / len(members), 4), **paired_difference(scores_a, scores_b)}
    return out


def print_comparison(title: str, table: dict) -> None:
    print(title)
    for name, figures in table.items():
        print(f"  {name} (n={figures['questions']})")
        for figure, f in figures.items():
            if figure == "questions":
                continue
            verdict = "differs" if f["excludes_zero"] else "no difference shown"
            print(f"    {figure:<22} A {f['a']:.3f}  B {f['b']:.3f}  B-A {f['difference']:+.4f} "
                  f"[{f['low']:+.4f}, {f['high']:+.4f}]  {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("a", help="setting A, e.g. neighbour_boost=0.2")
    parser.add_argument("b", help="setting B, e.g. neighbour_boost=0")
    parser.add_argument("--data", type=Path, default=Path("../shared/data/vi-legal-dev"))
    parser.add_argument("--index-dir", type=Path, default=None, help="Reuse this index (default: a fresh one).")
    parser.add_argument("--embedding-cache", type=Path, default=Path(".cache/embeddings.sqlite"))
    parser.add_argument("--mode", choices=["hybrid", "bm25", "dense"], default="hybrid")
    parser.add_argument("--answers", action="store_true", help="Also compare the answers (rows with metadata.answer).")
    parser.add_argument("--top-k", type=int, default=5)
    parser.add_argument("--json", type=Path, default=RESULTS, help="Where the figures go.")
    args = parser.parse_args()
    settings = {"A": parse_setting(args.a), "B": parse_setting(args.b)}
    with tempfile.TemporaryDirectory(prefix="vnrag-compare-") as tmp:
        index_dir = args.index_dir or Path(tmp)
        services = {label: build_local_services(LocalSettings(data_dir=index_dir, **pairs),
                                                embedding_cache=args.embedding_cache, answers=args.answers)
                    for label, pairs in settings.items()}
        if services["A"].index.count() == 0:
            print("indexing ...", file=sys.stderr, flush=True)
            index_corpus(services["A"], load_corpus(args.data / "corpus.jsonl"))
        queries = load_queries(args.data / "queries.jsonl")
        retrieval = {label: [{"source": s.source, **s.metrics} for s in score_queries(svc, queries, mode=args.mode)]
                     for label, svc in services.items()}
        result = {"a": settings["A"], "b": settings["B"], "mode": args.mode,
                  "retrieval": compare_figures(retrieval["A"], retrieval["B"], RETRIEVAL_FIGURES, "source")}
        if args.answers:
            kept, _ = load_answer_queries(args.data / "queries.jsonl")
            answers = {label: answer_rows(svc.answerer, kept, top_k=args.top_k) for label, svc in services.items()}
            result["answers"] = compare_figures(answers["A"], answers["B"], ANSWER_FIGURES, "question_type")
    print(f"A: {args.a or '(defaults)'}    B: {args.b or '(defaults)'}    mode {args.mode}")
    print_comparison("retrieval (per question, documents ranked by their best chunk)", result["retrieval"])
    if args.answers:
        print_comparison(f"answers (top {args.top_k})", result["answers"])
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
