"""Questions that name their article ("Điều 33 Bộ luật hình sự quy định gì?", "điều 33 BLHS",
"Điều 67 Luật số 66/2014/QH13"), generated from the dev corpus titles, and how often the named
article ranks first (not part of the product).

The generator is deterministic (seeded): for a sample of corpus articles it writes questions in
several phrasings, naming the document by its name, its number or its abbreviation (from
`shared.services.retrieval.legal_aliases`), with and without diacritics. The relevant document is the
article itself.

    .venv/bin/python bench/explicit_refs.py [--data ../shared/data/vi-legal-dev] [--sample 300]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_TITLE = re.compile(r"^(?P<law>.+?),\s*Điều\s+(?P<article>\d+\w*)$")
_NUMBER = re.compile(r"^\d+(?:/\d{4})?/[A-ZĐ]")
_ABBREVIATION = re.compile(r"^(?:Luật )?[A-ZĐ&]{2,}(?: \d{4})?$")

TEMPLATES_BY_NAME = (
    "Điều {article} {name} quy định gì?",
    "{name} điều {article}",
    "Nội dung của Điều {article} {name} là gì?",
    "khoản 1 Điều {article} {name} quy định như thế nào?",
    "Theo Điều {article} của {name}, trường hợp này được giải quyết ra sao?",
    "{name}, Điều {article}: quy định cụ thể là gì?",
)
TEMPLATES_BY_NUMBER = (
    "Điều {article} Luật số {name}",
    "Luật số {name} Điều {article} nói gì?",
    "Điều {article} văn bản {name} quy định những gì?",
)
TEMPLATES_BY_ABBREVIATION = (
    "điều {article} {name}",
    "Điều {article} {name} quy định gì?",
)


@dataclass(frozen=True, slots=True)
class RefQuestion:
    text: str
    relevant: str
    kind: str  # name, number, abbreviation, unaccented


def _names(law: str) -> tuple[list[str], list[str], list[str]]:
    """(names, numbers, abbreviations) a law is cited by: its title text plus its alias group."""
    from shared.services.retrieval.legal_aliases import DOCUMENT_ALIASES
    from shared.services.retrieval.references import key

    group = next((g for g in DOCUMENT_ALIASES if key(law) in {key(a) for a in g}), (law,))
    members = list(dict.fromkeys((law, *group)))
    numbers = [m for m in members if _NUMBER.match(m)]
    abbreviations = [m for m in members if _ABBREVIATION.match(m)]
    names = [m for m in members if m not in numbers and m not in abbreviations]
    return names, numbers, abbreviations


def generate(corpus: Iterable[dict], *, sample: int = 300, seed: int = 7) -> list[RefQuestion]:
    from shared.services.text.normalize import fold_diacritics

    articles = []
    for row in corpus:
        m = _TITLE.match(row.get("title") or "")
        if m:
            articles.append((row["doc_id"], m.group("law"), m.group("article")))
    rng = random.Random(seed)
    chosen = rng.sample(articles, min(sample, len(articles)))
    out: list[RefQuestion] = []
    for doc_id, law, article in chosen:
        names, numbers, abbreviations = _names(law)
        if names:
            template = rng.choice(TEMPLATES_BY_NAME)
            text = template.format(article=article, name=rng.choice(names))
            out.append(RefQuestion(text, doc_id, "name"))
            out.append(RefQuestion(fold_diacritics(rng.choice(TEMPLATES_BY_NAME).format(
                article=article, name=rng.choice(names))).lower(), doc_id, "unaccented"))
        if numbers:
            number = rng.choice(numbers)
            templates = TEMPLATES_BY_NUMBER if "QH" in number else TEMPLATES_BY_NUMBER[2:]  # "Luật số" for laws
            out.append(RefQuestion(rng.choice(templates).format(article=article, name=number), doc_id, "number"))
        if abbreviations:
            out.append(RefQuestion(rng.choice(TEMPLATES_BY_ABBREVIATION).format(
                article=article, name=rng.choice(abbreviations)), doc_id, "abbreviation"))
    return out


def load_corpus_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def main() -> None:
    from shared.bootstrap.local import build_local_services
    from shared.config import LocalSettings
    from shared.services.evaluation.runner import index_corpus, load_corpus, rank_documents

    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("../shared/data/vi-legal-dev"))
    parser.add_argument("--index-dir", type=Path, default=Path(".cache/eval-index"))
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--mode", default="hybrid")
    parser.add_argument("--show-misses", action="store_true")
    parser.add_argument("--no-references", action="store_true",
                        help="Baseline: the same pipeline (restorer included) without resolving references.")
    args = parser.parse_args()
    questions = generate(load_corpus_rows(args.data / "corpus.jsonl"), sample=args.sample)
    services = build_local_services(LocalSettings(data_dir=args.index_dir),
                                    embedding_cache=Path(".cache/embeddings.sqlite"))
    if services.index.count() == 0:
        index_corpus(services, load_corpus(args.data / "corpus.jsonl"))
    if args.no_references:
        from dataclasses import replace

        from shared.services.retrieval.understanding import QueryResources

        restorer_only = QueryResources(restorer=services.index.query_resources().restorer)
        services = replace(services, retriever=replace(services.retriever, resources=lambda: restorer_only))
    by_kind: dict[str, list[tuple[bool, bool]]] = {}
    started = time.perf_counter()
    for q in questions:
        ranked, _ = rank_documents(services, q.text, mode=args.mode)
        hit1, hit5 = q.relevant in ranked[:1], q.relevant in ranked[:5]
        by_kind.setdefault(q.kind, []).append((hit1, hit5))
        if args.show_misses and not hit1:
            print(f"miss: {q.text!r} -> {ranked[:3]} (want {q.relevant})")
    elapsed = time.perf_counter() - started
    every = [r for rows in by_kind.values() for r in rows]
    print(f"{len(every)} questions ({elapsed * 1000 / len(every):.0f} ms each), mode {args.mode}")
    for kind, rows in [("all", every), *sorted(by_kind.items())]:
        print(f"  {kind:<13} n={len(rows):<4} recall@1 {sum(r[0] for r in rows) / len(rows):.3f}  "
              f"recall@5 {sum(r[1] for r in rows) / len(rows):.3f}")


if __name__ == "__main__":
    main()
