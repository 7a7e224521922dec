"""The local Generator: an answer made of the passages' own sentences, each with its [n] citation.

It never writes a word the documents do not contain, so it cannot invent law. Sentences are ranked by
how much of the question they cover (syllables, and word pairs for phrase matches), with a prior
for better-ranked passages; the chosen ones are quoted in passage order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from shared.answering.sentences import content_bigrams, content_syllables, split_sentences
from shared.domain.models import SearchHit


@dataclass(frozen=True, slots=True)
class ExtractiveGenerator:
    max_sentences: int = 3
    intro: str = "Theo các tài liệu tìm được:"

    def generate(self, question: str, passages: Sequence[SearchHit]) -> Iterator[str]:
        picked = self.pick_sentences(question, passages)
        if not picked:
            return
        yield self.intro
        for number, sentence in picked:
            yield f" {sentence.rstrip()} [{number}]"

    def pick_sentences(self, question: str, passages: Sequence[SearchHit]) -> list[tuple[int, str]]:
        """(citation number, sentence) pairs to quote, in passage order then reading order."""
        wanted, pairs = content_syllables(question), content_bigrams(question)
        if not wanted:
            return []
        scored: list[tuple[float, int, int, str]] = []
        for rank, hit in enumerate(passages):
            for position, sentence in enumerate(split_sentences(hit.chunk.text)):
                words = content_syllables(sentence)
                overlap = len(wanted & words) / len(wanted)
                phrase = len(pairs & content_bigrams(sentence)) / max(len(pairs), 1)
                score = overlap + 0.5 * phrase + 0.15 / (rank + 1)
                if overlap > 0:
                    scored.append((score, rank, position, sentence))
        best = sorted(scored, key=lambda s: -s[0])[: self.max_sentences]
        return [(rank + 1, sentence) for _, rank, _, sentence in sorted(best, key=lambda s: (s[1], s[2]))]
