"""Putting the marks back on questions typed without them, learned from the indexed corpus itself.

Vietnamese is often typed without diacritics ("thu tuc cap giay phep"). The accented pipeline (word
segmentation, the e5 embedding) falls apart on such text, so the question is restored first. The
model is a syllable bigram model counted over the indexed passages: each unaccented syllable may be
any accented form the corpus spells the same way without marks (`dat` -> `đất`, `đạt`, `dát` ...),
and a Viterbi search picks the sequence whose bigrams the corpus uses most, falling back to the
unigram counts where a pair was never seen. The corpus is the best dictionary of its own words:
on the dev corpus this puts 95 % of the syllables right, against 74 % for pyvi's CRF restorer.

The counts (`SyllableCounts`) are additive, so an index keeps them up to date as passages come and
go: add a passage's counts on upsert, subtract them on delete. Local mode keeps them in two tables
of the index SQLite, updated in the same transaction as the chunks. A deployment whose index lives
elsewhere (AWS, `shared.adapters.aws.s3.corpus_stats`) publishes them as one compact file in
`SyllableCounts.dump`'s format (gzip'd JSON, pairs seen once dropped: about 180 KB for the
4,627-article dev corpus): every index write adds or subtracts the document's passages in an exact
running total kept beside it and publishes it again; a query function reads it at cold start
(parse + `DiacriticRestorer.from_counts`: about 35 ms for the dev corpus) and again when it changed.
`LocalSearchIndex.syllable_counts().dump(path)` exports a local index's counts in that format.

Only questions that lack marks are touched (`needs_restoration`): a question that carries them is
returned as typed. In a partly accented question, syllables that carry marks are kept as typed and
serve as context for the others.
"""

from __future__ import annotations

import gzip
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.services.text.normalize import diacritic_ratio, fold_diacritics, has_diacritics

# Syllables (letters only) and the punctuation that separates phrases. Numbers are skipped, not
# separators: "điều 5 của" pairs "điều" with "của" (measured: 96.1 % of syllables right vs 95.5 %).
_TOKEN = re.compile(r"[^\W\d_]+|[.,;:!?()\[\]\"“”…/]")
# A question is restored when fewer than this share of its syllables carry a mark. Accented prose
# scores about 0.8 and questions rarely below 0.5; typed without marks they score 0.
RESTORE_BELOW_RATIO = 0.5
_MAX_CANDIDATES = 8  # accented forms tried per syllable, most frequent first
_SMOOTHING = 5.0  # weight of the unigram distribution in a bigram estimate (interpolated; 5 measured best)
SNAPSHOT_FORMAT = "vnrag-syllable-counts/1"
# The words that ask are what documents seldom say: a corpus of laws and procedures spells "báo" and
# "nhiều" far more often than "bao nhiêu", so a question typed "bao nhieu" came back "báo nhiều". These
# phrases are counted as if the corpus held each `_QUESTION_WEIGHT` times, on top of its own counts.
QUESTION_PHRASES = (
    "bao nhiêu", "bao nhiêu ngày", "bao nhiêu tiền", "bao nhiêu năm", "bao lâu", "bao giờ", "mấy ngày", "mấy tháng",
    "mấy năm", "mấy lần", "mấy người", "được mấy", "như thế nào", "thế nào", "ra sao", "là gì", "làm gì",
    "gồm những gì", "những gì", "ở đâu", "nộp ở đâu", "khi nào", "lúc nào", "tại sao", "vì sao", "là ai", "ai được",
    "có được không", "có phải không", "hay không", "được không", "có cần không", "có bị không", "cơ quan nào",
    "trường hợp nào", "điều kiện gì", "thủ tục gì", "hồ sơ gồm những gì", "phải làm gì",
)
_QUESTION_WEIGHT = 20


