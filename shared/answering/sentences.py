"""Sentence splitting and word overlap for the extractive answerer. Pure functions."""

from __future__ import annotations

import re

from shared.text.normalize import fold_diacritics, syllables
from shared.text.stopwords import STOPWORDS

# A sentence ends at . ; ? ! or a line break, when followed by space and an upper-case letter,
# a digit, or a list marker; "1.200.000" and "37/2015/NĐ-CP." inside a sentence are not ends.
_SENTENCE_END = re.compile(r"(?<=[.;?!:])\s+(?=[\"“(]?[A-ZÀ-Ỹ0-9Đa-zđ]\)|[\"“(]?[A-ZÀ-ỸĐ0-9])|\n+")
_MIN_SENTENCE_CHARS = 12


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage in order, whitespace-trimmed; fragments too short to quote are dropped."""
    parts = (p.strip() for p in _SENTENCE_END.split(text))
    return [p for p in parts if len(p) >= _MIN_SENTENCE_CHARS]


def content_syllables(text: str) -> set[str]:
    """Folded syllables that carry meaning: stopwords and one-character tokens removed."""
    return {fold_diacritics(s) for s in syllables(text) if s not in STOPWORDS and len(s) > 1}


def content_bigrams(text: str) -> set[str]:
    words = [fold_diacritics(s) for s in syllables(text)]
    return {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


def coverage(question: str, passage: str) -> float:
    """Share of the question's content syllables found in the passage (0 when the question has none)."""
    wanted = content_syllables(question)
    if not wanted:
        return 0.0
    return len(wanted & content_syllables(passage)) / len(wanted)
