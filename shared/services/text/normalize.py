"""Vietnamese text normalisation: pure functions applied to every passage and every question.

`normalize_text` gives the display form (case and punctuation kept); the others derive from it.
"""

from __future__ import annotations

import re
import unicodedata

from shared.services.text.tones import place_tone_marks

# Invisible format characters (Unicode category Cf: soft hyphen, zero-width space/joiners, bidi
# controls, BOM, ...) split or glue words invisibly, and lone surrogates (from undecodable bytes)
# cannot be written as UTF-8: both are removed outright.
_FORMAT = re.compile(
    "[\u00ad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f\ud800-\udfff]"
)
# Line breaks of every kind (CRLF first, so it becomes one break, not two).
_LINE_BREAK = re.compile("\r\n|[\r\v\f\x85\u2028\u2029]")
# Other control characters (Cc) and every space separator (Zs, incl. NBSP) become a plain space.
_SPACE = re.compile("[\x00-\x09\x0e-\x1f\x7f-\x84\x86-\x9f\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]")
_FULLWIDTH = re.compile("[\uff01-\uff5e]")
_SPACES = re.compile(" {2,}")
_SPACE_AT_BREAK = re.compile(" ?\n ?")
_BLANK_LINES = re.compile("\n{3,}")
_VI_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323\u0302\u0306\u031b")  # 5 tones + â/ê/ô, ă, ơ/ư
_COMBINING = re.compile("[\u0300-\u036f]")
_ALNUM_RUN = re.compile(r"[^\W_]+")


def normalize_text(text: str) -> str:
    """The canonical display form of `text`; idempotent.

    NFC; full-width ASCII (U+FF01-U+FF5E) as ASCII and `Ð` (U+00D0, Eth) as `Đ`; tone marks in
    the traditional position (`hoà` -> `hòa`, `thuý` -> `thúy`, see `shared.services.text.tones`);
    format characters (zero-width, soft hyphen, BOM) removed; tabs, NBSP, other spaces and control
    characters as one space; CR/CRLF and other line breaks as `\\n`; lines trimmed, at most one
    blank line in a row, no leading or trailing whitespace. Case and punctuation are kept.
    """
    text = _FORMAT.sub("", text)
    text = unify_line_breaks(text)
    text = _SPACE.sub(" ", text)
    if _FULLWIDTH.search(text):
        text = _FULLWIDTH.sub(lambda m: chr(ord(m.group()) - 0xFEE0), text)
    text = text.replace("\u00d0", "\u0110")
    # NFC after the removals: a zero-width character between a vowel and its mark kept them apart.
    text = place_tone_marks(unicodedata.normalize("NFC", text))
    text = _SPACES.sub(" ", text)
    text = _SPACE_AT_BREAK.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip(" \n")


def unify_line_breaks(text: str) -> str:
    """Every kind of line break (CRLF, CR, vertical tab, form feed, NEL, U+2028, U+2029) as `\\n`."""
    return _LINE_BREAK.sub("\n", text)


def normalize_for_match(text: str) -> str:
    """`normalize_text(text)` lowercased: the form to compare strings in."""
    return normalize_text(text).lower()


def fold_diacritics(text: str) -> str:
    """`text` without any diacritic: tone and vowel marks removed, `đ`/`Đ` as `d`/`D`; result is NFC.

    Removes every Latin combining mark (U+0300-U+036F), so `café` folds to `cafe` too.
    """
    if text.isascii():
        return text
    bare = _COMBINING.sub("", unicodedata.normalize("NFD", text))
    bare = bare.replace("đ", "d").replace("Đ", "D").replace("\u00d0", "D")
    return unicodedata.normalize("NFC", bare)


def has_diacritics(text: str) -> bool:
    """True if any letter of `text` carries a Vietnamese tone or vowel mark, or is `đ`/`Đ`."""
    if text.isascii():
        return False
    return not _VI_MARKS.isdisjoint(unicodedata.normalize("NFD", text)) or "đ" in text or "Đ" in text


def syllables(text: str) -> list[str]:
    """The lowercase alphanumeric runs of NFC `text` (letters incl. Vietnamese, digits); no punctuation.

    `_` separates syllables too, so segmented text (`giấy_phép`) yields its syllables.
    """
    return _ALNUM_RUN.findall(unicodedata.normalize("NFC", text).lower())


def diacritic_ratio(text: str) -> float:
    """Share of the syllables containing a letter that carry a Vietnamese mark or `đ`; 0.0 if none.

    Accented Vietnamese prose scores about 0.8 (some syllables, `cho`, `thi`, take no mark);
    a question typed without marks scores 0.
    """
    alphabetic = [s for s in syllables(text) if any(ch.isalpha() for ch in s)]
    if not alphabetic:
        return 0.0
    return sum(1 for s in alphabetic if has_diacritics(s)) / len(alphabetic)
