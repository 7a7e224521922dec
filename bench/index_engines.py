"""The engines considered for the local index, measured on the same replicated dev chunks.

Lexical (BM25 over the segmented words, the `terms` field), each built over --size chunks and queried
with the dev questions, top 100 as the fusion asks:
- numpy: the earlier in-memory index (`shared.services.retrieval.bm25.BM25Index`), exact BM25, rebuilt whole;
- fts5: SQLite FTS5 (`bm25()` in C, incremental, on disk); its idf is ln((N - df + 0.5) / (df + 0.5)),
  floored at 1e-6, not Lucene's ln(1 + ...), so frequent terms weigh nothing;
- tantivy: Lucene's BM25, on-disk segments, block-max WAND.
"overlap@10" is the share of the source passages in numpy BM25's top 10 that are also in the engine's
top 10 (compared by source passage: the copies of one passage tie, and which copy wins is arbitrary).

Dense (inner product of e5 vectors, exact): numpy float32 matrix-vector product, and SimSIMD's int8
dot product over int8 codes (what the index keeps in memory), with "recall@100" of the int8 top 200
rescored in float32 against the exact float32 top 100.

    nice .venv/bin/python bench/index_engines.py [--size 100000] [--json bench/results/index_engines.json]

It reads the source chunks and questions `bench/scale.py` prepared under --work (run that first).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import REPO, load_queries, load_source, replicas  # noqa: E402


def percentiles(times: list[float]) -> dict:
    return {"p50_ms": round(float(np.percentile(times, 50)), 2), "p95_ms": round(float(np.percentile(times, 95)), 2)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=REPO / ".cache" / "scale")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()

    from shared.services.retrieval.bm25 import BM25Index

    chunks, vectors, terms = load_source(args.work)
    queries = load_queries(args.work)
    docs, matrix = [], []
    for batch, batch_vectors in tqdm(replicas(chunks, vectors, args.size), desc="replicating", unit="batch"):
        docs += [terms[c.passage][0] for c in batch]
        matrix.append(batch_vectors)
    matrix = np.concatenate(matrix)
    results: dict = {"size": args.size, "queries": len(queries)}

    started = time.perf_counter()
    numpy_index = BM25Index.build(docs)
    build = time.perf_counter() - started
    reference, times = [], []
    for q in queries:
        t = time.perf_counter()
        scores = numpy_index.score(q.terms)
        top = np.argpartition(-scores, 100)[:100]
        top = top[np.argsort(-scores[top])]
        times.append((time.perf_counter() - t) * 1000)
        reference.append({r % len(chunks) for r in top[:10].tolist()})
    results["numpy"] = {"build_s": round(build, 1), **percentiles(times), "overlap@10": 1.0}
    del numpy_index

    results["fts5"] = fts5(args.work / "engines-fts5.sqlite", docs, queries, reference, len(chunks))
    results["tantivy"] = tantivy_engine(args.work / "engines-tantivy", docs, queries, reference, len(chunks))
    results["dense"] = dense(matrix, queries)
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def overlap(found: list[set[int]], reference: list[set[int]]) -> float:
    return round(float(np.mean([len(f & r) / max(len(r), 1) for f, r in zip(found, reference, strict=True)])), 3)


def fts5(path: Path, docs: list[list[str]], queries, reference, sources: int) -> dict:
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("CREATE VIRTUAL TABLE t USING fts5(terms, tokenize = \"unicode61 remove_diacritics 0 tokenchars '_'\")")
    started = time.perf_counter()
    db.executemany("INSERT INTO t(rowid, terms) VALUES (?, ?)", ((i, " ".join(d)) for i, d in enumerate(docs)))
    db.commit()
    build = time.perf_counter() - started
    found, times = [], []
    for q in queries:
        expression = " OR ".join('"' + t.replace('"', '""') + '"' for t in q.terms)
        t = time.perf_counter()
        rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 100", (expression,)).fetchall()
        times.append((time.perf_counter() - t) * 1000)
        found.append({r % sources for (r,) in rows[:10]})
    db.close()
    size = path.stat().st_size
    path.unlink()
    return {"build_s": round(build, 1), **percentiles(times), "overlap@10": overlap(found, reference),
            "disk_mb": round(size / 2**20, 1)}


def tantivy_engine(path: Path, docs: list[list[str]], queries, reference, sources: int) -> dict:
    import tantivy

    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("row", indexed=True, fast=True)
    builder.add_text_field("terms", tokenizer_name="ws", index_option="freq")
    schema = builder.build()
    index = tantivy.Index(schema, path=str(path))
    index.register_tokenizer("ws", tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build())
    started = time.perf_counter()
    writer = index.writer(128_000_000, 2)
    for i, d in enumerate(docs):
        doc = tantivy.Document()
        doc.add_unsigned("row", i)
        doc.add_text("terms", " ".join(d))
        writer.add_document(doc)
    writer.commit()
    writer.wait_merging_threads()
    build = time.perf_counter() - started
    index.reload()
    searcher = index.searcher()
    found, times = [], []
    for q in queries:
        query = tantivy.Query.boolean_query(
            [(tantivy.Occur.Should, tantivy.Query.term_query(schema, "terms", t)) for t in q.terms])
        t = time.perf_counter()
        hits = searcher.search(query, 100, count=False).hits
        rows = searcher.fast_field_values("row", [a for _, a in hits])
        times.append((time.perf_counter() - t) * 1000)
        found.append({r % sources for r in rows[:10]})
    size = sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    shutil.rmtree(path)
    return {"build_s": round(build, 1), **percentiles(times), "overlap@10": overlap(found, reference),
            "disk_mb": round(size / 2**20, 1)}


def dense(matrix: np.ndarray, queries) -> dict:
    import simsimd

    from shared.adapters.local.vectors import quantize

    codes, scales = quantize(matrix)
    exact_times, int8_times, recalls = [], [], []
    for q in queries:
        t = time.perf_counter()
        scores = matrix @ q.vector
        exact = set(np.argpartition(-scores, 100)[:100].tolist())
        exact_times.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        query_codes, query_scale = quantize(q.vector.reshape(1, -1))
        approx = np.asarray(simsimd.cdist(query_codes, codes, metric="dot")).ravel() * scales * query_scale[0]
        top = np.argpartition(-approx, 200)[:200]
        int8_times.append((time.perf_counter() - t) * 1000)
        rescored = top[np.argsort(-(matrix[top] @ q.vector))][:100]
        recalls.append(len(exact & set(rescored.tolist())) / 100)
    return {"float32_numpy": percentiles(exact_times), "int8_simsimd": percentiles(int8_times),
            "int8_top200_rescored_recall@100": round(float(np.mean(recalls)), 4),
            "int8_top200_rescored_recall@100_min": round(float(np.min(recalls)), 4)}


if __name__ == "__main__":
    sys.exit(main())
