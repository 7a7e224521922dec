"""What a file is called: the one rule for cleaning a caller's file name and for the types we can read."""

from __future__ import annotations

import re

from shared.domain.errors import UnsupportedFormat
from shared.services.parsing import SUPPORTED_EXTENSIONS

_UNSAFE = re.compile(r"[^\w.\- ]+", re.UNICODE)


def clean_filename(filename: str) -> str:
    """The base name only (no folders, either slash), every character but letters, digits, `.`, `-`, `_` and
    spaces replaced by `_`; "upload" when nothing is left."""
    return _UNSAFE.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip() or "upload"


def supported_extension(name: str) -> str:
    """The lower-cased extension of `name` (".docx"); UnsupportedFormat unless we can read that type."""
    lowered = name.lower()
    matches = [ext for ext in SUPPORTED_EXTENSIONS if lowered.endswith(ext)]
    if not matches:
        raise UnsupportedFormat(f"unsupported file type {name!r}; supported: {', '.join(SUPPORTED_EXTENSIONS)}")
    return max(matches, key=len)
