"""A dependency-free analyzer with the LexicalAnalyzer interface: lower-cased syllables, no segmentation."""

from __future__ import annotations

from shared.services.text.normalize import fold_diacritics, syllables


class SyllableAnalyzer:
    def index_terms(self, text: str) -> list[str]:
        return syllables(text)

    def query_terms(self, text: str) -> list[str]:
        return syllables(text)

    def folded_terms(self, text: str) -> list[str]:
        words = [fold_diacritics(s) for s in syllables(text)]
        return words + [f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)]
