"""Where the tone mark of a Vietnamese syllable goes, so that one spelling has one encoding.

Two placements are in use and differ only for the open rhymes oa, oe, uy (no final consonant):
the traditional one marks the first vowel (`hòa`, `khỏe`, `thúy`), the one of the 1980s spelling
rules the second (`hoà`, `khoẻ`, `thuý`). Everywhere else both agree: the mark goes on the vowel
with a quality mark (ă â ê ô ơ ư; ơ in ươ), else on the last vowel before a final consonant
(`hoàng`, `quỳnh`), else on the middle of three vowels (`ngoài`, `khuỷu`), else on the first of two
(`mùa`, `cái`). `qu` and `gi` are onsets, so their u/i is never marked (`quý`, `quả`, `giá`).
Syllables that do not parse as Vietnamese, or carry no or several tone marks, are left alone.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Literal

Style = Literal["traditional", "modern"]

# Combining tone marks after NFD: huyền, sắc, ngã, hỏi, nặng.
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_QUALITY_VOWELS = frozenset("ăâêôơư")
_VOWELS = frozenset("aăâeêioôơuưy")
# Longest first, so "ngh" wins over "ng" and "ng" over "n".
_ONSETS = sorted(
    "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x".split(), key=len, reverse=True
)
_CODAS = frozenset("c ch m n ng nh p t".split())
_SINGLE = set(_VOWELS)
_OPEN_RHYMES = _SINGLE | set(
    "ai ao au ay âu ây eo êu ia iu oa oe oi ôi ơi ua uê ui uơ uy ưa ưi ưu "
    "iêu yêu oai oay oao oeo uây uôi uya uyu ươi ươu".split()
)
_CLOSED_NUCLEI = _SINGLE | set("oa oă oe oo uâ uê uy uô ươ iê yê uyê".split())
_MODERN_ONLY = frozenset({"oa", "oe", "uy"})  # open rhymes the two styles mark differently

_LETTERS = re.compile(r"[^\W\d_]+")


def tone_index(syllable: str, style: Style = "traditional") -> int | None:
    """Index of the letter that carries the tone in a lowercase, toneless syllable; None if not Vietnamese."""
    onset = next((o for o in _ONSETS if syllable.startswith(o)), "")
    if onset == "gi" and (len(syllable) == 2 or syllable[2] not in _VOWELS):
        onset = "g"  # gì, gìn: the i is the vowel, not part of the onset
    rest = syllable[len(onset) :]
    end = 0
    while end < len(rest) and rest[end] in _VOWELS:
        end += 1
    nucleus, coda = rest[:end], rest[end:]
    if not nucleus or (coda and (coda not in _CODAS or nucleus not in _CLOSED_NUCLEI)):
        return None
    if not coda and nucleus not in _OPEN_RHYMES:
        return None
    quality = [i for i, ch in enumerate(nucleus) if ch in _QUALITY_VOWELS]
    if quality:
        at = quality[-1]  # ươ -> ơ; every other rhyme has at most one such vowel
    elif coda or len(nucleus) == 1:
        at = len(nucleus) - 1
    elif len(nucleus) == 3:
        at = 1
    elif style == "modern" and nucleus in _MODERN_ONLY:
        at = 1
    else:
        at = 0
    return len(onset) + at


@lru_cache(maxsize=65536)
def place_tone_mark(word: str, style: Style = "traditional") -> str:
    """`word` (NFC letters) with its one tone mark on the canonical vowel; unchanged if it does not parse."""
    decomposed = unicodedata.normalize("NFD", word)
    tones = [ch for ch in decomposed if ch in TONE_MARKS]
    if len(tones) != 1:
        return word
    base = unicodedata.normalize("NFC", decomposed.replace(tones[0], ""))
    lower = base.lower()
    at = tone_index(lower, style) if len(lower) == len(base) else None
    if at is None:
        return word
    marked = unicodedata.normalize("NFC", unicodedata.normalize("NFD", base[at]) + tones[0])
    return base[:at] + marked + base[at + 1 :]


def place_tone_marks(text: str, style: Style = "traditional") -> str:
    """Every syllable of NFC `text` with its tone mark in the `style` position; case is kept."""

    def fix(m: re.Match[str]) -> str:
        word, end = m.group(), m.end()
        if word.isascii():
            return word
        # A stray combining mark after the word would compose with whichever vowel the tone
        # leaves, so moving the tone would not be stable under NFC: leave such words alone.
        if end < len(text) and unicodedata.category(text[end]).startswith("M"):
            return word
        return place_tone_mark(word, style)

    return _LETTERS.sub(fix, text)
