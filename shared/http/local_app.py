"""The HTTP app of local mode: the shared routers over the embedded services."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import FastAPI
from pydantic import BaseModel, Field

from shared.config import LocalSettings
from shared.domain.models import Principal, Role
from shared.rbac import search_filter_for

VERSION = "0.1.0"


class QuestionIn(BaseModel):
    query: str = Field(min_length=1, max_length=1000)
    top_k: int = Field(default=5, ge=1, le=20)


def create_local_app(settings: LocalSettings) -> FastAPI:
    from shared.bootstrap import build_local_services

    services = build_local_services(settings)
    app = FastAPI(title="vnrag", version=VERSION, docs_url="/api/docs", openapi_url="/api/openapi.json")

    @app.get("/api/v1/health")
    def health() -> dict:
        return {"status": "ok", "version": VERSION, "timestamp": datetime.now(UTC).isoformat(),
                "checks": {"index": {"status": "ok", "chunks": services.index.count()}}}

    @app.post("/api/v1/query")
    def query(body: QuestionIn) -> dict:
        # Until authentication exists every caller is a guest: public documents only.
        answer = services.answerer.answer(
            body.query, filter=search_filter_for(Principal(id="anonymous", role=Role.GUEST)), top_k=body.top_k)
        return {"query": body.query, "answer": answer.text,
                "sources": [{"citation_number": c.number, "document_id": c.hit.chunk.document_id,
                             "title": c.hit.chunk.heading_path, "relevance_score": c.hit.score,
                             "snippet": c.snippet} for c in answer.citations],
                "metadata": {"timings_ms": answer.timings_ms}}

    return app
