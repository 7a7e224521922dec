"""Sentence splitting and word overlap for the extractive answerer. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.services.text.normalize import fold_diacritics, has_diacritics, syllables
from shared.services.text.stopwords import STOPWORDS

# A numbered clause, a lettered point or a bullet starts a new line of meaning even without a full stop.
_LIST_MARKER = re.compile(r"(?:\d+(?:\.\d+)*[.)]|[a-zđ]\)|[-–•+*])\s", re.IGNORECASE)
_BREAK = re.compile(r"[.;?!:]\s+")
_LINE_ENDS = (".", ";", "?", "!", ":")
_MIN_SENTENCE_CHARS = 12
_LIST_ITEM = re.compile(r"^(?:[a-zđ]\)|[-–•+])\s", re.IGNORECASE)
_MAX_LIST_ITEMS = 6


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


def with_its_list(sentence: str, following: list[str]) -> str:
    """A sentence that introduces a list ("... như sau:") is quoted with its items (a), b), - ...), since
    the answer usually is the list: "được nghỉ hằng năm như sau: a) 12 ngày làm việc; ..."."""
    if not sentence.rstrip().endswith(":"):
        return sentence
    items: list[str] = []
    for item in following:
        if not _LIST_ITEM.match(item) or len(items) == _MAX_LIST_ITEMS:
            break
        items.append(item)
    return " ".join([sentence.rstrip(), *items])


def answer_sentences(text: str) -> list[str]:
    """The statements an answer may quote from a passage, in reading order: its sentences, a sentence that
    introduces a list together with the list."""
    return [statement for statement, _ in quotable(text)]


def quotable(text: str) -> list[tuple[str, str]]:
    """(statement, context) pairs of a passage: each statement of `answer_sentences` with what it is read
    with. A list item is read with the sentence that introduces its list ("... như sau:"), any other
    sentence with the passage's opening (an article's heading or first clause: "2. Phạm tội trong thời
    chiến, thì bị phạt tù ..." is about the offence clause 1 names); the opening itself with nothing."""
    sentences = split_sentences(text)
    pairs, intro = [], ""
    for i, sentence in enumerate(sentences):
        if not _LIST_ITEM.match(sentence):
            intro = sentence if sentence.rstrip().endswith(":") else ""
        context = intro if _LIST_ITEM.match(sentence) and intro else (sentences[0] if i else "")
        pairs.append((with_its_list(sentence, sentences[i + 1:]), context))
    return pairs


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


@dataclass(frozen=True, slots=True)
class QuestionWords:
    """A question's content syllables and word pairs, to measure how much of it a sentence says."""

    syllables: frozenset[str]
    pairs: frozenset[str]
    fold: bool

    @classmethod
    def of(cls, question: str) -> QuestionWords:
        fold = not has_diacritics(question)  # a question typed without marks meets the text folded
        return cls(frozenset(content_syllables(question, fold=fold)),
                   frozenset(content_bigrams(question, fold=fold)), fold)

    def overlap(self, sentence: str, context: str = "") -> tuple[float, float]:
        """(share of the question's content syllables, share of its word pairs) found in `sentence`.

        Syllables found only in `context` (what the sentence is read with, such as its article's opening)
        count half: "2. Phạm tội trong thời chiến, thì bị phạt tù từ 02 năm đến 05 năm" is about the
        offence its article names first."""
        if not self.syllables:
            return 0.0, 0.0
        words = content_syllables(sentence, fold=self.fold)
        inherited = content_syllables(context, fold=self.fold) - words if context else set()
        pairs = content_bigrams(sentence, fold=self.fold)
        found = len(self.syllables & words) + 0.5 * len(self.syllables & inherited)
        return found / len(self.syllables), len(self.pairs & pairs) / max(len(self.pairs), 1)


def coverage(question: str, passage: str) -> float:
    """Share of the question's content syllables found in the passage (0 when the question has none)."""
    wanted = content_syllables(question)
    if not wanted:
        return 0.0
    return len(wanted & content_syllables(passage)) / len(wanted)
