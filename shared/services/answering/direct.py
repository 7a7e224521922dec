"""The local Generator: the fact asked for first, then what supports it, every word from the passages.

"Người lao động được nghỉ hằng năm bao nhiêu ngày?" opens with the one sentence that says how many
("Người lao động làm việc đủ 12 tháng thì được nghỉ hằng năm ... 12 ngày làm việc ... [1]"), then
quotes at most a couple of further sentences while the answer stays short. Nothing is written that the
documents do not say, so it cannot invent law.

Each sentence of the retrieved passages is scored on three things, each in [0, 1]:

- meaning: the e5 cosine between the question (`query: `) and the sentence (`passage: `), min-max
  scaled over the candidates (cosines of one model bunch in a narrow band, their order is what counts).
  Sentence vectors are computed at ingestion (`prepare`) into the embedding cache, so the answer only
  looks them up; without them (documents indexed before, or no cache) meaning is left out;
- words: the share of the question's content syllables the sentence holds, plus half the share of its
  word pairs (`QuestionWords`);
- kind: whether it states the kind of fact asked (`shared.services.answering.cues`): a number of days for
  "bao nhiêu ngày", a time span for "bao lâu", a penalty for "bị phạt", a body for "cơ quan nào"; and, for
  "tối đa / tối thiểu", whether it states its passage's most (least) severe grade.

plus a small prior for the better-ranked passage. The weights are round numbers, not fitted.

A question about how the law provides for a topic ("... quy định thế nào về tên gọi của pháp nhân?")
asks for the provision, not for one fact of it: when a passage of the article that topic titles was
retrieved, the answer is that article as written, clause by clause, from its first retrieved passage.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np

from shared.domain.models import Chunk, SearchHit
from shared.ports import SentenceVectorCache
from shared.services.answering.cues import Extreme, asked_cues, asked_extreme, asked_provision, cue_match
from shared.services.answering.sentences import (
    ELISION,
    QuestionWords,
    Statement,
    answer_sentences,
    clauses,
    content_syllables,
    statements,
)
from shared.services.text.normalize import normalize_text

KIND_WEIGHT = 0.5
RANK_PRIOR = 0.15
# An answer holds its direct statement, then further quotations while the quoted text stays within
# this many characters (a statement longer than this is still given whole).
MAX_ANSWER_CHARS = 350
MAX_QUOTES = 2
# A runner-up scoring within this of the best is a close call the scores cannot settle: it is quoted
# second even past the length budget, so the reader sees both (ALQAC 2022: answer_contains +0.015
# [+0.004, +0.031] paired, median answer 336 -> 345 characters).
CLOSE_CALL = 0.05

_LEADING_MARKER = re.compile(r"^(?:\d+(?:\.\d+)*[.)]|[a-zđ]\)|[-–•+*])\s+", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Candidate:
    number: int  # the citation number of its passage
    position: int
    text: str
    score: float


@dataclass(frozen=True, slots=True)
class DirectAnswerGenerator:
    vectors: SentenceVectorCache | None = None
    meaning_weight: float = 1.0  # of the meaning score, when `vectors` are given
    max_chars: int = MAX_ANSWER_CHARS
    max_quotes: int = MAX_QUOTES

    def prepare(self, chunks: Sequence[Chunk]) -> None:
        """At ingestion: embed every sentence an answer may quote, so answering only looks them up."""
        if self.vectors is not None:
            texts = list(dict.fromkeys(s for c in chunks for s in answer_sentences(c.text, article_title(c))))
            if texts:
                self.vectors.embed_passages(texts)

    def generate(self, question: str, passages: Sequence[SearchHit], *,
                 question_vector: np.ndarray | None = None) -> Iterator[str]:
        provision = _titled(asked_provision(normalize_text(question).lower()), passages)
        if provision is not None:
            yield from self._provision(*provision)
            return
        ranked = self.rank(question, passages, question_vector)
        if not ranked:
            return
        best = ranked[0]
        statement = _LEADING_MARKER.sub("", best.text).rstrip()
        yield f"{statement} [{best.number}]"
        used, quoted = len(statement), [best.text]
        for other in ranked[1:]:
            if len(quoted) > self.max_quotes:
                break
            if _said_already(other.text, quoted):
                continue
            close_call = len(quoted) == 1 and other.score >= best.score - CLOSE_CALL
            if not close_call and used + len(other.text) > self.max_chars:
                continue
            yield f" {_LEADING_MARKER.sub('', other.text).rstrip()} [{other.number}]"
            used += len(other.text)
            quoted.append(other.text)

    def _provision(self, number: int, hit: SearchHit) -> Iterator[str]:
        """The article a "quy định thế nào về X?" question names, quoted as written from its first clause
        while the answer stays within `max_chars` (the first clause is given whole)."""
        used = 0
        for i, clause in enumerate(clauses(hit.chunk.text)):
            if i and used + len(clause) > self.max_chars:
                break
            yield f"{' ' if i else ''}{clause} [{number}]"
            used += len(clause)

    def rank(self, question: str, passages: Sequence[SearchHit],
             question_vector: np.ndarray | None = None) -> list[Candidate]:
        """The passages' statements that share a word with the question, best answer first."""
        question = normalize_text(question)  # "thoả thuận" is "thỏa thuận", as the passages are written
        words = QuestionWords.of(question)
        if not words.syllables:
            return []
        cues = asked_cues(question.lower())
        extreme = asked_extreme(question.lower())
        found: list[tuple[int, int, str, float]] = []  # (passage rank, position, statement, words+kind+prior)
        for rank, hit in enumerate(passages):
            said = statements(hit.chunk.text, article_title(hit.chunk))
            extremest = _extremest(extreme, said) if extreme else [False] * len(said)
            for position, statement in enumerate(said):
                overlap, phrase = words.overlap(statement.own, context=statement.context)
                if not overlap:
                    continue  # it says none of the question's words itself
                kind = cue_match(cues, statement.own.lower()) + extremest[position]
                base = overlap + 0.5 * phrase + KIND_WEIGHT * kind
                found.append((rank, position, statement.text, base + RANK_PRIOR / (rank + 1)))
        meaning = self._meaning(question_vector, [sentence for _, _, sentence, _ in found])
        scored = [Candidate(rank + 1, position, sentence, base + self.meaning_weight * m)
                  for (rank, position, sentence, base), m in zip(found, meaning, strict=True)]
        return sorted(scored, key=lambda c: -c.score)

    def _meaning(self, question_vector: np.ndarray | None, sentences: list[str]) -> list[float]:
        """Each sentence's cosine to the question, min-max scaled; zeros when vectors are not at hand."""
        if question_vector is None or self.vectors is None or self.meaning_weight <= 0 or len(sentences) < 2:
            return [0.0] * len(sentences)
        vectors = self.vectors.cached_passages(sentences)
        if vectors is None:
            return [0.0] * len(sentences)
        cosines = vectors @ np.asarray(question_vector, dtype=np.float32)
        spread = float(cosines.max() - cosines.min())
        if spread <= 0:
            return [0.0] * len(sentences)
        return ((cosines - cosines.min()) / spread).tolist()


