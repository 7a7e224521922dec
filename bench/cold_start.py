"""Cold start of the query entry point: a fresh interpreter to the first answered query.

Each run starts a new `python -I` (no user site, no PYTHON* variables; the repository put on sys.path by
the child itself) that imports the query path, reads the settings, loads the models (ONNX encoder, word
segmenter, index) and answers one question over a small pre-built index. The parent times the whole
thing from spawn to the printed answer; the child times its stages. Median of --runs runs.

With --compare-st PYTHON (a throwaway venv with torch==2.13.0 and sentence-transformers), the same child
runs under that interpreter with a sentence-transformers embedder over the same weights (bench/st_model.py
converts them to fp32), so the only difference is the embedder and its imports.

    .venv/bin/python bench/cold_start.py [--runs 5] [--compare-st /tmp/st-venv/bin/python] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "vi-legal-dev" / "corpus.jsonl"
QUESTION = "Người nghiện ma túy có phải đi cai nghiện bắt buộc không?"

# The child: stage times from its own start (perf_counter is process-relative enough for deltas).
CHILD = r"""
import json, sys, time
t0 = time.perf_counter()
repo, data_dir, cache, question, st_model, extra_path = sys.argv[1:7]
sys.path.insert(0, repo)
if extra_path:
    sys.path.append(extra_path)  # the project's dependencies, after the comparison venv's own
stages = {}
embedder = None
if st_model:
    import numpy as np
    import torch
    from sentence_transformers import SentenceTransformer
    stages["import_torch_st"] = time.perf_counter() - t0
from pathlib import Path
from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.domain.models import AccessLevel, SearchFilter
t1 = time.perf_counter(); stages["import"] = t1 - t0
settings = LocalSettings(data_dir=Path(data_dir))
t2 = time.perf_counter(); stages["settings"] = t2 - t1
if st_model:
    torch.set_num_threads(max(1, min(4, __import__("os").cpu_count() or 1)))
    class STEmbedder:
        model_id = "multilingual-e5-small-q4"
        dimension = 384
        def __init__(self, path):
            self.model = SentenceTransformer(path, device="cpu", local_files_only=True)
        def embed_queries(self, texts):
            return np.asarray(self.model.encode(["query: " + t for t in texts], normalize_embeddings=True),
                              dtype=np.float32)
        def embed_passages(self, texts):
            return np.asarray(self.model.encode(["passage: " + t for t in texts], normalize_embeddings=True),
                              dtype=np.float32)
    embedder = STEmbedder(st_model)