def _phrases(text: str) -> Iterator[list[str]]:
    """Runs of lowercase syllables uninterrupted by punctuation (numbers are skipped)."""
    run: list[str] = []
    for m in _TOKEN.finditer(text.lower()):
        token = m.group()
        if token[0].isalpha():
            run.append(token)
        elif run:
            yield run
            run = []
    if run:
        yield run


@dataclass(slots=True)
class SyllableCounts:
    """Syllable unigram and bigram counts (lowercase, NFC, marks kept); additive and subtractable."""

    unigrams: Counter[str] = field(default_factory=Counter)
    bigrams: Counter[str] = field(default_factory=Counter)  # "a b"

    @classmethod
    def of_texts(cls, texts: Iterable[str]) -> SyllableCounts:
        counts = cls()
        for text in texts:
            counts.add_text(text)
        return counts

    def add_text(self, text: str, sign: int = 1) -> None:
        """Count `text` (already `normalize_text`-ed); `sign=-1` takes a text's counts back out."""
        uni, bi = self.unigrams, self.bigrams
        for run in _phrases(text):
            for syllable in run:
                uni[syllable] += sign
            for a, b in zip(run, run[1:], strict=False):
                bi[f"{a} {b}"] += sign

    def payload(self, *, min_bigram_count: int = 2) -> dict:
        """The snapshot's JSON object (`dump`); rare pairs are left out (`min_bigram_count=1` keeps all)."""
        return {"format": SNAPSHOT_FORMAT,
                "unigrams": {k: n for k, n in self.unigrams.items() if n > 0},
                "bigrams": {k: n for k, n in self.bigrams.items() if n >= min_bigram_count}}

    @classmethod
    def from_payload(cls, payload: Mapping, *, source: object = "payload") -> SyllableCounts:
        """The counts of a snapshot's JSON object; keys other than the counts are ignored."""
        if payload.get("format") != SNAPSHOT_FORMAT:
            raise ValueError(f"{source} is not a syllable count snapshot ({payload.get('format')!r})")
        return cls(Counter(payload["unigrams"]), Counter(payload["bigrams"]))

    def subtract(self, other: SyllableCounts) -> None:
        """Take `other`'s counts back out; forms and pairs left at zero or below are dropped."""
        for mine, theirs in ((self.unigrams, other.unigrams), (self.bigrams, other.bigrams)):
            for k, n in theirs.items():
                left = mine.get(k, 0) - n
                if left > 0:
                    mine[k] = left
                else:
                    mine.pop(k, None)

    def dump(self, path: Path, *, min_bigram_count: int = 2) -> None:
        """Write the compact snapshot a cold start loads (`load`); rare pairs are left out."""
        with gzip.open(path, "wt", encoding="utf-8", compresslevel=6) as f:
            json.dump(self.payload(min_bigram_count=min_bigram_count), f, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def load(cls, path: Path) -> SyllableCounts:
        with gzip.open(path, "rt", encoding="utf-8") as f:
            payload = json.load(f)
        return cls.from_payload(payload, source=path)


def needs_restoration(text: str, *, below: float = RESTORE_BELOW_RATIO) -> bool:
    """True when `text` has syllables and too few of them carry marks to be read as accented."""
    return any(ch.isalpha() for ch in text) and diacritic_ratio(text) < below


class DiacriticRestorer:
    """Viterbi over candidate accented forms, scored by the corpus's syllable bigram counts.

    Pure once built, safe to share between threads. Build it from `SyllableCounts` or from plain
    mappings (`unigrams`: form -> count, `bigrams`: "a b" -> count).
    """

    def __init__(self, unigrams: Mapping[str, int], bigrams: Mapping[str, int]) -> None:
        by_fold: dict[str, list[tuple[int, str]]] = {}
        for form, n in unigrams.items():
            if n > 0:
                by_fold.setdefault(fold_diacritics(form), []).append((n, form))
        self._candidates = {k: [f for _, f in sorted(v, key=lambda p: (-p[0], p[1]))[:_MAX_CANDIDATES]]
                            for k, v in by_fold.items()}
        total = sum(n for n in unigrams.values() if n > 0) or 1
        vocabulary = len(by_fold) + 1
        # log P(w), add-one smoothed; and the count of each syllable as a left context.
        self._log_unigram = {f: math.log((n + 1) / (total + vocabulary)) for f, n in unigrams.items() if n > 0}
        self._unigram = {f: (n + 1) / (total + vocabulary) for f, n in unigrams.items() if n > 0}
        self._unseen = 1 / (total + vocabulary)
        self._left = Counter[str]()
        for pair, n in bigrams.items():
            if n > 0:
                self._left[pair.split(" ", 1)[0]] += n
        self._bigrams = {k: n for k, n in bigrams.items() if n > 0}

    @classmethod
    def from_counts(cls, counts: SyllableCounts) -> DiacriticRestorer:
        """The restorer of a corpus's counts, with the words that ask added (`QUESTION_PHRASES`)."""
        asking = SyllableCounts.of_texts(", ".join(QUESTION_PHRASES) for _ in range(_QUESTION_WEIGHT))
        return cls(counts.unigrams + asking.unigrams, counts.bigrams + asking.bigrams)

    @property
    def vocabulary_size(self) -> int:
        return len(self._unigram)

    def restore(self, text: str) -> str:
        """`text` with marks put on its unmarked syllables; marked syllables, case, spacing and the rest
        are kept. Syllables the corpus never spells are left as typed."""
        pieces: list[str] = []
        last = 0
        for run in self._runs(text):
            words = [text[s:e] for s, e in run]
            restored = self._best(words)
            for (s, e), word, new in zip(run, words, restored, strict=True):
                pieces.append(text[last:s])
                pieces.append(_with_case(new, word))
                last = e
        pieces.append(text[last:])
        return "".join(pieces)

    def _runs(self, text: str) -> Iterator[list[tuple[int, int]]]:
        run: list[tuple[int, int]] = []
        for m in _TOKEN.finditer(text):
            if m.group()[0].isalpha():
                run.append(m.span())
            elif run:
                yield run
                run = []
        if run:
            yield run

    def _options(self, word: str) -> list[str]:
        lower = word.lower()
        if has_diacritics(lower):
            return [lower]  # typed with its marks: keep it
        return self._candidates.get(lower) or [lower]

    def _best(self, words: list[str]) -> list[str]:
        options = [self._options(w) for w in words]
        unigram, unseen, log_unigram = self._unigram, self._unseen, self._log_unigram
        bigrams, left = self._bigrams, self._left
        # scores[j]: best log probability of a path ending in options[i][j]; back[i][j]: its predecessor.
        scores = [log_unigram.get(f, math.log(unseen)) for f in options[0]]
        back: list[list[int]] = []
        for i in range(1, len(options)):
            prev_forms, forms = options[i - 1], options[i]
            new_scores, pointers = [], []
            for form in forms:
                p_uni = unigram.get(form, unseen)
                best, arg = -math.inf, 0
                for j, prev in enumerate(prev_forms):
                    n_left = left.get(prev, 0)
                    p = (bigrams.get(f"{prev} {form}", 0) + _SMOOTHING * p_uni) / (n_left + _SMOOTHING)
                    s = scores[j] + math.log(p)
                    if s > best:
                        best, arg = s, j
                new_scores.append(best)
                pointers.append(arg)
            scores = new_scores
            back.append(pointers)
        j = max(range(len(scores)), key=scores.__getitem__)
        path = [j]
        for pointers in reversed(back):
            j = pointers[j]
            path.append(j)
        path.reverse()
        return [opts[k] for opts, k in zip(options, path, strict=True)]


def _with_case(form: str, typed: str) -> str:
    """`form` (lowercase) with the case pattern of what was typed: UPPER, Title or lower."""
    if typed.islower():
        return form
    if typed.isupper() and len(typed) > 1:
        return form.upper()
    if typed[0].isupper():
        return form[0].upper() + form[1:]
    return form
