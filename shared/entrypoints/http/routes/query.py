from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from fastapi.responses import StreamingResponse
from fastapi.sse import format_sse_event

from shared.entrypoints.http.deps import ApiServices, AuthenticatedRoute, CurrentPrincipal, Routes, Services
from shared.entrypoints.http.errors import error_body
from shared.entrypoints.http.schemas import AnswerOut, QuestionIn, SourceOut, answer_metadata
from shared.services.answering.queries import AnsweredQuery, StreamEvent

router: Routes[ApiServices] = Routes(prefix="/api/v1/query", tags=["query"], route_class=AuthenticatedRoute)


@router.post("", response_model=AnswerOut)
def ask(body: QuestionIn, principal: CurrentPrincipal, services: Services) -> AnswerOut:
    answered = services.queries.ask(principal, body.query, top_k=body.top_k, filters=body.filters.to_domain())
    return AnswerOut.from_domain(answered)


@router.post("/stream", response_class=StreamingResponse,
             responses={200: {"content": {"text/event-stream": {}},
                              "description": "`token` events (answer text), then `citations`, then `done`; "
                                             "`error` if the answer fails after the stream started"}})
def ask_streaming(body: QuestionIn, principal: CurrentPrincipal, services: Services) -> StreamingResponse:
    # Rate limit, validation and retrieval run here, before the response starts, so they fail as plain 4xx.
    events = services.queries.stream(principal, body.query, top_k=body.top_k, filters=body.filters.to_domain())
    return StreamingResponse(_encode(events), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


def _encode(events: Iterable[StreamEvent]) -> Iterator[bytes]:
    for event in events:
        yield format_sse_event(event=event.kind, data_str=json.dumps(_payload(event), ensure_ascii=False))


def _payload(event: StreamEvent) -> dict:
    if event.kind == "token":
        return {"text": event.data}
    if event.kind == "citations":
        return {"sources": [SourceOut.from_domain(c).model_dump(mode="json") for c in event.data]}
    if event.kind == "done":
        answered: AnsweredQuery = event.data
        return {"query_id": answered.query_id, "found": answered.answer.found, "metadata": answer_metadata(answered)}
    return error_body(event.data["code"], event.data["message"])  # the shape of every other error
