"""How big can local mode go: the local index at 10k, 100k and 1M chunks, against the earlier index.

The chunks are the dev corpus's, replicated: each copy gets new ids (chunk and document), one of the
four access levels at random and its vector slightly perturbed (Gaussian noise of sigma 0.003 per
dimension, then renormalised: cosine about 0.998 to the original). Vectors come from the dev corpus's
e5 vectors (ingested once through the product with the embedding cache, under --work); the analysed
terms of a copy are those of its original, so building costs what the index costs, not pyvi.

For each size and each implementation, two fresh processes:
- build: upserts the chunks in batches of 2,000 into an empty index (the product's write path), then
  asks one question: build time is until that answer, peak RSS is this process's;
- serve: opens the built index as `vnrag serve` would, builds the query resources (restorer and
  catalogue), runs the dev questions (analysed and embedded beforehand: the index's own time, not the
  ~15 ms of the e5 query embedding), hybrid over everything and hybrid filtered to PUBLIC (a quarter of
  the chunks); then replaces one small document and times until a search returns it (the write, then
  the first search that sees it) and the first unfiltered question after that write. Steady RSS is
  read after the questions, peak RSS is the process's high-water mark. Disk is the data directory.

The baseline ("before") is the index as it was at BASELINE_COMMIT, loaded from git history: all
chunks in Python objects, every BM25 array and the vector matrix rebuilt after any write. It needs
about 58 KB of memory per chunk, so it runs only at the sizes given by --baseline-sizes (10k and
100k by default; 1M would need about 58 GB).

    nice .venv/bin/python bench/scale.py [--sizes 10000 100000 1000000] [--baseline-sizes 10000 100000]
                                         [--json bench/results/scale.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "data" / "vi-legal-dev"
BASELINE_COMMIT = "a53acfb"  # the last commit of the index that rebuilt its arrays after each write
BATCH = 2_000
NOISE = 0.003
FRESH = "scale-fresh-document"


# -- the parent: prepares the data, runs the children, prints the table ----------------------------------
def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--baseline-sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=200, help="Dev questions timed per size and filter.")
    parser.add_argument("--work", type=Path, default=REPO / ".cache" / "scale")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--child", nargs=3, metavar=("ROLE", "IMPLEMENTATION", "SIZE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        role, implementation, size = args.child
        print(json.dumps(run_child(role, implementation, int(size), args.work)), flush=True)
        return 0

    args.work.mkdir(parents=True, exist_ok=True)
    source = prepare_source(args.work, args.corpus)
    prepare_queries(args.work, args.corpus, args.queries)
    runs = [("before", size) for size in args.baseline_sizes] + [("after", size) for size in args.sizes]
    results = []
    with tqdm(total=2 * len(runs), desc="scale", unit="process") as bar:
        for implementation, size in runs:
            shutil.rmtree(args.work / f"{implementation}-{size}", ignore_errors=True)
            row = {"implementation": implementation, "chunks": size, "source_chunks": source}
            for role in ("build", "serve"):
                bar.set_postfix_str(f"{implementation} {size:,} {role}")
                row.update(child(role, implementation, size, args.work))
                bar.update()
            row["disk_mb"] = round(disk_bytes(args.work / f"{implementation}-{size}") / 2**20, 1)
            shutil.rmtree(args.work / f"{implementation}-{size}", ignore_errors=True)
            results.append(row)
            tqdm.write(json.dumps(row))
    print_table(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        payload = {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2),
                   "baseline_commit": BASELINE_COMMIT, "queries": args.queries,
                   "noise_sigma": NOISE, "results": results}
        args.json.write_text(json.dumps(payload, indent=2) + "\n")
    return 0


def child(role: str, implementation: str, size: int, work: Path) -> dict:
    out = subprocess.run([sys.executable, __file__, "--work", str(work), "--child", role, implementation, str(size)],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"{role} {implementation} {size} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare_source(work: Path, corpus: Path) -> int:
    """The dev corpus ingested once through the product (chunks, terms, e5 vectors from the cache)."""
    from shared.bootstrap.local import build_local_services
    from shared.config import LocalSettings
    from shared.services.evaluation.runner import load_corpus

    settings = LocalSettings(data_dir=work / "source")
    services = build_local_services(settings, embedding_cache=REPO / ".cache" / "embeddings.sqlite")
    if services.index.count() == 0:
        services.ingestor.ingest_texts(load_corpus(corpus / "corpus.jsonl"))
    count = services.index.count()
    services.index.close()
    return count


def prepare_queries(work: Path, corpus: Path, limit: int) -> None:
    """The dev questions analysed and embedded once (the same for every size)."""
    target = work / f"queries-{limit}.json"
    if target.exists():
        return
    from shared.bootstrap.models import build_analyzer, build_embedder
    from shared.config import ModelSettings

    settings = ModelSettings()
    analyzer, embedder = build_analyzer(settings), build_embedder(settings)
    with (corpus / "queries.jsonl").open(encoding="utf-8") as f:
        questions = [json.loads(line)["query"] for line in f if line.strip()][:limit]
    vectors = embedder.embed_queries(questions)
    target.write_text(json.dumps([{"text": q, "terms": analyzer.query_terms(q), "folded": analyzer.folded_terms(q),
                                   "vector": v.tolist()} for q, v in zip(questions, vectors, strict=True)],
                                 ensure_ascii=False))


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def print_table(results: list[dict]) -> None:
    columns = [("implementation", "index", "{}"), ("chunks", "chunks", "{:,}"), ("build_s", "build s", "{:.1f}"),
               ("open_s", "open s", "{:.1f}"), ("steady_rss_mb", "steady RSS MB", "{:,.0f}"),
               ("peak_rss_mb", "peak RSS MB", "{:,.0f}"), ("build_peak_rss_mb", "build peak MB", "{:,.0f}"),
               ("hybrid_p50_ms", "hybrid p50", "{:.1f}"), ("hybrid_p95_ms", "hybrid p95", "{:.1f}"),
               ("public_p50_ms", "PUBLIC p50", "{:.1f}"), ("public_p95_ms", "PUBLIC p95", "{:.1f}"),
               ("write_visible_ms", "write→visible ms", "{:,.0f}"),
               ("first_query_after_write_ms", "1st query after ms", "{:,.0f}"), ("disk_mb", "disk MB", "{:,.0f}")]
    print("| " + " | ".join(title for _, title, _ in columns) + " |")
    print("|" + "---|" * len(columns))
    for row in results:
        print("| " + " | ".join(fmt.format(row[key]) if key in row else "-" for key, _, fmt in columns) + " |")


# -- the children ----------------------------------------------------------------------------------------
class CachedAnalyzer:
    """The analysed terms of the dev passages, looked up by passage (every copy has its original's)."""

    def __init__(self, terms: dict[str, tuple[list[str], list[str]]]) -> None:
        self._terms = terms

    def index_terms(self, text: str) -> list[str]:
        return self._terms[text][0]

    def folded_terms(self, text: str) -> list[str]:
        return self._terms[text][1]


def load_source(work: Path):
    import sqlite3

    from shared.adapters.local.search_index import _chunk_from_row

    db = sqlite3.connect(f"file:{work / 'source' / 'index.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT id, document_id, ordinal, text, headings, article, title, document_type, access_level,"
                      " terms, folded, vector FROM chunks ORDER BY row").fetchall()
    chunks = [_chunk_from_row(r[:9]) for r in rows]
    vectors = np.stack([np.frombuffer(r[11], dtype=np.float32) for r in rows])
    terms = {c.passage: (r[9].split(), r[10].split()) for c, r in zip(chunks, rows, strict=True)}
    return chunks, vectors, terms


def replicas(chunks, vectors, size: int, seed: int = 0):
    """Batches of (chunks, vectors): `size` copies of the source chunks, new ids, random access levels."""
    from dataclasses import replace

    from shared.domain.models import AccessLevel

    rng = np.random.default_rng(seed)
    levels = list(AccessLevel)
    for start in range(0, size, BATCH):
        picked = [(i // len(chunks), i % len(chunks)) for i in range(start, min(size, start + BATCH))]
        batch = []
        for copy, index in picked:
            c = chunks[index]
            batch.append(replace(c, id=f"{c.id}#{copy}", document_id=f"{c.document_id}#{copy}",
                                 access_level=levels[int(rng.integers(len(levels)))]))
        noisy = vectors[[index for _, index in picked]] + rng.normal(0, NOISE, (len(picked), vectors.shape[1]))
        yield batch, (noisy / np.linalg.norm(noisy, axis=1, keepdims=True)).astype(np.float32)


def open_index(implementation: str, path: Path, analyzer):
    from shared.config import LocalSettings

    settings = LocalSettings(data_dir=path.parent)
    if implementation == "after":
        from shared.adapters.local.search_index import LocalSearchIndex, Weights
    else:
        module = baseline_module()
        LocalSearchIndex, Weights = module.LocalSearchIndex, module.Weights  # noqa: N806
    return LocalSearchIndex(path, analyzer=analyzer, dimension=384,
                            weights=Weights(settings.weight_lexical, settings.weight_folded, settings.weight_dense),
                            candidates=settings.candidates, model_id="scale-bench",
                            reference_boost=settings.reference_boost, neighbour_boost=settings.neighbour_boost)


def baseline_module():
    source = subprocess.run(["git", "show", f"{BASELINE_COMMIT}:shared/adapters/local/search_index.py"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout
    spec = importlib.util.spec_from_loader("baseline_local_index", loader=None)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    exec(compile(source, f"{BASELINE_COMMIT}:shared/adapters/local/search_index.py", "exec"), module.__dict__)
    return module


def load_queries(work: Path):
    from shared.domain.models import SearchQuery

    found = sorted(work.glob("queries-*.json"), key=lambda p: int(p.stem.split("-")[1]))[-1]
    return [SearchQuery(text=q["text"], terms=tuple(q["terms"]), folded_terms=tuple(q["folded"]),
                        vector=np.array(q["vector"], dtype=np.float32), mode="hybrid")
            for q in json.loads(found.read_text())]


def run_child(role: str, implementation: str, size: int, work: Path) -> dict:
    from threadpoolctl import threadpool_limits

    from shared.domain.models import AccessLevel, SearchFilter

    threadpool_limits(limits=1, user_api="blas")  # as `vnrag serve` runs (shared.bootstrap.models.build_embedder)
    chunks, vectors, terms = load_source(work)
    path = work / f"{implementation}-{size}" / "index.sqlite"
    everything, public = SearchFilter(AccessLevel.RESTRICTED), SearchFilter(AccessLevel.PUBLIC)
    queries = load_queries(work)
    if role == "build":
        started = time.perf_counter()
        index = open_index(implementation, path, CachedAnalyzer(terms))
        for batch, batch_vectors in replicas(chunks, vectors, size):
            index.upsert(batch, batch_vectors)
        index.search(queries[0], k=10, filter=everything)
        return {"build_s": round(time.perf_counter() - started, 2), "build_peak_rss_mb": peak_rss_mb()}

    started = time.perf_counter()
    index = open_index(implementation, path, CachedAnalyzer(terms))
    index.search(queries[0], k=10, filter=everything)
    opened = time.perf_counter()
    index.query_resources()
    resources = time.perf_counter()
    for q in queries[:10]:  # warm-up
        index.search(q, k=10, filter=everything)
    timings = {}
    for name, filter in (("hybrid", everything), ("public", public)):
        times = []
        for q in queries:
            t = time.perf_counter()
            index.search(q, k=10, filter=filter)
            times.append((time.perf_counter() - t) * 1000)
        timings[f"{name}_p50_ms"] = round(float(np.percentile(times, 50)), 1)
        timings[f"{name}_p95_ms"] = round(float(np.percentile(times, 95)), 1)
    steady = rss_mb()

    from dataclasses import replace
    fresh = [replace(chunks[0], id=f"{FRESH}-0", document_id=FRESH)]
    only_fresh = SearchFilter(AccessLevel.RESTRICTED, document_ids=frozenset({FRESH}))
    t = time.perf_counter()
    index.replace_document(FRESH, fresh, vectors[:1])
    while not index.search(queries[1], k=1, filter=only_fresh):
        time.sleep(0.005)
    visible = time.perf_counter()
    index.replace_document(FRESH, [replace(chunks[1], id=f"{FRESH}-0", document_id=FRESH)], vectors[1:2])
    t_first = time.perf_counter()
    index.search(queries[2], k=10, filter=everything)
    first_after = time.perf_counter()
    return {"open_s": round(opened - started, 2), "resources_s": round(resources - opened, 2), **timings,
            "steady_rss_mb": steady, "peak_rss_mb": peak_rss_mb(), "load_average_1m": round(os.getloadavg()[0], 2),
            "write_visible_ms": round((visible - t) * 1000, 1),
            "first_query_after_write_ms": round((first_after - t_first) * 1000, 1)}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    sys.exit(main())
