"""Turning an uploaded file into text: one entry point, one small module per format.

Every failure is a DomainError (UnsupportedFormat, DocumentTooLarge, EmptyDocument,
CorruptDocument): no other exception escapes parse_document, whatever the bytes.
"""

from __future__ import annotations

import importlib
import posixpath

from shared.domain.errors import (
    CorruptDocument,
    DocumentTooLarge,
    DomainError,
    EmptyDocument,
    UnsupportedFormat,
)
from shared.domain.models import ParsedDocument

DEFAULT_MAX_BYTES = 20_000_000

# extension → (module, function, whether it takes max_bytes). Modules load on first use: the query
# function ships without python-docx, lxml and pypdf, and no cold start pays for them.
_PARSERS: dict[str, tuple[str, str, bool]] = {
    ".txt": ("text_files", "parse_txt", False),
    ".md": ("text_files", "parse_md", False),
    ".html": ("html_files", "parse_html", False),
    ".htm": ("html_files", "parse_html", False),
    ".docx": ("docx_files", "parse_docx", True),
    ".pdf": ("pdf_files", "parse_pdf", False),
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
    module, function, takes_limit = parser
    try:
        parse = getattr(importlib.import_module(f"shared.parsing.{module}"), function)
    except ImportError as exc:  # a deployment unit built without that format's library
        raise UnsupportedFormat(f"{extension} files cannot be read by this service") from exc
    try:
        return parse(bytes(data), max_bytes) if takes_limit else parse(bytes(data))
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
