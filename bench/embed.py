"""Benchmark the ONNX embedder: load time, passage throughput and single-query latency.

Usage::

    .venv/bin/python bench/embed.py [--model models/me5-small-q4] [--words 57] [--threads N]

Fills the BENCH_* (passages/s, CPU-ms per passage) and Q_* (query ms) placeholders of
docs/embedding-model.md. Passages are `title + text` of the first documents of the vi-legal-dev corpus
(read-only), cut into windows of `--words` words (57 matches the documented setup; 0 = whole documents);
queries are the first `--queries` questions of the same project.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from shared.adapters.onnx.embedder import OnnxEmbedder  # noqa: E402  (after the path tweak)

DATA = Path("/work/shared/data/vi-legal-dev")


def load_passages(corpus: Path, n: int, words: int) -> list[str]:
    """The first `n` passages: each document's title + text, cut into `words`-word windows if words > 0."""
    passages: list[str] = []
    with corpus.open(encoding="utf-8") as fh:
        for line in fh:
            doc = json.loads(line)
            text = f"{doc.get('title', '')}\n{doc['text']}".strip()
            if words > 0:
                tokens = text.split()
                passages += [" ".join(tokens[i : i + words]) for i in range(0, len(tokens), words)]
            else:
                passages.append(text)
            if len(passages) >= n:
                break
    return passages[:n]


def load_queries(path: Path, n: int) -> list[str]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line)["query"] for line, _ in zip(fh, range(n), strict=False)]


def main() -> int:
    parser = argparse.ArgumentParser(description="ONNX embedder benchmark")
    parser.add_argument("--model", type=Path, default=REPO / "models" / "me5-small-q4")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with corpus.jsonl and queries.jsonl")
    parser.add_argument("--passages", type=int, default=256)
    parser.add_argument("--words", type=int, default=57, help="words per passage; 0 = whole documents")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--threads", type=int, default=None, help="intra-op threads (default: all CPUs)")
    parser.add_argument("--repeat", type=int, default=3, help="passage runs; the best one is reported")
    args = parser.parse_args()

    passages = load_passages(args.data / "corpus.jsonl", args.passages, args.words)
    queries = load_queries(args.data / "queries.jsonl", args.queries)

    t0 = time.perf_counter()
    emb = OnnxEmbedder(args.model, batch_size=args.batch_size, threads=args.threads)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    emb.embed_queries(["khởi động"])  # first run allocates ORT buffers; reported separately
    first_ms = (time.perf_counter() - t0) * 1000

    tokens = [len(emb._tokenizer.encode("passage: " + unicodedata.normalize("NFC", p)).ids) for p in passages]
    runs = []
    for _ in range(args.repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        emb.embed_passages(passages)
        runs.append((time.perf_counter() - wall, time.process_time() - cpu))
    wall_s, cpu_s = min(runs)

    latencies = []
    for q in queries:
        t0 = time.perf_counter()
        emb.embed_queries([q])
        latencies.append((time.perf_counter() - t0) * 1000)

    print(f"model          {emb.model_id} ({args.model})")
    print(f"machine        {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"threads        {emb._session.get_session_options().intra_op_num_threads}")
    print(f"load           {load_s:.3f} s   (first query {first_ms:.1f} ms)")
    words = statistics.mean(len(p.split()) for p in passages)
    print(
        f"passages       {len(passages)} x ~{words:.0f} words, {statistics.mean(tokens):.0f} tokens mean / "
        f"{max(tokens)} max, batch {args.batch_size}, length-sorted"
    )
    print(
        f"throughput     {len(passages) / wall_s:.1f} passages/s  ({wall_s:.2f} s wall, "
        f"{1000 * cpu_s / len(passages):.1f} CPU-ms per passage; best of {args.repeat})"
    )
    print(
        f"query          {statistics.median(latencies):.1f} ms median of {len(latencies)} "
        f"(p90 {sorted(latencies)[int(0.9 * (len(latencies) - 1))]:.1f} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
