"""TCVN3 / VNI conversion on the dev corpus: false conversions of Unicode text (goal 0), and the share of
characters recovered from .docx files typed in TCVN3 and VNI fonts (goal >= 99.5 %).

    .venv/bin/python bench/legacy_encodings.py [--corpus ../shared/data/vi-legal-dev/corpus.jsonl] \
        [--docx-articles 200] [--json bench/results/legacy_encodings.json]

False conversions are counted three ways over every article: the article text, each of its lines alone
(short lines are where a detector is weakest), and the article without its diacritics (ASCII-only
Vietnamese, also Unicode). Character accuracy is 1 - (Levenshtein distance / source length), summed
over the first N articles, each built as a .docx (one paragraph per line) and read by parse_document.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from rapidfuzz.distance import Levenshtein

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # tools.document_builders

from shared.services.evaluation.runner import load_corpus  # noqa: E402
from shared.services.parsing import legacy_vietnamese, parse_document  # noqa: E402
from shared.services.parsing._text import finish_text  # noqa: E402
from shared.services.text.normalize import fold_diacritics  # noqa: E402
from tools.document_builders import legacy_docx  # noqa: E402

CORPUS = REPO.parent / "shared" / "data" / "vi-legal-dev" / "corpus.jsonl"


def false_conversions(texts: list[str]) -> dict[str, int]:
    counts = {"articles": 0, "lines": 0, "folded_articles": 0, "lines_checked": 0}
    for text in texts:
        counts["articles"] += legacy_vietnamese.repair(text) != text
        counts["folded_articles"] += legacy_vietnamese.repair(fold_diacritics(text)) != fold_diacritics(text)
        for line in text.splitlines():
            counts["lines_checked"] += 1
            counts["lines"] += legacy_vietnamese.repair(line) != line
    return counts


def docx_accuracy(texts: list[str], encoding: str) -> dict[str, float]:
    errors = chars = exact = 0
    for text in texts:
        source = finish_text("\n\n".join(line for line in text.splitlines() if line.strip()))
        parsed = parse_document("article.docx", legacy_docx(source.split("\n\n"), encoding)).text
        errors += Levenshtein.distance(parsed, source)
        chars += len(source)
        exact += parsed == source
    return {"articles": len(texts), "characters": chars, "character_errors": errors,
            "character_accuracy": round(1 - errors / chars, 6), "articles_exact": exact}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--docx-articles", type=int, default=200)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    texts = [passage.text for passage in load_corpus(args.corpus)]
    started = time.perf_counter()
    false = false_conversions(texts)
    print(f"false conversions over {len(texts)} Unicode articles: {false['articles']} articles, "
          f"{false['lines']} of {false['lines_checked']} lines taken alone, "
          f"{false['folded_articles']} articles without diacritics")
    accuracy = {}
    for encoding in ("tcvn3", "vni"):
        accuracy[encoding] = docx_accuracy(texts[: args.docx_articles], encoding)
        a = accuracy[encoding]
        print(f"{encoding} .docx: {a['character_accuracy']:.4%} of {a['characters']} characters equal to the source "
              f"({a['character_errors']} edits; {a['articles_exact']}/{a['articles']} articles exact)")
    out = {"benchmark": "legacy_encodings", "corpus": str(args.corpus), "false_conversions": false,
           "docx": accuracy, "seconds": round(time.perf_counter() - started, 1)}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    ok = false["articles"] == 0 and false["lines"] == 0 and all(
        a["character_accuracy"] >= 0.995 for a in accuracy.values())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
