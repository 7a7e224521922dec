"""`vnrag eval --answers`: are the answers right? Scored against the organisers' short answers.

For each question whose row carries `metadata.answer` ("07 năm", "16 tuổi", "Cảnh cáo", ...), the
Answerer answers over the whole corpus and the answer is checked for the gold text:

- `answer_first_contains`: its first statement (the text before its first citation `[n]`) contains it;
- `answer_contains`: the whole answer contains it;
- `answer_chars_p50`: the median answer length in characters;
- `answer_ms_p50` / `answer_ms_p95`: the answer step alone (after retrieval), in ms.

Both sides are compared after NFC, case folding, one space for any run of whitespace and without the
citation marks (a quoted list reads "a) ...; [1] b) ..." in the answer, not in the gold). Leading and
trailing punctuation of the gold is dropped: "người từ đủ mười tám tuổi trở lên." is found in a sentence
that goes on after it. True/false and multiple-choice rows ("Đúng", "B") are counted and skipped:
containment says nothing about them.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shared.domain.rbac import UNRESTRICTED
from shared.services.evaluation.confidence import bootstrap_interval
from shared.services.evaluation.metrics import percentile

# Question types whose gold answer is a verdict or a letter, not a text an answer could contain.
NOT_CONTAINMENT = frozenset({"Đúng/Sai", "Trắc nghiệm"})
_CITATION = re.compile(r"\s*\[\d+\]")
_SPACE = re.compile(r"\s+")
_EDGE_PUNCTUATION = " .,;:!?\"'“”()"


@dataclass(frozen=True, slots=True)
class AnswerQuery:
    qid: str
    text: str
    gold: str
    question_type: str
    source: str


def load_answer_queries(path: Path) -> tuple[list[AnswerQuery], Counter[str]]:
    """The rows with a containment-checkable gold answer, and how many of each type were skipped."""
    kept: list[AnswerQuery] = []
    skipped: Counter[str] = Counter()
    with path.open(encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            row = json.loads(line)
            meta = row.get("metadata") or {}
            kind = meta.get("question_type", "unknown")
            if not str(meta.get("answer") or "").strip():
                continue
            if kind in NOT_CONTAINMENT:
                skipped[kind] += 1
                continue
            kept.append(AnswerQuery(row["qid"], row["query"], str(meta["answer"]), kind, meta.get("source", "unknown")))
    return kept, skipped


def fold(text: str) -> str:
    """NFC, case-folded, citations removed, whitespace runs as one space."""
    text = _CITATION.sub(" ", unicodedata.normalize("NFC", text))
    return _SPACE.sub(" ", text).casefold().strip()


def first_statement(answer: str) -> str:
    """The text before the first citation mark (all of it when there is none)."""
    match = _CITATION.search(answer)
    return answer[: match.start()] if match else answer


def score_answer(answer: str, gold: str) -> dict[str, float]:
    wanted = fold(gold).strip(_EDGE_PUNCTUATION)
    return {"answer_first_contains": float(wanted in fold(first_statement(answer))),
            "answer_contains": float(wanted in fold(answer)),
            "answer_chars": float(len(answer))}


def summarize_answers(rows: Sequence[dict[str, float]]) -> dict:
    if not rows:
        return {"questions": 0}
    out: dict = {"questions": len(rows)}
    for name in ("answer_first_contains", "answer_contains"):
        values = [r[name] for r in rows]
        out[name] = round(sum(values) / len(values), 4)
        out.setdefault("ci95", {})[name] = bootstrap_interval(values)
    out["answer_chars_p50"] = percentile([r["answer_chars"] for r in rows], 50)
    out["answer_ms_p50"] = round(percentile([r["answer_ms"] for r in rows], 50), 2)
    out["answer_ms_p95"] = round(percentile([r["answer_ms"] for r in rows], 95), 2)
    return out


def answer_rows(answerer, queries: Sequence[AnswerQuery], *, top_k: int = 5) -> list[dict]:
    """One scored row per question: the figures above, its type and source, and the answer itself."""
    if queries:
        answerer.answer(queries[0].text, filter=UNRESTRICTED, top_k=top_k)  # warm-up
    rows = []
    for q in queries:
        started = time.perf_counter()
        answer = answerer.answer(q.text, filter=UNRESTRICTED, top_k=top_k)
        total_ms = (time.perf_counter() - started) * 1000
        rows.append({**score_answer(answer.text, q.gold), "answer_ms": answer.timings_ms.get("generate", 0.0),
                     "query_ms": total_ms, "qid": q.qid, "question_type": q.question_type, "source": q.source,
                     "answer": answer.text, "gold": q.gold})
    return rows


def evaluate_answers(answerer, queries: Sequence[AnswerQuery], skipped: Counter[str], *, top_k: int = 5) -> dict:
    rows = answer_rows(answerer, queries, top_k=top_k)
    by_type: dict[str, list[dict]] = {}
    for r in rows:
        by_type.setdefault(r["question_type"], []).append(r)
    return {**summarize_answers(rows),
            "query_ms_p95": round(percentile([r["query_ms"] for r in rows], 95), 2),
            "per_type": {kind: summarize_answers(group) for kind, group in sorted(by_type.items())},
            "skipped": dict(skipped)}
