"""PDF, through pypdf's text layer (no OCR: a scanned PDF reads as empty)."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import DependencyError

from shared.domain.errors import CorruptDocument, DocumentTooLarge, EmptyDocument
from shared.domain.models import ParsedDocument
from shared.parsing._text import clean_title, finish_text

MAX_PAGES = 2000
# Extracted text past this many characters means a pathological file (or a whole library in one PDF).
MAX_TEXT_CHARS = 50_000_000

# pypdf reports every recoverable oddity of a PDF as a warning log line; one bad file can emit
# thousands. Errors still surface as exceptions.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def parse_pdf(data: bytes) -> ParsedDocument:
    """The text of every page in order, pages separated by a blank line; title from the metadata.

    Raises CorruptDocument for an unreadable file, an encrypted one that needs a password, or a
    page whose text cannot be extracted (failing loudly beats silently indexing a law without a
    page); DocumentTooLarge past MAX_PAGES pages; EmptyDocument when there is no text layer.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader)
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise DocumentTooLarge(f"the PDF has {count} pages (limit {MAX_PAGES})")
        pages: list[str] = []
        size = 0
        for number in range(count):
            try:
                page_text = reader.pages[number].extract_text() or ""
            except Exception as exc:
                raise CorruptDocument(f"page {number + 1} of the PDF cannot be read") from exc
            size += len(page_text)
            if size > MAX_TEXT_CHARS:
                raise DocumentTooLarge("the PDF holds more text than can be indexed")
            pages.append(page_text)
        title = _metadata_title(reader)
    except (CorruptDocument, DocumentTooLarge):
        raise
    except Exception as exc:  # pypdf raises many types (and plain ValueError/KeyError) on bad files
        raise CorruptDocument(f"the PDF cannot be read: {type(exc).__name__}") from exc
    try:
        text = finish_text("\n\n".join(pages))
    except EmptyDocument:
        raise EmptyDocument("the PDF has no text layer (a scanned PDF needs OCR first)") from None
    return ParsedDocument(title=title, text=text)


def _unlock(reader: PdfReader) -> None:
    if not reader.is_encrypted:
        return
    # Many PDFs are encrypted only to restrict printing/copying, with an empty user password.
    try:
        unlocked = reader.decrypt("")
    except DependencyError as exc:
        raise CorruptDocument("the PDF is encrypted with a cipher this service cannot decrypt") from exc
    if not unlocked:
        raise CorruptDocument("the PDF is password-protected; upload it without a password")


def _metadata_title(reader: PdfReader) -> str | None:
    try:
        metadata = reader.metadata
        return clean_title(str(metadata.title)) if metadata is not None and metadata.title else None
    except Exception:  # a broken Info dictionary must not cost us the text
        return None
