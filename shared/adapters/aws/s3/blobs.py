"""S3 as the blob source of ingestion: the drop folder's objects, their metadata, presigned uploads."""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from shared.adapters.aws.errors import call, error_code
from shared.domain.models import BlobInfo
from shared.domain.sidecar import METADATA_FIELDS, SIDECAR_SUFFIX, parse_sidecar

_WHAT = "the documents bucket"


class S3BlobSource:
    """Reads drop-folder objects from one bucket. Errors of S3 itself surface as DependencyUnavailable."""

    def __init__(self, bucket: str, *, client: Any) -> None:
        self.bucket, self._client = bucket, client

    def head(self, key: str) -> BlobInfo | None:
        """Size, version and metadata of `key`; None if it is gone (deleted since the event)."""
        try:
            out = call(self._client.head_object, what=_WHAT, Bucket=self.bucket, Key=key)
        except Exception as exc:  # noqa: BLE001 - a missing object is an answer, not an error
            if _is_missing(exc):
                return None
            raise
        # S3 metadata is ASCII-only: non-ASCII values (Vietnamese titles) are sent percent-encoded.
        meta = {k.lower(): unquote(v) for k, v in (out.get("Metadata") or {}).items() if k.lower() in METADATA_FIELDS}
        version = out.get("VersionId") or out.get("ETag", "").strip('"')
        return BlobInfo(key=key, size=int(out.get("ContentLength", 0)), version=version, metadata=meta)

    def read(self, key: str) -> bytes:
        return call(self._client.get_object, what=_WHAT, Bucket=self.bucket, Key=key)["Body"].read()

    def sidecar(self, key: str) -> dict[str, str]:
        """The fields of `<key>.meta.json` if it exists ({} if not); ValueError if it is not a JSON object."""
        try:
            raw = call(self._client.get_object, what=_WHAT, Bucket=self.bucket, Key=key + SIDECAR_SUFFIX)["Body"].read()
        except Exception as exc:  # noqa: BLE001
            if _is_missing(exc):
                return {}
            raise
        return parse_sidecar(raw, key + SIDECAR_SUFFIX)

    def presign_put(self, key: str, *, expires_seconds: int = 900, content_type: str | None = None,
                    metadata: dict[str, str] | None = None) -> str:
        """A URL that lets its holder PUT one object at `key` until it expires (no credentials needed).
        Content type and metadata are signed in: the upload must send them as the same headers."""
        params = {"Bucket": self.bucket, "Key": key, **({"ContentType": content_type} if content_type else {}),
                  **({"Metadata": metadata} if metadata else {})}
        return self._client.generate_presigned_url("put_object", Params=params, ExpiresIn=expires_seconds)


def _is_missing(exc: BaseException) -> bool:
    return error_code(exc) in ("404", "NoSuchKey", "NotFound")
