"""The REST API under ``/api``: assessments (stored), the stateless interview step, and the
knowledge catalogue. Each handler parses, calls one service, and returns what it gave."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from nervepath.assessment.case import Case
from nervepath.interview.machine import Interview
from nervepath.knowledge import catalogue
from nervepath.storage import MAX_OFFSET, StoredAssessment, User
from nervepath.web.access import audit, audit_detail, clinic_record, record_path
from nervepath.web.errors import ApiError, error_responses
from nervepath.web.security import require_api_user

__all__ = ["router"]

router = APIRouter(prefix="/api", responses=error_responses(400, 422))
SIGNED_IN = error_responses(401)
ONE_RECORD = error_responses(401, 404)
Urgency = Literal["emergency", "urgent", "routine", "self_care"]
_EXPECTED_MOMENT = (
    "a date (2026-12-01) or an ISO 8601 date-time with a time zone (2026-12-01T08:00Z)"
)
_MOMENT = f"A{_EXPECTED_MOMENT[1:]}."  # the parameters' description


class StoredAssessmentOut(BaseModel):
    """A stored assessment: its inputs, its result, and what reproduces it."""

    id: str
    url: str = Field(
        description="The page of this assessment: the clinician page for a clinic's record "
        "(signed-in members of the clinic only)."
    )
    created_at: datetime
    updated_at: datetime
    setting: str
    urgency: str
    top_site: str | None
    kb_version: str
    kb_hash: str
    owner: str | None
    case: dict[str, Any]
    assessment: dict[str, Any]


class AssessmentList(BaseModel):
    total: int
    limit: int
    offset: int
    items: list[StoredAssessmentOut]


class InterviewRequest(BaseModel):
    """One step of the interview. Send back the ``state`` the last step returned (none to
    start) and the answer to its step; keep earlier states to go back."""

    model_config = ConfigDict(extra="forbid")

    setting: Literal["self_check", "clinician"] = "self_check"
    state: dict[str, Any] | None = None
    action: Literal["start", "answer", "mark", "quit"] = "start"
    values: list[str] = Field(
        default=[],
        description="answer: the chosen option values (the warning-sign screen: the ticked "
        'signs, or ["none"])',
    )
    regions: list[str] = Field(
        default=[],
        description="mark: region instances (heel_left), or a part of the leg not placed finer "
        "(thigh_left, whole_leg_right)",
    )
    qualities: dict[str, list[str]] | list[str] = Field(
        default={},
        description="mark: what is felt in each marked place, "
        '{"heel_left": ["pain"], "calf_left": ["numbness"]}; places left out are asked '
        "next, one step each (a plain list applies to every place)",
    )


class InterviewResponse(BaseModel):
    state: dict[str, Any]
    step: dict[str, Any]
    progress: dict[str, Any]
    assessment: dict[str, Any] | None = Field(
        description="The assessment so far; present when the step is ``done``."
    )


def _out(request: Request, stored: StoredAssessment) -> StoredAssessmentOut:
    return StoredAssessmentOut(
        id=stored.id,
        url=str(request.base_url).rstrip("/") + record_path(stored),
        created_at=stored.created_at,
        updated_at=stored.updated_at,
        setting=stored.setting,
        urgency=stored.urgency,
        top_site=stored.top_site,
        kb_version=stored.kb_version,
        kb_hash=stored.kb_hash,
        owner=stored.owner,
        case=stored.case,
        assessment=stored.result,
    )


ApiUser = Annotated[User, Depends(require_api_user)]


@router.post("/assessments", status_code=201, tags=["assessments"], responses=SIGNED_IN)
def create_assessment(case: Case, request: Request, user: ApiUser) -> StoredAssessmentOut:
    """Assess a case and store it (inputs, result, knowledge-base version and hash)."""
    result = request.app.state.assessor.assess(case).to_dict()
    stored = request.app.state.store.add_assessment(
        case=case.model_dump(mode="json", exclude_none=True),
        result=result,
        owner=user.username,
        audit=audit_detail(request),
    )
    return _out(request, stored)


@router.get("/assessments", tags=["assessments"], responses=SIGNED_IN)
def list_assessments(
    request: Request,
    user: ApiUser,
    urgency: Urgency | None = None,
    since: Annotated[str | None, Query(description=_MOMENT, examples=["2026-12-01"])] = None,
    until: Annotated[str | None, Query(description=_MOMENT, examples=["2026-12-31"])] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> AssessmentList:
    """The records of your clinic, newest first, filtered by urgency and date (``since``
    inclusive, ``until`` exclusive; a plain date means its first moment, UTC)."""
    store = request.app.state.store
    filters: dict[str, Any] = {
        "urgency": urgency,
        "since": _moment(since, "since"),
        "until": _moment(until, "until"),
        "clinic": user.clinic,
    }
    items = store.list_assessments(**filters, limit=limit, offset=offset)
    total = store.count_assessments(**filters)
    audit(request, user, "list", detail=f"{len(items)} of {total} records")
    return AssessmentList(
        total=total, limit=limit, offset=offset, items=[_out(request, s) for s in items]
    )


@router.get("/assessments/{assessment_id}", tags=["assessments"], responses=ONE_RECORD)
def get_assessment(assessment_id: str, request: Request, user: ApiUser) -> StoredAssessmentOut:
    """One record of your clinic (another clinic's, or a self-check, is not found)."""
    return _out(request, clinic_record(request, assessment_id, user, "read"))


@router.delete(
    "/assessments/{assessment_id}", status_code=204, tags=["assessments"], responses=ONE_RECORD
)
def delete_assessment(assessment_id: str, request: Request, user: ApiUser) -> Response:
    """Delete a record of your clinic; the audit log keeps a line saying who and when."""
    stored = clinic_record(request, assessment_id, user, "delete")
    request.app.state.store.delete_assessment(stored.id)
    return Response(status_code=204)


class ShareCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(
        min_length=1,
        max_length=32,
        description="The code a person was given on their self-check's result page "
        "(K7M2Q-9XH4T; case, spaces and dashes do not matter).",
    )


@router.post("/share-codes/redeem", tags=["assessments"], responses=error_responses(401, 404, 429))
def redeem_share_code(body: ShareCodeIn, request: Request, user: ApiUser) -> StoredAssessmentOut:
    """Attach the self-check a person shared with you to your clinic, and return it. A code
    works once; a wrong, used or expired code is the same 404, and after 10 wrong codes in
    an hour every code is a 429 for the rest of that hour."""
    stored = request.app.state.store.redeem_share_code(
        body.code, username=user.username, detail="api POST"
    )
    return _out(request, stored)


def _moment(raw: str | None, field: str) -> datetime | None:
    """A plain date or an ISO date-time with its zone; numbers (Unix times?) are refused as
    ambiguous, naive times because the zone would be a guess."""
    if raw is None or raw == "":
        return None
    try:
        if len(raw) == 10:
            return datetime.combine(date.fromisoformat(raw), time.min, tzinfo=UTC)
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or moment.utcoffset() is None:
        raise ApiError(
            422,
            "invalid_request",
            f"{field}: expected {_EXPECTED_MOMENT}",
            fields=[{"field": field, "message": f"expected {_EXPECTED_MOMENT}."}],
        )
    return moment


@router.post("/interview", tags=["interview"])
def interview_step(body: InterviewRequest, request: Request) -> InterviewResponse:
    """The adaptive interview, one step per call, with no state kept on the server.

    ``start`` (no state) → the start questions (who it is for, age, sex, how long, how it
    started), then the body map; ``mark`` answers the body map at once with region instances
    and what is felt in each; ``answer`` answers the current step with option values (a
    ``multiple`` step takes several; its ``exclusive`` option goes alone); ``quit`` stops.
    """
    interview = Interview(
        request.app.state.assessor,
        setting=body.setting,
        state=body.state,
        cache=request.app.state.interview_cache,
    )
    if body.action == "mark":
        interview.mark(body.regions, body.qualities)
    elif body.action == "answer":
        interview.answer(*body.values)
    elif body.action == "quit":
        interview.quit()
    step = interview.step
    done = step.kind == "done"
    return InterviewResponse(
        state=interview.state_document(),
        step=asdict(step),
        progress=asdict(interview.progress()),
        assessment=interview.assessment().to_dict() if done else None,
    )


@router.get("/catalogue/sites", tags=["catalogue"])
def catalogue_sites(request: Request) -> list[dict[str, Any]]:
    """Every lesion site the differential ranks, with its origin group and sides."""
    return catalogue.sites_catalogue(request.app.state.kb)


@router.get("/catalogue/findings", tags=["catalogue"])
def catalogue_findings(
    request: Request, setting: Literal["self_check", "clinician"] | None = None
) -> list[dict[str, Any]]:
    """Every finding id with its question, kind, sides and allowed values."""
    return catalogue.findings_catalogue(request.app.state.kb, setting)


@router.get("/catalogue/regions", tags=["catalogue"])
def catalogue_regions(request: Request) -> list[dict[str, Any]]:
    """The body-map regions, with the roots and nerves that supply each."""
    return catalogue.regions_catalogue(request.app.state.kb)
