"""Vietnamese OCR of scanned law articles: character and word error rates per scan resolution, and what
indexing the scans instead of the text costs retrieval.

    .venv/bin/python bench/ocr.py [--articles 40] [--dpi 200 250 300] [--json bench/results/ocr.json]

The scans are made here from the dev corpus (tools/document_builders.render_pages): each article typeset
on A4 in DejaVu Serif 12 pt, rotated by up to ±1.5°, blurred a little, Gaussian noise (σ 12 grey levels)
and dust specks, stored as JPEG in an image-only PDF, then read through parse_document as any uploaded
scan is (pdfium renders the page, Tesseract 5 with tesseract-ocr-vie reads it). The articles are the gold
articles of dev questions (seeded draw among those of 400-2,500 characters: one or two pages).

CER and WER (jiwer) are over the whole set, against the source text after the same normalisation the
index applies (NFC, canonical tone marks, whitespace runs as one space). Retrieval: the whole corpus is
indexed from its text, the questions whose gold articles were scanned are scored (hybrid, recall@10),
the scanned articles are then re-ingested from their OCR text (title kept, as a sidecar gives it) and the
same questions scored again; the paired difference has a 95 % bootstrap interval.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import jiwer

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tools.document_builders

from shared.bootstrap import build_local_services  # noqa: E402
from shared.config import LocalSettings  # noqa: E402
from shared.services.evaluation.metrics import query_metrics  # noqa: E402
from shared.services.evaluation.runner import load_corpus, load_queries, rank_documents  # noqa: E402
from shared.services.ingestion import TextSource  # noqa: E402
from shared.services.parsing import parse_document  # noqa: E402
from shared.services.text.normalize import normalize_text  # noqa: E402
from tools.document_builders import images_to_pdf, render_pages  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "vi-legal-dev"
NOISE_SIGMA, SKEW_DEGREES = 12.0, 1.5


def squash(text: str) -> str:
    return " ".join(normalize_text(text).split())


def choose_articles(corpus: dict[str, TextSource], queries, count: int, seed: int) -> list[str]:
    gold = sorted({doc for q in queries for doc in q.relevant if doc in corpus
                   and 400 <= len(corpus[doc].text) <= 2500})
    random.Random(seed).shuffle(gold)
    return sorted(gold[:count])


def scan_and_read(text: str, dpi: int, seed: int) -> tuple[str, int, float]:
    pages = render_pages(text, dpi=dpi, seed=seed, noise=NOISE_SIGMA, skew_degrees=SKEW_DEGREES)
    started = time.perf_counter()
    parsed = parse_document("scan.pdf", images_to_pdf(pages, dpi=dpi))
    return parsed.text, len(pages), time.perf_counter() - started


def bootstrap_interval(deltas: list[float], seed: int = 0, rounds: int = 10_000) -> tuple[float, float]:
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(deltas, k=len(deltas))) / len(deltas) for _ in range(rounds))
    return means[int(0.025 * rounds)], means[int(0.975 * rounds) - 1]


def recall_at_10(services, questions) -> list[float]:
    return [query_metrics(rank_documents(services, q.text, mode="hybrid")[0], set(q.relevant))["recall@10"]
            for q in questions]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=DATA / "corpus.jsonl")
    parser.add_argument("--queries", type=Path, default=DATA / "queries.jsonl")
    parser.add_argument("--articles", type=int, default=40)
    parser.add_argument("--dpi", type=int, nargs="+", default=[200, 250, 300])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--cache", type=Path, default=REPO / ".cache" / "embeddings.sqlite",
                        help="embedding cache of the dev corpus (copied; the text-indexed run reuses it)")
    parser.add_argument("--no-retrieval", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")  # one Tesseract thread: the machine is shared

    corpus = {source.document_id: source for source in load_corpus(args.corpus)}
    queries = load_queries(args.queries)
    chosen = choose_articles(corpus, queries, args.articles, args.seed)
    print(f"ocr: {len(chosen)} dev-corpus articles scanned at {args.dpi} dpi", flush=True)

    per_dpi, ocr_text = {}, {}
    for dpi in args.dpi:
        found, truth, pages, seconds = [], [], 0, 0.0
        for number, doc_id in enumerate(chosen):
            text, n_pages, elapsed = scan_and_read(corpus[doc_id].text, dpi, seed=args.seed * 1000 + number)
            found.append(squash(text))
            truth.append(squash(corpus[doc_id].text))
            pages += n_pages
            seconds += elapsed
            if dpi == max(args.dpi):
                ocr_text[doc_id] = text
        per_dpi[dpi] = {"cer": round(jiwer.cer(truth, found), 5), "wer": round(jiwer.wer(truth, found), 5),
                        "pages": pages, "seconds_per_page": round(seconds / pages, 2)}
        print(f"{dpi} dpi: CER {per_dpi[dpi]['cer']:.2%}  WER {per_dpi[dpi]['wer']:.2%}  over {pages} pages "
              f"({per_dpi[dpi]['seconds_per_page']} s/page render + OCR)", flush=True)

    out = {"benchmark": "ocr", "articles": chosen, "per_dpi": per_dpi, "noise_sigma": NOISE_SIGMA,
           "skew_degrees": SKEW_DEGREES}
    if not args.no_retrieval:
        out["retrieval"] = retrieval(corpus, queries, chosen, ocr_text, args.cache, max(args.dpi))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


def retrieval(corpus, queries, chosen, ocr_text, cache: Path, dpi: int) -> dict:
    scanned = set(chosen)
    questions = [q for q in queries if q.relevant & scanned]
    with tempfile.TemporaryDirectory(prefix="vnrag-ocr-") as tmp:
        copy = Path(tmp) / "embeddings.sqlite"
        if cache.exists():
            shutil.copyfile(cache, copy)
        services = build_local_services(LocalSettings(data_dir=Path(tmp) / "data"), embedding_cache=copy)
        started = time.perf_counter()
        services.ingestor.ingest_texts(list(corpus.values()))
        print(f"indexed {len(corpus)} articles from their text in {time.perf_counter() - started:.0f} s", flush=True)
        text_recall = recall_at_10(services, questions)
        services.ingestor.ingest_texts([TextSource(document_id=doc, title=corpus[doc].title, text=ocr_text[doc],
                                                   document_type=corpus[doc].document_type) for doc in chosen])
        scan_recall = recall_at_10(services, questions)
    deltas = [s - t for s, t in zip(scan_recall, text_recall, strict=True)]
    low, high = bootstrap_interval(deltas)
    result = {"questions": len(questions), "dpi": dpi, "mode": "hybrid",
              "recall@10_text_indexed": round(sum(text_recall) / len(questions), 4),
              "recall@10_scan_indexed": round(sum(scan_recall) / len(questions), 4),
              "difference": round(sum(deltas) / len(questions), 4),
              "difference_95ci": [round(low, 4), round(high, 4)],
              "questions_changed": sum(d != 0 for d in deltas)}
    print(f"recall@10 over the {len(questions)} questions whose gold articles were scanned ({dpi} dpi): "
          f"text-indexed {result['recall@10_text_indexed']:.4f}, scan-indexed {result['recall@10_scan_indexed']:.4f}, "
          f"difference {result['difference']:+.4f} (95% CI {low:+.4f} to {high:+.4f}; "
          f"{result['questions_changed']} questions changed)", flush=True)
    return result


if __name__ == "__main__":
    sys.exit(main())
