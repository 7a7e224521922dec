"""Turning an uploaded file into text: one entry point, one small module per format.

Every failure is a DomainError (UnsupportedFormat, DocumentTooLarge, EmptyDocument,
CorruptDocument): no other exception escapes parse_document, whatever the bytes.
"""

from __future__ import annotations

import importlib
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

DEFAULT_MAX_BYTES = 20_000_000

# extension → (module, function, the keyword arguments it takes). Modules load on first use: the query
# function ships without the format libraries, and no cold start pays for them.
_LIMIT, _PROGRESS = "max_bytes", "progress"
_PARSERS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    ".txt": ("text_files", "parse_txt", ()),
    ".md": ("text_files", "parse_md", ()),
    ".html": ("html_files", "parse_html", ()),
    ".htm": ("html_files", "parse_html", ()),
    ".docx": ("docx_files", "parse_docx", (_LIMIT,)),
    ".doc": ("doc_files", "parse_doc", ()),
    ".pdf": ("pdf_files", "parse_pdf", (_PROGRESS,)),
    ".xlsx": ("spreadsheets", "parse_xlsx", (_LIMIT,)),
    ".xls": ("spreadsheets", "parse_xls", ()),
    ".csv": ("spreadsheets", "parse_csv", ()),
    ".pptx": ("office_files", "parse_pptx", (_LIMIT,)),
    ".odt": ("office_files", "parse_odt", (_LIMIT,)),
    ".rtf": ("office_files", "parse_rtf", ()),
    ".png": ("image_files", "parse_image", (_PROGRESS,)),
    ".jpg": ("image_files", "parse_image", (_PROGRESS,)),
    ".jpeg": ("image_files", "parse_image", (_PROGRESS,)),
    ".tif": ("image_files", "parse_image", (_PROGRESS,)),
    ".tiff": ("image_files", "parse_image", (_PROGRESS,)),
}
SUPPORTED_EXTENSIONS: tuple[str, ...] = tuple(_PARSERS)

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_EXTENSIONS", "parse_document"]


def parse_document(filename: str, data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES,
                   progress: Callable[[int, int], None] | None = None) -> ParsedDocument:
    """Parse a file by its extension (case-insensitive) into NFC text in reading order, plus a title if
    the file names one.

    Scanned pages (image-only PDF pages, image files) are read by OCR; `progress(done, total)` is
    called after each such page.

    Raises UnsupportedFormat (unknown extension, or a reader this server lacks), DocumentTooLarge
    (over max_bytes, an archive that inflates too far, too many PDF pages or pages to OCR),
    EmptyDocument (no bytes, or only whitespace after extraction), CorruptDocument (the bytes are
    not what the extension claims).
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
    module, function, takes = parser
    try:
        parse = getattr(importlib.import_module(f"shared.services.parsing.{module}"), function)
    except ImportError as exc:  # a deployment unit built without that format's library
        raise UnsupportedFormat(f"{extension} files cannot be read by this service") from exc
    try:
        options = {_LIMIT: max_bytes, _PROGRESS: progress}
        return parse(bytes(data), **{name: options[name] for name in takes})
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
