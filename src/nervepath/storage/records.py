"""What goes into the database checked, and what comes out as frozen records."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from nervepath.assessment.triage import URGENCY_LEVELS
from nervepath.errors import StorageError
from nervepath.storage.base import ApiToken, AuditEntry, StoredAssessment, User
from nervepath.storage.database import dumps
from nervepath.storage.models import ApiTokenRow, AssessmentRow, AuditRow, UserRow

__all__ = [
    "SETTINGS",
    "api_token",
    "assessment_fields",
    "audit_entry",
    "stored_assessment",
    "user_record",
]

SETTINGS = ("self_check", "clinician")


def assessment_fields(case: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """Column values for an assessment row, checked; messages never repeat health data."""
    if not isinstance(case, Mapping) or not isinstance(result, Mapping):
        raise StorageError("the case and the result must each be a JSON object")
    case_doc = _document("case", case)
    result_doc = _document("result", result)
    setting = _text(result_doc, "setting", 16)
    if setting not in SETTINGS:
        raise StorageError(f"result › setting: expected one of {', '.join(SETTINGS)}")
    if case_doc.get("setting", "self_check") != setting:
        raise StorageError("case › setting differs from result › setting")
    urgency = _text(result_doc, "urgency", 16)
    if urgency not in URGENCY_LEVELS:
        raise StorageError(f"result › urgency: expected one of {', '.join(URGENCY_LEVELS)}")
    return {
        "setting": setting,
        "case": case_doc,
        "result": result_doc,
        "kb_version": _text(result_doc, "kb_version", 64),
        "kb_hash": _text(result_doc, "kb_hash", 128),
        "urgency": urgency,
        "top_site": _top_site(result_doc),
    }


def _document(name: str, value: Mapping[str, Any]) -> dict[str, Any]:
    """``value`` as it will read back from the database (tuples become lists…)."""
    try:
        decoded: dict[str, Any] = json.loads(dumps(value))
    except (TypeError, ValueError) as exc:
        raise StorageError(f"the {name} cannot be stored as JSON: {exc}") from None
    return decoded


def _text(document: Mapping[str, Any], key: str, longest: int) -> str:
    value = document.get(key)
    if not isinstance(value, str) or not value:
        raise StorageError(f"result › {key}: missing, or not a text")
    if len(value) > longest:
        raise StorageError(f"result › {key}: longer than {longest} characters")
    return value


def _top_site(result: Mapping[str, Any]) -> str | None:
    sites = result.get("sites")
    if not isinstance(sites, list):
        raise StorageError("result › sites: missing, or not a list")
    if not sites:
        return None
    first = sites[0]
    site_id = first.get("id") if isinstance(first, dict) else None
    side = first.get("side") if isinstance(first, dict) else None
    if not isinstance(site_id, str) or not site_id or not isinstance(side, str | None):
        raise StorageError("result › sites › 0: expected an id and a side")
    name = f"{site_id}_{side}" if side else site_id
    if len(name) > 128:
        raise StorageError("result › sites › 0 › id: longer than 128 characters")
    return name


def stored_assessment(row: AssessmentRow) -> StoredAssessment:
    return StoredAssessment(
        id=row.id,
        created_at=row.created_at,
        updated_at=row.updated_at,
        setting=row.setting,
        case=row.case,
        result=row.result,
        kb_version=row.kb_version,
        kb_hash=row.kb_hash,
        urgency=row.urgency,
        top_site=row.top_site,
        owner=row.owner.username if row.owner is not None else None,
        clinic=row.clinic.name if row.clinic is not None else None,
        expires_at=row.expires_at,
        share_code_expires_at=row.share_code_expires_at,
    )


def user_record(row: UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        created_at=row.created_at,
        active=row.active,
        role=row.role,
        clinic=row.clinic.name if row.clinic is not None else "default",
    )


def audit_entry(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        assessment_id=row.assessment_id,
        clinic=row.clinic,
        detail=row.detail,
    )


def api_token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        username=row.user.username,
        label=row.label,
        prefix=row.prefix,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
