from __future__ import annotations

from typing import Annotated, Literal

from fastapi import BackgroundTasks, File, Form, Query, UploadFile, status

from shared.domain.errors import DocumentTooLarge
from shared.domain.models import DEFAULT_DOCUMENT_TYPE, AccessLevel
from shared.entrypoints.http.deps import ApiServices, AuthenticatedRoute, CurrentPrincipal, Routes, Services
from shared.entrypoints.http.schemas import DocumentListOut, DocumentOut
from shared.services.documents import Upload

router: Routes[ApiServices] = Routes(prefix="/api/v1/documents", tags=["documents"], route_class=AuthenticatedRoute)
# The upload that ingests in the background of its own request: local mode only (on AWS the request ends at
# API Gateway's 29 s and the function with it; files arrive by presigned URL, shared/entrypoints/http/upload_route.py).
upload_router: Routes[ApiServices] = Routes(
    prefix="/api/v1/documents", tags=["documents"], route_class=AuthenticatedRoute)


@router.get("", response_model=DocumentListOut)
def list_documents(principal: CurrentPrincipal, services: Services,
                   skip: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20,
                   document_type: Annotated[str | None, Query(max_length=100)] = None) -> DocumentListOut:
    docs, total = services.documents.list(principal, skip=skip, limit=limit, document_type=document_type)
    return DocumentListOut(documents=[DocumentOut.from_domain(d) for d in docs], total=total, skip=skip, limit=limit)


@router.get("/{document_id}", response_model=DocumentOut)
def get_document(document_id: str, principal: CurrentPrincipal, services: Services) -> DocumentOut:
    return DocumentOut.from_domain(services.documents.get(principal, document_id))


@router.delete("/{document_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_document(document_id: str, principal: CurrentPrincipal, services: Services) -> None:
    services.documents.delete(principal, document_id)


@upload_router.post("", response_model=DocumentOut, status_code=status.HTTP_202_ACCEPTED)
async def upload_document(
    principal: CurrentPrincipal, services: Services, background: BackgroundTasks,
    file: Annotated[UploadFile, File(description="txt, md, html, doc, docx, xlsx, xls, csv, pptx, odt, rtf, pdf "
                                                  "(scans read by OCR), png, jpg or tiff")],
    title: Annotated[str | None, Form(max_length=500)] = None,
    document_type: Annotated[str, Form(min_length=1, max_length=100)] = DEFAULT_DOCUMENT_TYPE,
    access_level: Annotated[Literal["public", "internal", "confidential", "restricted"], Form()] = "internal",
) -> DocumentOut:
    level = AccessLevel.parse(access_level)
    limit = services.documents.ingestor.max_document_bytes
    data = await file.read(limit + 1)  # never hold more than the limit in memory
    if len(data) > limit:
        raise DocumentTooLarge(f"the file is over the {limit} byte limit")
    upload = Upload(filename=file.filename or "upload", data=data, title=title, document_type=document_type,
                    access_level=level)
    pending = services.documents.accept_upload(principal, upload)
    background.add_task(services.documents.ingest_upload, pending, upload)
    return DocumentOut.from_domain(pending)
