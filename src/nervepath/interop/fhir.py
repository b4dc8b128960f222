"""The FHIR door (R4, written with the ``fhir.resources.R4B`` models): one import for callers."""

from __future__ import annotations

from typing import TypeVar

from fhir.resources.R4B.resource import Resource
from pydantic import ValidationError

from nervepath.interop.bundle import assessment_bundle
from nervepath.interop.errors import FhirResourceError
from nervepath.interop.observations import case_from_observations, finding_observation
from nervepath.interop.questionnaire import questionnaire
from nervepath.interop.response import case_from_questionnaire_response, questionnaire_response
from nervepath.interop.stored import assessment_from_dict

__all__ = [
    "assessment_bundle",
    "assessment_from_dict",
    "case_from_observations",
    "case_from_questionnaire_response",
    "finding_observation",
    "parse_resource",
    "questionnaire",
    "questionnaire_response",
    "resource_json",
]

R = TypeVar("R", bound=Resource)


def parse_resource(data: object, model: type[R]) -> R:
    """Validate decoded JSON as a FHIR resource of type ``model``; errors name the element."""
    expected = model.get_resource_type()
    if not isinstance(data, dict) or data.get("resourceType") != expected:
        found = data.get("resourceType") if isinstance(data, dict) else type(data).__name__
        raise FhirResourceError(f"resourceType: found {found!r}, expected {expected!r}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or expected
        raise FhirResourceError(f"{expected} › {where}: {first['msg']}") from None


def resource_json(resource: Resource, *, indent: int | None = None) -> str:
    """The resource as FHIR JSON (empty elements left out, as FHIR requires)."""
    return resource.model_dump_json(indent=indent, exclude_none=True)
