"""Optical character recognition of page images: Tesseract 5 through tesserocr, with the Vietnamese model.

The engine is the tesserocr wheel (libtesseract and leptonica built in, glibc 2.28+, so the same wheel
runs here and in Lambda); the model is `vie.traineddata` from Debian's tesseract-ocr-vie (installed by
the Makefile and .ci/run), or from the AWS ingest layer (/opt/tessdata). Recognised text is NFC with
Vietnamese tone marks in their canonical place, so a scan and a typed copy of a law index alike.
"""

from __future__ import annotations

import logging
import os
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path

from shared.domain.errors import DocumentTooLarge, UnsupportedFormat
from shared.services.text.tones import place_tone_marks

log = logging.getLogger(__name__)

LANGUAGE = "vie"
# Pages one document may send to OCR (a few seconds each): the ingest function has 300 s per batch.
MAX_OCR_PAGES = 50
# Pixels per page past which an image is refused, not decoded (an A4 page at 600 dpi is 35 M).
MAX_PAGE_PIXELS = 40_000_000
RENDER_DPI = 300
_TESSDATA_DIRS = (Path("/opt/tessdata"), Path("/usr/share/tesseract-ocr/5/tessdata"),
                  Path("/usr/share/tesseract-ocr/4.00/tessdata"), Path("/usr/share/tessdata"),
                  Path("/usr/local/share/tessdata"))

Progress = Callable[[int, int], None]  # (pages done, pages to do)


def tessdata_dir() -> Path | None:
    """The folder holding vie.traineddata: $TESSDATA_PREFIX, else the layer's, else Debian's."""
    candidates = [Path(os.environ["TESSDATA_PREFIX"])] if os.environ.get("TESSDATA_PREFIX") else []
    for folder in (*candidates, *_TESSDATA_DIRS):
        if (folder / f"{LANGUAGE}.traineddata").is_file():
            return folder
    return None


def unavailable_reason() -> str | None:
    """Why OCR cannot run here (None when it can)."""
    try:
        import tesserocr  # noqa: F401  (ingest-only)
    except ImportError:
        return "OCR is not available on this server (the tesserocr package is not installed)"
    if tessdata_dir() is None:
        return "OCR is not available on this server (Vietnamese model missing: install tesseract-ocr-vie)"
    return None


def check_page_count(pages: int) -> None:
    if pages > MAX_OCR_PAGES:
        raise DocumentTooLarge(f"{pages} pages need OCR (limit {MAX_OCR_PAGES}); split the scan into smaller files")


def check_page_size(number: int, width: int, height: int) -> None:
    if width * height > MAX_PAGE_PIXELS:
        raise DocumentTooLarge(f"page {number} is {width}×{height} pixels (limit {MAX_PAGE_PIXELS // 1_000_000} "
                               "megapixels)")


def recognise(images: Iterable, count: int, progress: Progress | None = None, *, name: str = "") -> list[str]:
    """The text of each page image (PIL images, any mode), in order.

    Raises UnsupportedFormat when OCR is not installed, DocumentTooLarge past MAX_OCR_PAGES pages or for
    a page over MAX_PAGE_PIXELS.
    """
    reason = unavailable_reason()
    if reason is not None:
        raise UnsupportedFormat(reason)
    check_page_count(count)
    import tesserocr

    texts: list[str] = []
    with tesserocr.PyTessBaseAPI(path=str(tessdata_dir()), lang=LANGUAGE) as api:
        for number, image in enumerate(images, start=1):
            check_page_size(number, image.width, image.height)
            dpi = image.info.get("dpi")
            # Tesseract sizes its expectations by the resolution; images without one would be taken as 70 dpi.
            api.SetVariable("user_defined_dpi", str(round(dpi[0]) if dpi and dpi[0] >= 70 else RENDER_DPI))
            api.SetImage(image.convert("L"))
            texts.append(normalise(api.GetUTF8Text()))
            log.debug("OCR %s page %d of %d", name, number, count)
            if progress is not None:
                progress(number, count)
    return texts


def normalise(text: str) -> str:
    """NFC with the tone marks in their canonical place (`hoà`/`hòa` as one spelling)."""
    return place_tone_marks(unicodedata.normalize("NFC", text))
