"""The local Generator: an answer made of the passages' own sentences, each with its [n] citation.

It never writes a word the documents do not contain, so it cannot invent law. Sentences are ranked by
how much of the question they cover (syllables, and word pairs for phrase matches), with a prior
for better-ranked passages. The chosen ones are quoted passage by passage, the passage holding the best
sentence first (so "bao nhiêu ngày?" opens with the sentence that says how many), each passage's
sentences in reading order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from shared.domain.models import SearchHit
from shared.services.answering.sentences import QuestionWords, split_sentences, with_its_list


@dataclass(frozen=True, slots=True)
class ExtractiveGenerator:
    max_sentences: int = 3
    intro: str = "Theo các tài liệu tìm được:"

    def generate(self, question: str, passages: Sequence[SearchHit], *,
                 question_vector: object = None) -> Iterator[str]:
        picked = self.pick_sentences(question, passages)
        if not picked:
            return
        yield self.intro
        for number, sentence in picked:
            yield f" {sentence.rstrip()} [{number}]"

    def pick_sentences(self, question: str, passages: Sequence[SearchHit]) -> list[tuple[int, str]]:
        """(citation number, sentence) pairs to quote: passages by their best chosen sentence, then
        reading order within a passage."""
        wanted = QuestionWords.of(question)
        if not wanted.syllables:
            return []
        asks_amount = bool(_ASKS_AMOUNT.search(question.lower()))
        scored: list[tuple[float, int, int, str]] = []
        for rank, hit in enumerate(passages):
            sentences = split_sentences(hit.chunk.text)
            for position, sentence in enumerate(sentences):
                sentence = with_its_list(sentence, sentences[position + 1:])
                overlap, phrase = wanted.overlap(sentence)
                score = overlap + 0.5 * phrase + 0.15 / (rank + 1)
                if asks_amount and _HAS_NUMBER.search(sentence):
                    score += 0.2  # "bao nhiêu ngày?" is answered by a sentence with a number in it
                if overlap > 0:
                    scored.append((score, rank, position, sentence))
        best = sorted(scored, key=lambda s: -s[0])[: self.max_sentences]
        passage_order = {rank: i for i, rank in enumerate(dict.fromkeys(rank for _, rank, _, _ in best))}
        quoted = sorted(best, key=lambda s: (passage_order[s[1]], s[2]))
        return [(rank + 1, sentence) for _, rank, _, sentence in quoted]


_ASKS_AMOUNT = re.compile(r"\b(?:bao nhiêu|mấy|bao lâu|thời hạn|mức|tối đa|tối thiểu)\b")
_HAS_NUMBER = re.compile(r"\d")