def _titled(topic: str | None, passages: Sequence[SearchHit]) -> tuple[int, SearchHit] | None:
    """The passage (with its citation number) that opens the article titled by `topic`, of the best-ranked
    such article: the same words, not counting stopwords and a named source ("tên gọi của pháp nhân" is
    "Điều 78. Tên gọi của pháp nhân"). Of a long article's passages, the first one retrieved in reading order."""
    if not topic:
        return None
    words = QuestionWords.of(topic)
    for hit in passages:
        title = article_title(hit.chunk)
        if title and content_syllables(normalize_text(title).lower(), fold=words.fold) == words.syllables:
            same = [(other.chunk.ordinal, number, other) for number, other in enumerate(passages, start=1)
                    if (other.chunk.document_id, other.chunk.headings) == (hit.chunk.document_id, hit.chunk.headings)]
            _, number, first = min(same, key=lambda found: found[:2])
            return number, first
    return None


def _said_already(statement: str, quoted: list[str]) -> bool:
    """Whether the answer says `statement` already: the same sentence in two passages, a quoted sentence
    within it, or each of its parts ("opening … b) item") in what is quoted (a list shown with its items)."""
    if any(text in statement for text in quoted):
        return True
    return all(any(part in text for text in quoted) for part in statement.split(ELISION))


def _extremest(extreme: Extreme, said: Sequence[Statement]) -> list[bool]:
    """For each statement of a passage, whether it states the passage's most (least) severe grade: the
    highest (lowest) term or sum any of them states."""
    measures = [extreme.measure(statement.text.lower()) for statement in said]
    stated = [measure for measure in measures if measure is not None]
    if not stated:
        return [False] * len(said)
    grade = max(stated) if extreme.most else min(stated)
    return [measure == grade for measure in measures]


_ARTICLE_LABEL = re.compile(r"^.*?\bĐiều\s+\d+[a-zđ]?\b[.:]?\s*", re.IGNORECASE)


def article_title(chunk: Chunk) -> str:
    """The title of the article a passage belongs to ("Điều 113. Nghỉ hằng năm" → "Nghỉ hằng năm"): what
    every sentence of it is about. Empty when its nearest heading is only a label ("Luật X, Điều 5")."""
    return _ARTICLE_LABEL.sub("", chunk.headings[-1]).strip() if chunk.headings else ""
