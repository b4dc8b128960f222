"""The admin's page: the audit log of their clinic (``nervepath audit`` prints the same)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from nervepath.errors import AssessmentNotFound
from nervepath.storage import MAX_OFFSET, User
from nervepath.web.access import audit
from nervepath.web.routes.pages import render_page
from nervepath.web.security import require_clinician

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
PAGE = 100


@router.get("/clinic/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    user: Annotated[User, Depends(require_clinician)],
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    if not user.is_admin:
        raise AssessmentNotFound("audit")  # as if there were no such page
    entries = request.app.state.store.list_events(clinic=user.clinic, limit=PAGE, offset=offset)
    audit(request, user, "audit", detail=f"{len(entries)} lines")
    return render_page(
        request,
        "clinic_audit.html",
        entries=entries,
        prev_url=f"/clinic/audit?offset={max(offset - PAGE, 0)}" if offset > 0 else None,
        next_url=f"/clinic/audit?offset={offset + PAGE}" if len(entries) == PAGE else None,
    )
