"""PDF, through pypdf's text layer; pages without a usable one (scans) are rendered by pdfium and read
by OCR (see ocr), so a mixed PDF keeps its real text and gains its scanned pages."""

from __future__ import annotations

import io
import logging

from pypdf import PdfReader
from pypdf.errors import DependencyError

from shared.domain.errors import CorruptDocument, DocumentTooLarge, EmptyDocument, UnsupportedFormat
from shared.domain.models import ParsedDocument
from shared.services.parsing import ocr
from shared.services.parsing._text import clean_title, finish_text

MAX_PAGES = 2000
# Extracted text past this many characters means a pathological file (or a whole library in one PDF).
MAX_TEXT_CHARS = 50_000_000
# A page with fewer letters than this in its text layer (none, a page number, a stamp) is a scan.
MIN_PAGE_LETTERS = 20

# pypdf reports every recoverable oddity of a PDF as a warning log line; one bad file can emit
# thousands. Errors still surface as exceptions.
logging.getLogger("pypdf").setLevel(logging.ERROR)


def parse_pdf(data: bytes, progress: ocr.Progress | None = None) -> ParsedDocument:
    """The text of every page in order, pages separated by a blank line; title from the metadata.

    A page whose text layer holds fewer than MIN_PAGE_LETTERS letters but draws an image is read by
    OCR; `progress(done, total)` follows those pages.
    Raises CorruptDocument for an unreadable file, an encrypted one that needs a password, or a
    page whose text cannot be extracted (failing loudly beats silently indexing a law without a
    page); DocumentTooLarge past MAX_PAGES pages or ocr.MAX_OCR_PAGES scanned pages; EmptyDocument
    when no page has text, and UnsupportedFormat when only OCR could read it and OCR is not installed.
    """
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        _unlock(reader)
        count = len(reader.pages)
        if count > MAX_PAGES:
            raise DocumentTooLarge(f"the PDF has {count} pages (limit {MAX_PAGES})")
        pages: list[str] = []
        scanned: list[int] = []
        size = 0
        for number in range(count):
            page = reader.pages[number]
            try:
                page_text = page.extract_text() or ""
            except Exception as exc:
                raise CorruptDocument(f"page {number + 1} of the PDF cannot be read") from exc
            size += len(page_text)
            if size > MAX_TEXT_CHARS:
                raise DocumentTooLarge("the PDF holds more text than can be indexed")
            if sum(ch.isalpha() for ch in page_text) < MIN_PAGE_LETTERS and _draws_an_image(page):
                scanned.append(number)
            pages.append(page_text)
        title = _metadata_title(reader)
    except (CorruptDocument, DocumentTooLarge):
        raise
    except Exception as exc:  # pypdf raises many types (and plain ValueError/KeyError) on bad files
        raise CorruptDocument(f"the PDF cannot be read: {type(exc).__name__}") from exc
    if scanned:
        for number, text in zip(scanned, _ocr_pages(data, scanned, progress), strict=True):
            pages[number] = text
    try:
        text = finish_text("\n\n".join(pages))
    except EmptyDocument:
        raise EmptyDocument("the PDF has no text layer and no scanned page that OCR could read") from None
    return ParsedDocument(title=title, text=text)


def _draws_an_image(page) -> bool:
    try:
        return len(page.images) > 0
    except Exception:  # a damaged resource dictionary: nothing OCR could be sure of either
        return False


def _ocr_pages(data: bytes, numbers: list[int], progress: ocr.Progress | None) -> list[str]:
    """OCR of the given pages, rendered at ocr.RENDER_DPI by pdfium (one page in memory at a time)."""
    reason = ocr.unavailable_reason()
    if reason is not None:
        raise UnsupportedFormat(f"the PDF is scanned (no text layer on {len(numbers)} pages) and {reason}")
    ocr.check_page_count(len(numbers))
    import pypdfium2  # ingest-only

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise CorruptDocument("the PDF's scanned pages cannot be rendered") from exc

    def rendered():
        for number in numbers:
            page = document[number]
            width, height = page.get_size()
            scale = ocr.RENDER_DPI / 72
            if width * height * scale * scale > ocr.MAX_PAGE_PIXELS:
                scale = (ocr.MAX_PAGE_PIXELS / (width * height)) ** 0.5
            image = page.render(scale=scale, grayscale=True).to_pil()
            image.info["dpi"] = (round(scale * 72), round(scale * 72))
            page.close()
            yield image

    try:
        return ocr.recognise(rendered(), len(numbers), progress, name="PDF")
    finally:
        document.close()


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
