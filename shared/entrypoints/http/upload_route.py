"""POST /api/v1/documents/upload-url: a presigned S3 PUT into the drop folder (AWS mode, manager+).

AWS mode's only way in for a file: the multipart POST /api/v1/documents of local mode would ingest inside
the API request (Mangum runs background tasks before it answers), which API Gateway ends at 29 s."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import status
from pydantic import BaseModel, ConfigDict, Field

from shared.domain.errors import DependencyUnavailable, UploadByUrlOnly
from shared.domain.models import DEFAULT_DOCUMENT_TYPE, AccessLevel
from shared.entrypoints.http.deps import ApiServices, AuthenticatedRoute, CurrentPrincipal, Routes, Services

router: Routes[ApiServices] = Routes(prefix="/api/v1/documents", tags=["documents"], route_class=AuthenticatedRoute)


class UploadUrlIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    filename: str = Field(min_length=1, max_length=255)
    title: str | None = Field(default=None, max_length=500)
    document_type: str = Field(default=DEFAULT_DOCUMENT_TYPE, min_length=1, max_length=100)
    access_level: Literal["public", "internal", "confidential", "restricted"] = "public"


class UploadUrlOut(BaseModel):
    upload_url: str
    method: Literal["PUT"] = "PUT"
    headers: dict[str, str]
    key: str
    document_id: str
    expires_in: int


@router.post("/upload-url", response_model=UploadUrlOut, status_code=status.HTTP_201_CREATED)
def create_upload_url(body: UploadUrlIn, principal: CurrentPrincipal,
                      services: Services) -> Annotated[UploadUrlOut, "the URL to PUT the file to, with its headers"]:
    urls = services.upload_urls
    if urls is None:
        raise DependencyUnavailable("uploads by URL need the documents bucket (AWS mode)")
    made = urls.create(principal, filename=body.filename, title=body.title, document_type=body.document_type,
                       access_level=AccessLevel.parse(body.access_level))
    return UploadUrlOut(upload_url=made.url, headers=made.headers, key=made.key, document_id=made.document_id,
                        expires_in=made.expires_in)


@router.post("", status_code=status.HTTP_405_METHOD_NOT_ALLOWED, include_in_schema=False)
def upload_through_the_api(principal: CurrentPrincipal) -> None:
    """Refused before the body is read: the client is told the two steps that work here."""
    raise UploadByUrlOnly("upload with POST /api/v1/documents/upload-url, then PUT the file to the URL it returns")
