"""Vietnamese typed in the legacy 8-bit font encodings TCVN3 (ABC) and VNI-Windows, back to Unicode.

Such text was typed in fonts named `.VnTime`, `.VnArial`, … (TCVN3) or `VNI-Times`, … (VNI) that draw
Vietnamese letters in the places of Latin-1 ones; read without the font, it is mojibake such as
"Céng hoµ x· héi chñ nghÜa ViÖt Nam" (TCVN3) or "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam" (VNI).

Tables:
- TCVN3 is the VN3 subset of TCVN 5712:1993: the 67 lowercase letters (12 vowels × 5 tones, ă â ê ô
  ơ ư đ) and the 7 capitals Ă Â Ê Ô Ơ Ư Đ, all in 0xA1-0xFE. Toned capitals have no code: they are
  typed as the lowercase code in a capitals font (`.VnTimeH`, `.VnArialH`: the name ends in H).
- VNI-Windows writes a toned vowel as its base letter followed by one or two mark bytes (ấ = a + á),
  ơ ư đ and the toned i/y forms as single bytes; the marks have a capital form for capitals.
Both use only bytes that are Latin-1 letters, so the text arrives as Latin-1 characters whatever the
container (a .txt, a docx run, a PDF's WinAnsi font).

Text that is already Unicode is never changed: a line holding a letter that only Unicode Vietnamese
has (ạ ả ấ … ơ ư đ, combining tones) is left alone, and a document is converted only when the
conversion turns words that are not Vietnamese syllables into ones that are (see `detect`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Literal

from shared.services.text.tones import TONE_MARKS, tone_index

Encoding = Literal["tcvn3", "vni"]

# --- TCVN3 (TCVN 5712:1993, VN3) ------------------------------------------------------------------
# Byte → letter, in code order.
_TCVN3_BYTES: dict[int, str] = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ",
    0xC6: "ặ", 0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
TCVN3_TO_UNICODE: dict[str, str] = {chr(code): letter for code, letter in _TCVN3_BYTES.items()}
UNICODE_TO_TCVN3: dict[str, str] = {letter: code for code, letter in TCVN3_TO_UNICODE.items()}
_TCVN3_TABLE = str.maketrans(TCVN3_TO_UNICODE)

# --- VNI-Windows ----------------------------------------------------------------------------------
# Mark bytes (lowercase form; the capital form is the Latin-1 capital of the same letter).
_VNI_TONES = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
# Circumflex + tone and breve + tone, one byte each.
_VNI_CIRCUMFLEX = {"â": "", "á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
_VNI_BREVE = {"ê": "", "é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
# Letters that are one byte on their own.
_VNI_SINGLE = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ"}


def _vni_table() -> dict[str, str]:
    """Every VNI spelling (one to three Latin-1 characters) → its Unicode letter, both cases."""
    table: dict[str, str] = {}

    def add(spelling: str, letter: str) -> None:
        table[spelling] = unicodedata.normalize("NFC", letter)
        table[spelling.upper()] = unicodedata.normalize("NFC", letter).upper()

    for single, letter in _VNI_SINGLE.items():
        add(single, letter)
    # ơ and ư (ô, ö) take the five tones like plain vowels.
    for base, letter in (("a", "a"), ("e", "e"), ("o", "o"), ("u", "u"), ("y", "y"), ("ô", "ơ"), ("ö", "ư")):
        for mark, tone in _VNI_TONES.items():
            add(base + mark, letter + tone)
    for base in "aeo":
        for mark, tone in _VNI_CIRCUMFLEX.items():
            add(base + mark, base + "\u0302" + tone)
    for mark, tone in _VNI_BREVE.items():
        add("a" + mark, "a\u0306" + tone)
    return table


VNI_TO_UNICODE: dict[str, str] = _vni_table()
UNICODE_TO_VNI: dict[str, str] = {letter: spelling for spelling, letter in VNI_TO_UNICODE.items()}
# A base letter and the mark after it are read as one letter; a mark after a capital is taken in
# either case (mixed-case marks occur when a document's case was changed after typing).
_VNI_MARKS = "".join(sorted({*_VNI_TONES, *_VNI_CIRCUMFLEX, *_VNI_BREVE}))
_VNI_LETTER = re.compile(
    f"([aeouyAEOUYôöÔÖ])([{_VNI_MARKS}{_VNI_MARKS.upper()}])|[{''.join(_VNI_SINGLE)}{''.join(_VNI_SINGLE).upper()}]"
)

# Letters that only Unicode Vietnamese writes: ă đ ĩ ũ ơ ư (both cases), the Latin Extended
# Additional block, and the combining tones. A line holding one is Unicode, never legacy.
_UNICODE_ONLY = re.compile("[\u0102\u0103\u0110\u0111\u0128\u0129\u0168\u0169\u01a0\u01a1\u01af\u01b0"
                           "\u1ea0-\u1ef9\u0300\u0301\u0303\u0309\u0323]")
_LEGACY_CHARS = re.compile("[\u00a1-\u00fe]")
# A word: Latin letters, every Latin-1 character (legacy letters can look like punctuation: TCVN3
# ã is `·`, Đ is `§`), and the Unicode Vietnamese letters and marks.
_WORD = re.compile("[A-Za-z\u00a1-\u00ff\u0100-\u024f\u0300-\u036f\u1e00-\u1eff]+")


def tcvn3_to_unicode(text: str, *, capitals: bool = False) -> str:
    """TCVN3 text to Unicode; `capitals` for text set in a capitals font (`.VnTimeH`)."""
    converted = text.translate(_TCVN3_TABLE)
    return converted.upper() if capitals else converted


def vni_to_unicode(text: str) -> str:
    """VNI-Windows text to Unicode."""

    def letter(match: re.Match[str]) -> str:
        base, mark = match.groups()
        if base is None:
            return VNI_TO_UNICODE[match.group()]
        spelling = base + (mark.upper() if base.isupper() else mark.lower())
        return VNI_TO_UNICODE.get(spelling, match.group())

    # One pass, pairs before single bytes: `ô` alone is ơ, but `oâ` is ô and `ôù` is ớ; and a
    # letter already converted (ò from `oø`) must not be read again as a VNI byte (ò is ị).
    return _VNI_LETTER.sub(letter, text)


def unicode_to_vni(text: str) -> str:
    """NFC Unicode text as VNI-Windows would store it (for building test documents)."""
    return "".join(UNICODE_TO_VNI.get(ch, ch) for ch in unicodedata.normalize("NFC", text))


def unicode_to_tcvn3_runs(text: str) -> list[tuple[str, bool]]:
    """NFC Unicode text as TCVN3 runs (text, capitals): a toned capital has no TCVN3 code, so it is
    typed as its lowercase code in the capitals font, as ABC users do."""
    runs: list[tuple[str, bool]] = []
    for ch in unicodedata.normalize("NFC", text):
        capitals = ch not in UNICODE_TO_TCVN3 and ch.lower() in UNICODE_TO_TCVN3
        code = UNICODE_TO_TCVN3[ch.lower()] if capitals else UNICODE_TO_TCVN3.get(ch, ch)
        if runs and runs[-1][1] == capitals:
            runs[-1] = (runs[-1][0] + code, capitals)
        else:
            runs.append((code, capitals))
    return runs


CONVERTERS: dict[Encoding, Callable[[str], str]] = {"tcvn3": tcvn3_to_unicode, "vni": vni_to_unicode}


def font_encoding(font_name: str | None) -> tuple[Encoding | None, bool]:
    """(encoding, capitals) named by a font: `.VnTime` → TCVN3, `.VnTimeH` → TCVN3 capitals,
    `VNI-Times` → VNI; (None, False) for any other font."""
    if not font_name:
        return None, False
    name = font_name.strip()
    if name.lower().startswith(".vn"):
        return "tcvn3", name.endswith("H")
    if name.lower().startswith("vni-") or name.lower().startswith("vni "):
        return "vni", False
    return None, False


def is_unicode_vietnamese(text: str) -> bool:
    """True when `text` holds a letter that only Unicode Vietnamese writes."""
    return _UNICODE_ONLY.search(text) is not None


def is_vietnamese_syllable(word: str) -> bool:
    """True when `word` (letters only) spells one Vietnamese syllable with at most one tone."""
    decomposed = unicodedata.normalize("NFD", word.lower())
    if sum(ch in TONE_MARKS for ch in decomposed) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in TONE_MARKS))
    return base.isalpha() and tone_index(base) is not None


def detect(text: str) -> Encoding | None:
    """The legacy encoding `text` is written in, or None (Unicode, or not Vietnamese at all).

    Only lines without a Unicode-only letter are looked at. Among their words that a conversion
    would change, it must make at least three more Vietnamese syllables than there were, and most
    (≥ 80 %) of them must come out as syllables: real legacy text is mojibake before and Vietnamese
    after, while Unicode or foreign text (French `élève`) is the other way round or neither.
    """
    words = [w for line in _legacy_lines(text) for w in _WORD.findall(line) if _LEGACY_CHARS.search(w)]
    if not words:
        return None
    best: tuple[int, Encoding] | None = None
    for encoding, convert in CONVERTERS.items():
        changed = gained = valid_after = 0
        for word in words:
            after = convert(word)
            if after == word:
                continue
            changed += 1
            now, before = is_vietnamese_syllable(after), is_vietnamese_syllable(word)
            valid_after += now
            gained += now - before
        if gained >= 3 and valid_after >= 0.8 * changed and (best is None or gained > best[0]):
            best = (gained, encoding)
    return best[1] if best else None


def repair(text: str) -> str:
    """`text` with its legacy-encoded lines converted to Unicode; unchanged when `detect` finds none."""
    encoding = detect(text)
    if encoding is None:
        return text
    convert = CONVERTERS[encoding]
    out = []
    for line in text.splitlines(keepends=True):
        if is_unicode_vietnamese(line):
            out.append(line)
        elif encoding == "tcvn3" and _typed_in_capitals(line):
            out.append(tcvn3_to_unicode(line, capitals=True))
        else:
            out.append(convert(line))
    return "".join(out)


def _typed_in_capitals(line: str) -> bool:
    # Without the font name (a .doc, an RTF, a PDF), a line set in .VnTimeH shows itself by its plain
    # letters: all capitals (typed with Caps Lock), while its toned letters carry lowercase codes.
    ascii_letters = [ch for ch in line if ch.isascii() and ch.isalpha()]
    return sum(ch.isupper() for ch in ascii_letters) >= 2 and all(ch.isupper() for ch in ascii_letters)


def _legacy_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if _LEGACY_CHARS.search(line) and not is_unicode_vietnamese(line)]
