"""Shared helpers of the parsers: decoding bytes to text and tidying the extracted text."""

from __future__ import annotations

import codecs
import re
import unicodedata

import charset_normalizer

from shared.domain.errors import CorruptDocument, EmptyDocument
from shared.services.parsing import legacy_vietnamese
from shared.services.text.normalize import unify_line_breaks

_BOMS: tuple[tuple[bytes, str], ...] = (
    # Longest first: the UTF-32 LE BOM starts with the UTF-16 LE one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# cp1258 writes most Vietnamese tones as a base vowel followed by a combining mark.
_VI_TONES = "\u0300\u0301\u0303\u0309\u0323"
_VI_VOWELS = "aăâeêioôơuưyAĂÂEÊIOÔƠUƯY"
_VI_TONED = re.compile(f"[{_VI_VOWELS}][{_VI_TONES}]")

# Control characters that carry no text. \t and \n survive.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f\ufeff\ufffe\uffff]")
_TRAILING_SPACE = re.compile(r"[ \t\u00a0]+\n")
_BLANK_RUNS = re.compile(r"\n{3,}")


def decode_text(data: bytes) -> str:
    """Decode a text file: BOM, then strict UTF-8, then Vietnamese cp1258, then charset-normalizer.

    Raises CorruptDocument when the bytes do not look like text in any encoding.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                raise CorruptDocument(f"text claims {encoding} by its byte-order mark but is not") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        # NUL-laden "UTF-8" is usually UTF-16 without a BOM: let the detector have a go at it.
        if not _is_binary(text):
            return text
    text = _decode_legacy(data)
    if _is_binary(text):
        raise CorruptDocument("the file holds binary data, not text")
    return text


def _decode_legacy(data: bytes) -> str:
    # TCVN3 and VNI bytes are Latin-1 letters; checked first, because TCVN3 puts letters where
    # cp1258 has combining tones (0xD2 is ề in TCVN3, a hook above in cp1258), and a TCVN3 text
    # would pass the cp1258 test below. finish_text converts it.
    latin = data.decode("latin-1")
    if legacy_vietnamese.detect(latin) is not None:
        return latin
    # Checked before charset-normalizer: on short texts it often prefers cp1252, which decodes the
    # same bytes without error but turns every tone mark into a stray Latin letter.
    try:
        vietnamese = data.decode("cp1258")
    except UnicodeDecodeError:
        vietnamese = None
    if vietnamese is not None and _looks_like_cp1258_vietnamese(vietnamese):
        return vietnamese
    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise CorruptDocument("the file is not text in any known encoding")
    return str(best)


def _looks_like_cp1258_vietnamese(text: str) -> bool:
    # Vietnamese marks a tone on most syllables; other languages decoded through cp1258 almost never
    # put a combining tone mark right after a vowel.
    words = len(text.split())
    return words > 0 and len(_VI_TONED.findall(text)) >= max(1, words // 10)


def _is_binary(text: str) -> bool:
    # Real text files hold almost no control characters; a few stray ones (a form feed, a NUL
    # at the end) are tolerated and removed later.
    sample = text[:100_000]
    bad = len(_CONTROL.findall(sample)) + sample.count("\ufffd")
    return bad > max(2, len(sample) // 100)


def finish_text(text: str) -> str:
    """NFC, one kind of newline, no control characters or trailing spaces, at most one blank line;
    TCVN3 or VNI text converted to Unicode (see legacy_vietnamese).

    Raises EmptyDocument when nothing but whitespace is left.
    """
    text = unify_line_breaks(text)
    text = _CONTROL.sub("", text)
    text = legacy_vietnamese.repair(text)
    text = unicodedata.normalize("NFC", text)
    text = _TRAILING_SPACE.sub("\n", text + "\n")
    text = _BLANK_RUNS.sub("\n\n", text).strip()
    if not text:
        raise EmptyDocument("the document holds no text")
    return text


def clean_title(title: str | None) -> str | None:
    """A single-line NFC title, or None when there is nothing in it."""
    if not title:
        return None
    title = unicodedata.normalize("NFC", " ".join(title.split()))
    return title[:500] or None
