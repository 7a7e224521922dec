"""Sentence splitting and word overlap for the extractive answerer. Pure functions."""

from __future__ import annotations

import re

from shared.text.normalize import fold_diacritics, syllables
from shared.text.stopwords import STOPWORDS

# A numbered clause, a lettered point or a bullet starts a new line of meaning even without a full stop.
_LIST_MARKER = re.compile(r"(?:\d+(?:\.\d+)*[.)]|[a-zđ]\)|[-–•+*])\s", re.IGNORECASE)
_BREAK = re.compile(r"[.;?!:]\s+")
_LINE_ENDS = (".", ";", "?", "!", ":")
_MIN_SENTENCE_CHARS = 12


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage in order, with whitespace collapsed; fragments too short to quote are dropped.

    Hard-wrapped lines (PDF, DRiLL texts) are joined first: a line break ends a sentence only after
    final punctuation, before a list marker, or at a blank line. Inside a line a sentence ends at
    . ; ? ! : followed by an upper-case letter, a digit or a list marker: "1.200.000", "37/2015/NĐ-CP"
    and a colon introducing lower-case words are not ends.
    """
    sentences: list[str] = []
    for line in _unwrap(text):
        start = 0
        for match in _BREAK.finditer(line):
            rest = line[match.end():]
            if _LIST_MARKER.fullmatch(line[start:match.end()]):
                continue  # "1. " or "a) " opens the sentence, it does not end one
            if rest and (rest[0].isupper() or rest[0].isdigit() or rest[0] in "“\"(" or _LIST_MARKER.match(rest)):
                sentences.append(line[start:match.end()])
                start = match.end()
        sentences.append(line[start:])
    cleaned = (" ".join(s.split()) for s in sentences)
    return [s for s in cleaned if len(s) >= _MIN_SENTENCE_CHARS]


def _unwrap(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            lines.append("")
        elif lines and lines[-1] and not lines[-1].endswith(_LINE_ENDS) and not _LIST_MARKER.match(line):
            lines[-1] = f"{lines[-1]} {line}"  # a wrapped line continues the sentence above it
        else:
            lines.append(line)
    return [line for line in lines if line]


def content_syllables(text: str, *, fold: bool = True) -> set[str]:
    """Syllables that carry meaning (stopwords and one-character tokens removed), folded unless
    `fold` is False: folding lets a question typed without marks meet the text, but it also makes
    unrelated words meet (`báo` and `bao`), so accented questions compare accented syllables."""
    kept = (s for s in syllables(text) if s not in STOPWORDS and len(s) > 1)
    return {fold_diacritics(s) for s in kept} if fold else set(kept)


def content_bigrams(text: str, *, fold: bool = True) -> set[str]:
    words = [fold_diacritics(s) if fold else s for s in syllables(text)]
    return {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


def coverage(question: str, passage: str) -> float:
    """Share of the question's content syllables found in the passage (0 when the question has none)."""
    wanted = content_syllables(question)
    if not wanted:
        return 0.0
    return len(wanted & content_syllables(passage)) / len(wanted)
