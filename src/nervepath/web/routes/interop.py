"""FHIR (Questionnaire, ``$assess``, stored assessments as Bundles) and CDS Hooks over HTTP."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request, Response
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from nervepath.assessment.case import Case, parse_case
from nervepath.assessment.service import Assessment
from nervepath.interop.cds_hooks import SERVICE_ID, discovery, patient_view
from nervepath.interop.cds_models import CdsRequest, CdsResponse
from nervepath.interop.fhir import (
    assessment_bundle,
    assessment_from_dict,
    case_from_questionnaire_response,
    parse_resource,
    questionnaire,
    resource_json,
)
from nervepath.storage import User
from nervepath.web.access import audit_detail, clinic_record
from nervepath.web.errors import error_responses
from nervepath.web.security import require_api_user

__all__ = ["router"]

router = APIRouter(
    dependencies=[Depends(require_api_user)], responses=error_responses(400, 401, 422)
)
FHIR_JSON = "application/fhir+json"


class FhirResponse(Response):
    """A FHIR resource, as ``application/fhir+json`` (the OpenAPI document says so too)."""

    media_type = FHIR_JSON


def _fhir_resource(kind: str) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI 200 of a route that answers a FHIR resource of this ``resourceType``."""
    schema = {
        "type": "object",
        "required": ["resourceType"],
        "properties": {"resourceType": {"const": kind}},
        "externalDocs": {"url": f"https://hl7.org/fhir/R4B/{kind.lower()}.html"},
    }
    return {200: {"description": f"A FHIR R4B {kind}", "content": {FHIR_JSON: {"schema": schema}}}}


ApiUser = Annotated[User, Depends(require_api_user)]


def _base_url(request: Request) -> str:
    public: str | None = request.app.state.settings.public_url
    return (public or str(request.base_url)).rstrip("/")


def _fhir(resource: Any) -> Response:
    return FhirResponse(resource_json(resource))


@router.get("/cds-services", tags=["cds-hooks"])
def cds_discovery() -> dict[str, Any]:
    """CDS Hooks discovery: the ``patient-view`` service and its prefetch templates."""
    return discovery()


@router.post(f"/cds-services/{SERVICE_ID}", tags=["cds-hooks"], response_model_exclude_none=True)
def cds_patient_view(body: CdsRequest, request: Request, user: ApiUser) -> CdsResponse:
    """Assess the prefetched answers; cards: urgency, most probable sites, next examination.
    The assessment is stored (owned by the calling user) and the cards link to it."""
    store = request.app.state.store

    def store_hook(case: Case, assessment: Assessment) -> str:
        stored = store.add_assessment(
            case=case.model_dump(mode="json", exclude_none=True),
            result=assessment.to_dict(),
            owner=user.username,
            audit=audit_detail(request),
        )
        return str(stored.id)

    return patient_view(
        body, request.app.state.assessor, base_url=_base_url(request), store_hook=store_hook
    )


@router.get(
    "/api/fhir/Questionnaire",
    tags=["fhir"],
    response_class=FhirResponse,
    responses=_fhir_resource("Questionnaire"),
)
def fhir_questionnaire(
    request: Request, setting: Literal["self_check", "clinician"] = "self_check"
) -> Response:
    """The finding catalogue of a setting as a FHIR R4 Questionnaire."""
    return _fhir(questionnaire(request.app.state.kb, setting=setting))


@router.post(
    "/api/fhir/QuestionnaireResponse/$assess",
    tags=["fhir"],
    response_class=FhirResponse,
    responses=_fhir_resource("Bundle"),
)
def fhir_assess(request: Request, body: Annotated[dict[str, Any], Body()]) -> Response:
    """Assess a QuestionnaireResponse; the answer is a Bundle (type collection) with the
    answers as Observations, a RiskAssessment and a ClinicalImpression. Nothing is stored."""
    kb = request.app.state.kb
    case = case_from_questionnaire_response(parse_resource(body, QuestionnaireResponse), kb)
    assessment = request.app.state.assessor.assess(case)
    return _fhir(assessment_bundle(assessment, case, kb))


@router.get(
    "/api/assessments/{assessment_id}/fhir",
    tags=["fhir"],
    response_class=FhirResponse,
    responses={**_fhir_resource("Bundle"), **error_responses(404)},
)
def fhir_stored_assessment(assessment_id: str, request: Request, user: ApiUser) -> Response:
    """A record of your clinic as a FHIR Bundle: the result as it was stored, not
    re-assessed (the export is logged)."""
    stored = clinic_record(request, assessment_id, user, "export")
    bundle = assessment_bundle(
        assessment_from_dict(stored.result),
        parse_case(stored.case),
        request.app.state.kb,
        assessment_id=stored.id,
        base_url=_base_url(request),
    )
    return _fhir(bundle)
