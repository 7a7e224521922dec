"""Presigned uploads into the S3 drop folder (AWS mode's answer to "upload a document").

The caller gets a URL to PUT the file to, valid a few minutes, and the headers to send with it. The
metadata (title, type, access level) travel as S3 object metadata, signed into the URL, so they arrive
with the object in one write: no moment where the file exists without its access level (a sidecar
written after the file would leave one). The ingest function then indexes it as any dropped file.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from urllib.parse import quote

from shared.domain.models import AccessLevel, Principal
from shared.domain.rbac import require_may_upload
from shared.ports import DropFolder, UploadSigner
from shared.services.file_names import clean_filename, supported_extension

_CONTENT_TYPES = {".txt": "text/plain", ".md": "text/markdown", ".html": "text/html", ".htm": "text/html",
                  ".pdf": "application/pdf",
                  ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


@dataclass(frozen=True, slots=True)
class UploadUrl:
    url: str
    key: str
    document_id: str
    headers: dict[str, str]
    expires_in: int


@dataclass(frozen=True, slots=True)
class UploadUrls:
    blobs: UploadSigner
    ingestion: DropFolder  # knows how keys become document ids
    expires_seconds: int = 900

    def create(self, principal: Principal, *, filename: str, title: str | None, document_type: str,
               access_level: AccessLevel) -> UploadUrl:
        require_may_upload(principal, access_level)
        name = clean_filename(filename)
        extension = supported_extension(name)
        key = f"{self.ingestion.prefix}{uuid.uuid4().hex}/{name}"
        # S3 metadata must be ASCII: values are percent-encoded (the ingest side decodes them).
        metadata = {"document_type": quote(document_type), "access_level": access_level.label,
                    **({"title": quote(title)} if title else {})}
        url = self.blobs.presign_put(key, expires_seconds=self.expires_seconds,
                                     content_type=_CONTENT_TYPES[extension], metadata=metadata)
        headers = {"Content-Type": _CONTENT_TYPES[extension], **{f"x-amz-meta-{k}": v for k, v in metadata.items()}}
        return UploadUrl(url=url, key=key, document_id=self.ingestion.document_id(key), headers=headers,
                         expires_in=self.expires_seconds)
