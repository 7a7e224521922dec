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

from shared.answering.sentences import content_bigrams, content_syllables, split_sentences
from shared.domain.models import SearchHit
from shared.text.normalize import has_diacritics


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
        """(citation number, sentence) pairs to quote: passages by their best chosen sentence, then
        reading order within a passage."""
        fold = not has_diacritics(question)
        wanted, pairs = content_syllables(question, fold=fold), content_bigrams(question, fold=fold)
        if not wanted:
            return []
        asks_amount = bool(_ASKS_AMOUNT.search(question.lower()))
        scored: list[tuple[float, int, int, str]] = []
        for rank, hit in enumerate(passages):
            sentences = split_sentences(hit.chunk.text)
            for position, sentence in enumerate(sentences):
                sentence = with_its_list(sentence, sentences[position + 1:])
                words = content_syllables(sentence, fold=fold)
                overlap = len(wanted & words) / len(wanted)
                phrase = len(pairs & content_bigrams(sentence, fold=fold)) / max(len(pairs), 1)
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
_LIST_ITEM = re.compile(r"^(?:[a-zđ]\)|[-–•+])\s", re.IGNORECASE)
_MAX_LIST_ITEMS = 6


def with_its_list(sentence: str, following: Sequence[str]) -> str:
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
