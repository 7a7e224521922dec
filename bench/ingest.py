"""Ingest throughput: passages/s and chunks/s for the dev corpus through the normal ingest pipeline.

Each corpus passage is one document (as `vnrag eval` indexes it): chunked, embedded, indexed and recorded.
By default the embedding cache is a fresh temporary file, so every chunk is really embedded; --cache reuses
a cache (e.g. .cache/embeddings.sqlite, copied first) to measure everything but the embedding.

    .venv/bin/python bench/ingest.py [--limit N] [--cache .cache/embeddings.sqlite] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from tqdm import tqdm

from shared.bootstrap.local import build_local_services
from shared.config import LocalSettings
from shared.services.evaluation.runner import load_corpus

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "vi-legal-dev" / "corpus.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="Only the first N passages.")
    parser.add_argument("--cache", type=Path, default=None,
                        help="Reuse this embedding cache (copied). Default: a fresh one (real embedding rate).")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    passages = load_corpus(args.corpus)[: args.limit]
    load = os.getloadavg()
    print(f"ingest: {len(passages)} passages of {args.corpus.name}, "
          f"{'cached embeddings from ' + str(args.cache) if args.cache else 'fresh embedding cache'}, "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} CPUs", flush=True)
    with tempfile.TemporaryDirectory(prefix="vnrag-ingest-") as tmp:
        cache = Path(tmp) / "embeddings.sqlite"
        if args.cache is not None and args.cache.exists():
            shutil.copyfile(args.cache, cache)
        services = build_local_services(LocalSettings(data_dir=Path(tmp) / "data"), embedding_cache=cache)
        started = time.perf_counter()
        with tqdm(total=len(passages), desc="ingesting", unit="passage", file=sys.stderr) as bar:
            documents = services.ingestor.ingest_texts(passages, progress=bar.update)
        elapsed = time.perf_counter() - started
    chunks = sum(d.chunk_count for d in documents)
    failed = sum(1 for d in documents if d.status.value != "indexed")
    load_after = os.getloadavg()
    out = {"benchmark": "ingest", "passages": len(passages), "chunks": chunks, "failed": failed,
           "seconds": round(elapsed, 2), "passages_per_s": round(len(passages) / elapsed, 1),
           "chunks_per_s": round(chunks / elapsed, 1), "embedding_cache": "reused" if args.cache else "fresh",
           "loadavg_before": [round(x, 2) for x in load], "loadavg_after": [round(x, 2) for x in load_after],
           "cpus": os.cpu_count()}
    print(f"{len(passages)} passages, {chunks} chunks in {elapsed:.1f} s: {out['passages_per_s']} passages/s, "
          f"{out['chunks_per_s']} chunks/s ({failed} failed); load average after {load_after[0]:.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
