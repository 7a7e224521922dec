"""Scans and photos of pages (.png, .jpg, .tiff, multi-page TIFF included), read by OCR (see ocr)."""

from __future__ import annotations

import io
from collections.abc import Iterator

from shared.domain.errors import CorruptDocument, EmptyDocument
from shared.domain.models import ParsedDocument
from shared.services.parsing import ocr
from shared.services.parsing._text import finish_text

_FORMATS = {"PNG", "JPEG", "MPO", "TIFF"}


def parse_image(data: bytes, progress: ocr.Progress | None = None) -> ParsedDocument:
    """The text OCR finds on each page (frame) of the image, pages separated by a blank line.

    Raises CorruptDocument for bytes that are not a PNG, JPEG or TIFF image; DocumentTooLarge past the
    OCR page limit or for a page too large to decode; EmptyDocument when no text is found.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError  # ingest-only

    try:
        image = Image.open(io.BytesIO(data))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise CorruptDocument("the file is not a PNG, JPEG or TIFF image") from exc
    if image.format not in _FORMATS:
        raise CorruptDocument(f"the file is a {image.format} image; PNG, JPEG and TIFF are read")
    pages = getattr(image, "n_frames", 1)
    ocr.check_page_count(pages)

    def frames() -> Iterator:
        for number in range(pages):
            image.seek(number)
            ocr.check_page_size(number + 1, image.width, image.height)  # before decoding it
            try:
                # A phone photo stores its rotation in EXIF: upright first, as it was shown.
                yield ImageOps.exif_transpose(image.copy())
            except (OSError, ValueError, Image.DecompressionBombError) as exc:
                raise CorruptDocument(f"page {number + 1} of the image cannot be decoded") from exc

    texts = ocr.recognise(frames(), pages, progress, name="image")
    try:
        return ParsedDocument(title=None, text=finish_text("\n\n".join(texts)))
    except EmptyDocument:
        raise EmptyDocument("OCR found no text in the image") from None
