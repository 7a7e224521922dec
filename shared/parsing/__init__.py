"""Turning an uploaded file into text: one entry point, one small module per format.

Every failure is a DomainError (UnsupportedFormat, DocumentTooLarge, EmptyDocument,
CorruptDocument): no other exception escapes parse_document, whatever the bytes.
"""

from __future__ import annotations

import posixpath
from collections.abc import Callable

from shared.domain.errors import (
    CorruptDocument,
    DocumentTooLarge,
    DomainError,
    EmptyDocument,
    UnsupportedFormat,
)
from shared.domain.models import ParsedDocument
from shared.parsing.docx_files import parse_docx
from shared.parsing.html_files import parse_html
from shared.parsing.pdf_files import parse_pdf
from shared.parsing.text_files import parse_md, parse_txt

DEFAULT_MAX_BYTES = 20_000_000

_PARSERS: dict[str, Callable[[bytes, int], ParsedDocument]] = {
    ".txt": lambda data, _: parse_txt(data),
    ".md": lambda data, _: parse_md(data),
    ".html": lambda data, _: parse_html(data),
    ".htm": lambda data, _: parse_html(data),
    ".docx": parse_docx,
    ".pdf": lambda data, _: parse_pdf(data),
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_PARSERS)

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_EXTENSIONS", "parse_document"]


def parse_document(filename: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ParsedDocument:
    """Parse a file by its extension (case-insensitive) into NFC text in reading order, plus a title if
    the file names one.

    Raises UnsupportedFormat (unknown extension), DocumentTooLarge (over max_bytes, or a .docx that
    inflates too far, or too many PDF pages), EmptyDocument (no bytes, or only whitespace after
    extraction), CorruptDocument (the bytes are not what the extension claims).
    """
    extension = extension_of(filename)
    parser = _PARSERS.get(extension)
    if parser is None:
        what = extension or "a file without an extension"
        raise UnsupportedFormat(f"cannot read {what}; supported: {', '.join(SUPPORTED_EXTENSIONS)}")
    if len(data) > max_bytes:
        raise DocumentTooLarge(f"the file has {len(data)} bytes (limit {max_bytes})")
    if not data:
        raise EmptyDocument("the file is empty")
    try:
        return parser(bytes(data), max_bytes)
    except DomainError:
        raise
    except RecursionError as exc:  # deeply nested markup or PDF objects
        raise CorruptDocument("the file is nested too deeply to read") from exc
    except Exception as exc:  # last line of defence: a parser bug must not surface as a 500
        raise CorruptDocument(f"the file cannot be read: {type(exc).__name__}") from exc


def extension_of(filename: str) -> str:
    """The lower-cased extension of the file's base name ('' when it has none)."""
    base = posixpath.basename(filename.replace("\\", "/"))
    stem, dot, extension = base.rpartition(".")
    return f".{extension.lower()}" if stem and dot and extension else ""
