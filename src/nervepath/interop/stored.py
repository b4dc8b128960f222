"""A stored assessment document (``Assessment.to_dict()``) read back as an ``Assessment``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from nervepath.assessment.recommend import Recommendation
from nervepath.assessment.service import (
    Assessment,
    Contribution,
    NextQuestion,
    RankedCause,
    RankedSite,
)
from nervepath.assessment.triage import RedFlag
from nervepath.errors import StorageError

__all__ = ["assessment_from_dict"]


def assessment_from_dict(data: Mapping[str, Any]) -> Assessment:
    """The inverse of ``Assessment.to_dict()``: exactly what was stored, not a re-assessment.

    A FHIR export of a stored assessment must show the result the clinician saw, stamped
    with the knowledge base that made it, even after the knowledge base has changed.
    Raises ``StorageError`` when the document lacks a key or has one it should not.
    """
    try:
        return Assessment(
            kb_version=data["kb_version"],
            kb_hash=data["kb_hash"],
            setting=data["setting"],
            answers=dict(data["answers"]),
            urgency=data["urgency"],
            red_flags=tuple(
                RedFlag(**{**f, "findings": tuple(f["findings"])}) for f in data["red_flags"]
            ),
            origin=dict(data["origin"]),
            sites=tuple(
                RankedSite(
                    **{
                        **s,
                        "explanation": tuple(Contribution(**c) for c in s["explanation"]),
                    }
                )
                for s in data["sites"]
            ),
            causes=tuple(RankedCause(**c) for c in data["causes"]),
            next_questions=tuple(
                NextQuestion(**{**q, "values": tuple(q["values"])}) for q in data["next_questions"]
            ),
            recommendations=tuple(Recommendation(**r) for r in data["recommendations"]),
            origin_explains=(
                None if data.get("origin_explains") is None else dict(data["origin_explains"])
            ),
        )
    except (KeyError, TypeError) as exc:
        raise StorageError(f"stored assessment: not an assessment document ({exc})") from None
