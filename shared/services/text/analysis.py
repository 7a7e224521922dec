"""Lexical analysis shared by every index adapter (local, OpenSearch) and by queries.

Indexed text and questions must go through the same functions, or their terms will not meet.
"""

from __future__ import annotations

import re

from shared.services.text.normalize import fold_diacritics, normalize_text, syllables
from shared.services.text.segment import WordSegmenter

_HAS_ALNUM = re.compile(r"[^\W_]")
_EDGE_MARKS = re.compile(r"^\W+|\W+$")


class LexicalAnalyzer:
    """Turns text into BM25 terms. Pure given its segmenter; stopwords are kept on purpose."""

    def __init__(self, segmenter: WordSegmenter) -> None:
        self._segmenter = segmenter

    def index_terms(self, text: str) -> list[str]:
        """Lowercase words of normalised `text`, compounds joined by `_` (`giấy_phép`), no punctuation.

        Segmentation runs before lowercasing because pyvi's model uses capitalisation. Line breaks
        are read as spaces: sources wrap lines mid-sentence (`thành\\nniên`), and pyvi makes a
        line break a token of its own, which splits the compound around it. Tokens without a
        letter or digit are dropped, and punctuation is trimmed off the ends of the others: pyvi
        keeps a full stop on capitals (`NĐ-CP.` -> `CP.`), which would not match `CP` in a question.
        """
        terms = []
        for word in self._segmenter.words(normalize_text(text).replace("\n", " ")):
            if not (word[0].isalnum() and word[-1].isalnum()):
                word = _EDGE_MARKS.sub("", word)
            if _HAS_ALNUM.search(word):
                terms.append(word.lower())
        return terms

    def query_terms(self, text: str) -> list[str]:
        """The terms of a question: exactly `index_terms`, so both sides agree."""
        return self.index_terms(text)

    @staticmethod
    def folded_terms(text: str) -> list[str]:
        """Unaccented syllables of `text`, then each pair of neighbours as `a_b`.

        For questions typed without marks: `Thủ tục cấp` and `thu tuc cap` give the same terms.
        """
        sylls = syllables(fold_diacritics(normalize_text(text)))
        return sylls + [f"{a}_{b}" for a, b in zip(sylls, sylls[1:], strict=False)]
