from __future__ import annotations

from fastapi import status

from shared.entrypoints.http.deps import ApiServices, AuthenticatedRoute, CurrentPrincipal, Routes, Services
from shared.entrypoints.http.schemas import FeedbackIn, FeedbackOut

router: Routes[ApiServices] = Routes(prefix="/api/v1/feedback", tags=["feedback"], route_class=AuthenticatedRoute)


@router.post("", response_model=FeedbackOut, status_code=status.HTTP_201_CREATED)
def give_feedback(body: FeedbackIn, principal: CurrentPrincipal, services: Services) -> FeedbackOut:
    record = services.queries.feedback(principal, body.query_id, body.rating, body.comment)
    return FeedbackOut(query_id=record.query_id, rating=record.rating, comment=record.comment,
                       created_at=record.created_at)
