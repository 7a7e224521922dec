"""The metadata that travels with a dropped file: `<file>.meta.json` next to it, or S3 object metadata."""

from __future__ import annotations

import json

SIDECAR_SUFFIX = ".meta.json"
# The fields a sidecar (or S3 metadata) may set; anything else in it is ignored.
METADATA_FIELDS = ("title", "document_type", "access_level", "id")


def parse_sidecar(raw: bytes, name: str) -> dict[str, str]:
    """The known fields of a sidecar's bytes (UTF-8 JSON), as strings; ValueError if it is not a JSON object
    (json.JSONDecodeError, a ValueError, if it is not JSON at all). `name` is for the message."""
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a JSON object")
    return {k: str(v) for k, v in data.items() if k in METADATA_FIELDS and v is not None}
