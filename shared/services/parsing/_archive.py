"""Zip-based formats (docx, xlsx, pptx, odt): checked before anything is inflated."""

from __future__ import annotations

import io
import zipfile

from shared.domain.errors import CorruptDocument, DocumentTooLarge

# Absolute ceiling on what an archive may inflate to, whatever max_bytes is.
MAX_UNCOMPRESSED_BYTES = 200_000_000
UNCOMPRESSED_RATIO = 20
MAX_ZIP_ENTRIES = 10_000


def check_zip(data: bytes, max_bytes: int, *, kind: str, any_of: tuple[str, ...]) -> None:
    """Refuse what is not a zip holding one of `any_of`, has too many entries, or would inflate past
    min(20 × max_bytes, 200 MB) (a zip bomb), before any member is read.

    Raises CorruptDocument or DocumentTooLarge, naming the file as `kind` (".docx").
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise CorruptDocument(f"the {kind} file is not a valid zip archive") from exc
    if len(entries) > MAX_ZIP_ENTRIES:
        raise CorruptDocument(f"the {kind} archive holds {len(entries)} entries")
    if not names.intersection(any_of):
        raise CorruptDocument(f"the zip archive is not a {kind} file")
    inflated = sum(entry.file_size for entry in entries)
    limit = min(UNCOMPRESSED_RATIO * max_bytes, MAX_UNCOMPRESSED_BYTES)
    if inflated > limit:
        raise DocumentTooLarge(f"the {kind} file inflates to {inflated} bytes (limit {limit})")
