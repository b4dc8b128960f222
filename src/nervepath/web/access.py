"""Which stored record a request may see, and the audit line each access leaves.

Two kinds of record, kept apart:

- a **self-check** (saved with no owner) belongs to the person who made it and is reached only
  by its unguessable link, ``/r/{id}``; no clinician page or API call shows it until its
  person shares it by a share code, which attaches it to the clinic of the clinician who
  enters the code (it stays at its link too). Unshared, it is deleted after
  ``NERVEPATH_SELF_CHECK_DAYS`` unless its person keeps it;
- a **clinician record** (saved by a signed-in clinician or an API token) belongs to its
  author's clinic and is shown only to signed-in members of that clinic, never at ``/r/``.

A record outside the caller's reach is "not found", exactly like a missing one, so an id
reveals nothing. Every read, creation, export and deletion of a clinician record appends a
line to the audit log (``nervepath audit``, ``/clinic/audit`` for admins); a deletion's line
outlives the record.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import Request

from nervepath.errors import AssessmentNotFound
from nervepath.storage import StoredAssessment, User

__all__ = [
    "audit",
    "audit_detail",
    "clinic_record",
    "patient_record",
    "record_path",
    "self_check_expiry",
]


def patient_record(request: Request, assessment_id: str) -> StoredAssessment:
    """A self-check by its link (shared or not); a clinician record is not found here."""
    stored: StoredAssessment = request.app.state.store.get_assessment(assessment_id)
    if stored.owner is not None:
        raise AssessmentNotFound(assessment_id)
    return stored


def self_check_expiry(request: Request) -> datetime:
    """When a self-check made now is deleted, unless kept or shared."""
    days: int = request.app.state.settings.self_check_days
    return datetime.now(UTC) + timedelta(days=days)


def clinic_record(
    request: Request, assessment_id: str, user: User, action: str
) -> StoredAssessment:
    """A record of ``user``'s clinic, with its access logged as ``action``; any other record
    (another clinic's, a self-check) is not found."""
    stored: StoredAssessment = request.app.state.store.get_assessment(assessment_id)
    if stored.clinic is None or stored.clinic != user.clinic:
        raise AssessmentNotFound(assessment_id)
    audit(request, user, action, stored)
    return stored


def audit(
    request: Request,
    user: User,
    action: str,
    stored: StoredAssessment | None = None,
    *,
    detail: str = "",
) -> None:
    """Append one line to the audit log: who, what, which record, how (page or API)."""
    request.app.state.store.record_event(
        user.username,
        action,
        assessment_id=stored.id if stored is not None else None,
        clinic=user.clinic,
        detail=audit_detail(request, detail),
    )


def audit_detail(request: Request, detail: str = "") -> str:
    """How a record was reached, for its audit line: ``api POST``, ``page GET …`` (a CDS
    Hooks service is called by an EHR, as the API is)."""
    how = "api" if request.url.path.startswith(("/api", "/cds-services")) else "page"
    return f"{how} {request.method} {detail}".strip()


def record_path(stored: StoredAssessment) -> str:
    """Where a person sees this record: the clinician page, or the self-check link."""
    if stored.clinic is not None:
        return f"/clinic/assessments/{stored.id}"
    return f"/r/{stored.id}"
