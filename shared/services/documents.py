"""DocumentService: list, get, delete and upload documents, as the caller is allowed to.

A document above the caller's level reads exactly like a missing one (404, same message), so neither
its title nor its existence leaks.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field, replace

from shared.domain.errors import DocumentNotFound, DomainError, EmptyDocument
from shared.domain.models import AccessLevel, Document, DocumentStatus, Principal
from shared.domain.rbac import (
    MANAGING_DOCUMENTS,
    can_read,
    require_manager,
    require_may_upload,
    search_filter_for,
)
from shared.observability import NullTelemetry
from shared.ports import Telemetry
from shared.services.file_names import clean_filename, supported_extension
from shared.services.ingestion import Ingestor

log = logging.getLogger(__name__)

# One message for a missing document and for one above the caller's level: nothing tells them apart,
# not even the id echoed back.
_NOT_FOUND = "document not found"


@dataclass(frozen=True, slots=True)
class Upload:
    filename: str
    data: bytes
    title: str | None
    document_type: str
    access_level: AccessLevel


@dataclass(frozen=True, slots=True)
class DocumentService:
    ingestor: Ingestor
    telemetry: Telemetry = field(default_factory=NullTelemetry)

    def list(self, principal: Principal, *, skip: int = 0, limit: int = 50,
             document_type: str | None = None) -> tuple[list[Document], int]:
        types = [document_type] if document_type else None
        return self.ingestor.store.list_documents(filter=search_filter_for(principal, document_types=types),
                                                  skip=skip, limit=limit)

    def get(self, principal: Principal, document_id: str) -> Document:
        document = self.ingestor.store.get_document(document_id)
        if document is None or not can_read(principal, document):
            raise DocumentNotFound(_NOT_FOUND)
        return document

    def delete(self, principal: Principal, document_id: str) -> None:
        self.get(principal, document_id)  # 404 before 403: existence is not revealed
        require_manager(principal, MANAGING_DOCUMENTS)
        self.ingestor.delete(document_id)

    def accept_upload(self, principal: Principal, upload: Upload) -> Document:
        """Validate and record a pending document; `ingest_upload` does the work (in the background)."""
        require_may_upload(principal, upload.access_level)
        name = clean_filename(upload.filename)
        supported_extension(name)
        if not upload.data:
            raise EmptyDocument("the uploaded file is empty")
        pending = Document(id=uuid.uuid4().hex, title=upload.title or name, document_type=upload.document_type,
                           access_level=upload.access_level, source=name, status=DocumentStatus.PENDING)
        self.ingestor.store.put_document(pending)
        return self.ingestor.store.get_document(pending.id) or pending

    def ingest_upload(self, document: Document, upload: Upload) -> Document:
        """Runs after the 202: whatever happens, the document ends indexed or failed, never pending."""
        if self.ingestor.store.get_document(document.id) is None:  # deleted while it waited
            return document
        document = replace(document, status=DocumentStatus.INDEXING)
        self.ingestor.store.put_document(document)  # what the documents page shows while this runs
        try:
            result = self.ingestor.ingest_file(document.source, upload.data, document_id=document.id,
                                               title=upload.title, document_type=upload.document_type,
                                               access_level=upload.access_level, source=document.source)
        except Exception as exc:  # noqa: BLE001 - nobody is waiting to see it raise: record it on the document
            log.exception("ingest of upload %s failed", document.id)
            # A domain error's message is meant for users (the embedder is unavailable, ...); anything else
            # stays in the log.
            reason = str(exc) if isinstance(exc, DomainError) else "the document could not be indexed"
            result = self.ingestor.record_failure(document, reason)
        self.telemetry.document_ingested(result)
        return result