services = build_local_services(settings, embedder=embedder, embedding_cache=Path(cache))
t3 = time.perf_counter(); stages["model_load"] = t3 - t2
answer = services.answerer.answer(question, filter=SearchFilter(max_access_level=AccessLevel.RESTRICTED), top_k=5)
t4 = time.perf_counter(); stages["first_query"] = t4 - t3
stages["in_process"] = t4 - t0
print(json.dumps({"stages": stages, "found": answer.found, "sources": len(answer.citations)}), flush=True)
"""


def build_index(data_dir: Path, passages: int) -> None:
    """A small index of the first `passages` corpus passages (embedding cache reused when present)."""
    from shared.bootstrap.local import build_local_services
    from shared.config import LocalSettings
    from shared.services.evaluation.runner import index_corpus, load_corpus

    cache = REPO / ".cache" / "embeddings.sqlite"
    scratch = data_dir.parent / "build-cache.sqlite"
    if cache.exists():
        shutil.copyfile(cache, scratch)  # a copy: other processes may be writing the shared one
    services = build_local_services(LocalSettings(data_dir=data_dir), embedding_cache=scratch)
    index_corpus(services, load_corpus(CORPUS)[:passages])


def run_child(python: str, data_dir: Path, cache: Path, st_model: str = "", extra_path: str = "") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VNRAG_", "PYTHON"))}
    env["HF_HUB_OFFLINE"] = "1"
    env["TRANSFORMERS_OFFLINE"] = "1"
    started = time.perf_counter()
    done = subprocess.run([python, "-I", "-c", CHILD, str(REPO), str(data_dir), str(cache), QUESTION, st_model,
                           extra_path], capture_output=True, text=True, env=env, timeout=600)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"child failed ({done.returncode}):\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = wall
    result["stages"]["interpreter_start_exit"] = wall - result["stages"]["in_process"]
    return result


def series(label: str, python: str, data_dir: Path, runs: int, st_model: str = "", extra_path: str = "") -> dict:
    results = []
    for i in range(runs):
        cache = data_dir.parent / f"query-cache-{label}-{i}.sqlite"  # fresh: nothing of a previous run reused
        r = run_child(python, data_dir, cache, st_model, extra_path)
        results.append(r)
        stages = "  ".join(f"{k} {v * 1000:.0f} ms" for k, v in r["stages"].items() if k != "in_process")
        print(f"  {label} run {i + 1}: {r['wall']:.2f} s  ({stages}; answered={r['found']})", flush=True)
    walls = [r["wall"] for r in results]
    names = results[0]["stages"].keys()
    median_stages = {k: round(statistics.median(r["stages"][k] for r in results) * 1000, 1) for k in names}
    summary = {"median_s": round(statistics.median(walls), 3), "min_s": round(min(walls), 3),
               "max_s": round(max(walls), 3), "runs": runs, "median_stages_ms": median_stages,
               "answered": all(r["found"] for r in results)}
    print(f"{label}: median {summary['median_s']:.2f} s over {runs} runs (min {summary['min_s']:.2f}, "
          f"max {summary['max_s']:.2f}); median stages (ms): {median_stages}", flush=True)
    return summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--passages", type=int, default=200, help="Size of the pre-built index.")
    parser.add_argument("--compare-st", metavar="PYTHON", default=None,
                        help="Interpreter of a venv with torch==2.13.0 + sentence-transformers.")
    parser.add_argument("--st-model", type=Path, default=Path(tempfile.gettempdir()) / "vnrag-st-me5",
                        help="sentence-transformers folder (built by bench/st_model.py when missing).")
    parser.add_argument("--goal", type=float, default=1.5)
    parser.add_argument("--json", type=Path, default=None, help="Write the figures here.")
    args = parser.parse_args()

    load = os.getloadavg()
    print(f"cold start: {args.runs} runs, index of {args.passages} passages, load average "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs", flush=True)
    out: dict = {"benchmark": "cold_start", "question": QUESTION, "passages": args.passages,
                 "loadavg": [round(x, 2) for x in load], "cpus": os.cpu_count(), "goal_s": args.goal}
    with tempfile.TemporaryDirectory(prefix="vnrag-cold-") as tmp:
        data_dir = Path(tmp) / "data"
        started = time.perf_counter()
        build_index(data_dir, args.passages)
        print(f"index built in {time.perf_counter() - started:.1f} s", flush=True)
        out["ours"] = series("ours", sys.executable, data_dir, args.runs)
        out["ours"]["goal_met"] = out["ours"]["median_s"] <= args.goal
        if args.compare_st is None:
            print("sentence-transformers comparison skipped (pass --compare-st PATH_TO_PYTHON of a venv with "
                  "torch==2.13.0 and sentence-transformers)")
            out["sentence_transformers"] = {"skipped": "no --compare-st"}
        elif not Path(args.compare_st).exists():
            print(f"sentence-transformers comparison skipped: {args.compare_st} does not exist")
            out["sentence_transformers"] = {"skipped": f"{args.compare_st} missing"}
        else:
            from st_model import build as build_st_model  # bench/ is sys.path[0]

            st_dir = build_st_model(args.st_model)
            # The project's own dependencies (pydantic, crfsuite, ...) come from this venv, after the comparison
            # venv's packages (its numpy, tokenizers, torch win).
            site = sysconfig.get_paths()["purelib"]
            out["sentence_transformers"] = series("sentence-transformers", args.compare_st, data_dir, args.runs,
                                                  str(st_dir), site)
            out["sentence_transformers"]["model"] = "fp32 BertModel dequantised from the same Q4_0 weights"
            ratio = out["sentence_transformers"]["median_s"] / out["ours"]["median_s"]
            out["st_over_ours"] = round(ratio, 2)
            print(f"sentence-transformers + torch is {ratio:.1f}x slower to the first answer")
    verdict = "met" if out["ours"]["goal_met"] else "NOT met"
    print(f"goal <= {args.goal} s: {verdict} (median {out['ours']['median_s']:.2f} s)")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
