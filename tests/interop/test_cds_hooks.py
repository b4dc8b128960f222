"""The CDS Hooks service: discovery, and cards for a spec-shaped patient-view request."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessment, Assessor
from nervepath.interop.cds_hooks import SERVICE_ID, discovery, patient_view
from nervepath.interop.cds_models import Card, CdsRequest, CdsResponse, Discovery, Source
from nervepath.interop.errors import CdsRequestError
from nervepath.interop.fhir import assessment_bundle, questionnaire_response, resource_json


class Canned:
    """An assessor that answers with an assessment made once (by the real assessor, in the
    session fixtures) and records the cases it was asked about."""

    def __init__(self, assessor: Assessor, assessment: Assessment) -> None:
        self.kb = assessor.kb
        self.assessment = assessment
        self.cases: list[Case] = []

    def assess(self, case: Case) -> Assessment:
        self.cases.append(case)
        return self.assessment


def _request(prefetch: dict[str, Any] | None, hook: str = "patient-view") -> CdsRequest:
    """Shaped like the patient-view example of the CDS Hooks 2.0 specification."""
    return CdsRequest.model_validate(
        {
            "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
            "fhirServer": "http://hooks.smarthealthit.org:9080",
            "hook": hook,
            "fhirAuthorization": {
                "access_token": "some-opaque-fhir-access-token",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "user/Patient.read user/Observation.read",
                "subject": "cds-service4",
            },
            "context": {
                "userId": "Practitioner/example",
                "patientId": "1288992",
                "encounterId": "89284",
            },
            "prefetch": prefetch,
        }
    )


def _qr(case: Case, assessor: Assessor) -> dict[str, Any]:
    return json.loads(resource_json(questionnaire_response(case, assessor.kb)))


def _valid(response: CdsResponse) -> list[dict[str, Any]]:
    """The JSON an EHR receives, checked against the models again."""
    data = json.loads(response.model_dump_json(exclude_none=True))
    assert CdsResponse.model_validate(data) == response
    return list(data["cards"])


def test_discovery_lists_the_service_with_its_prefetch_templates() -> None:
    document = discovery()
    Discovery.model_validate(document)
    (service,) = document["services"]
    assert (service["hook"], service["id"]) == ("patient-view", SERVICE_ID)
    prefetch = service["prefetch"]
    assert set(prefetch) == {"patient", "questionnaireResponse", "observations"}
    assert all("{{context.patientId}}" in template for template in prefetch.values())


def test_a_routine_case_gives_urgency_sites_and_next_examination(
    assessor: Assessor, l5_case: Case, l5_assessment: Assessment
) -> None:
    canned = Canned(assessor, l5_assessment)
    response = patient_view(
        _request({"questionnaireResponse": _qr(l5_case, assessor)}), canned, base_url=None
    )
    assert canned.cases == [l5_case]
    cards = _valid(response)
    assert [c["source"]["topic"]["code"] for c in cards] == [
        "urgency",
        "differential",
        "next-question",
    ]
    assert cards[0]["indicator"] == "info"
    assert cards[0]["summary"].startswith("Routine")
    assert "L5 nerve root (left) 9" in cards[1]["summary"]
    assert cards[2]["summary"].startswith("Most useful next: ")
    assert all(len(c["summary"]) < 140 for c in cards)
    assert all("links" not in c for c in cards)
    assert l5_assessment.kb_version in cards[0]["source"]["label"]


def test_a_cauda_equina_presentation_is_critical_first(
    assessor: Assessor, ces_case: Case, ces_assessment: Assessment
) -> None:
    canned = Canned(assessor, ces_assessment)
    cards = _valid(
        patient_view(
            _request({"questionnaireResponse": _qr(ces_case, assessor)}), canned, base_url=None
        )
    )
    assert canned.cases == [ces_case]
    first = cards[0]
    assert first["indicator"] == "critical"
    assert first["summary"].startswith("Emergency")
    assert len(first["summary"]) < 140
    for flag in ces_assessment.red_flags:
        assert flag.clinical in first["detail"] and flag.citation.rstrip(".") in first["detail"]
    assert [c["indicator"] for c in cards[1:]] == ["info", "info"]


def test_cards_link_to_the_stored_assessment(
    assessor: Assessor, l5_case: Case, l5_assessment: Assessment
) -> None:
    stored: list[Assessment] = []

    def store(case: Case, assessment: Assessment) -> str:
        stored.append(assessment)
        return "abc123"

    response = patient_view(
        _request({"questionnaireResponse": _qr(l5_case, assessor)}),
        Canned(assessor, l5_assessment),
        base_url="https://np.test/",
        store_hook=store,
    )
    assert stored == [l5_assessment]
    for card in _valid(response):
        assert card["links"] == [
            {
                "label": "Open the nervepath assessment",
                "url": "https://np.test/clinic/assessments/abc123",
                "type": "absolute",
            }
        ]


def test_card_uuids_are_stable_for_one_hook_instance(
    assessor: Assessor, l5_case: Case, l5_assessment: Assessment
) -> None:
    request = _request({"questionnaireResponse": _qr(l5_case, assessor)})
    canned = Canned(assessor, l5_assessment)
    first = patient_view(request, canned, base_url=None)
    second = patient_view(request, canned, base_url=None)
    assert [c.uuid for c in first.cards] == [c.uuid for c in second.cards]
    assert len({c.uuid for c in first.cards}) == 3


def test_a_searchset_of_observations_with_the_patient_is_read(
    assessor: Assessor, ces_case: Case, ces_assessment: Assessment
) -> None:
    bundle = json.loads(resource_json(assessment_bundle(ces_assessment, ces_case, assessor.kb)))
    observations = [e for e in bundle["entry"] if e["resource"]["resourceType"] == "Observation"]
    searchset = {"resourceType": "Bundle", "type": "searchset", "entry": observations}
    patient = {"resourceType": "Patient", "id": "1288992", "gender": "female"}
    canned = Canned(assessor, ces_assessment)
    cards = _valid(
        patient_view(
            _request(
                {"observations": searchset, "patient": patient, "questionnaireResponse": None}
            ),
            canned,
            base_url=None,
        )
    )
    assert [c.answers for c in canned.cases] == [ces_case.answers]
    assert (canned.cases[0].setting, canned.cases[0].patient.sex) == ("clinician", "female")
    assert cards[0]["indicator"] == "critical"


@pytest.mark.parametrize(
    "prefetch",
    [
        None,
        {},
        {"questionnaireResponse": None, "observations": None},
        {"observations": {"resourceType": "Bundle", "type": "searchset"}},
        {"patientToGreet": {"resourceType": "Patient", "gender": "male", "id": "1288992"}},
    ],
)
def test_an_unusable_prefetch_is_a_clear_error(
    assessor: Assessor, prefetch: dict[str, Any] | None
) -> None:
    with pytest.raises(CdsRequestError, match="prefetch: no nervepath QuestionnaireResponse"):
        patient_view(_request(prefetch), assessor, base_url=None)


def test_another_hook_is_refused(assessor: Assessor, l5_case: Case) -> None:
    request = _request({"questionnaireResponse": _qr(l5_case, assessor)}, hook="order-sign")
    with pytest.raises(CdsRequestError, match="hook: found 'order-sign'"):
        patient_view(request, assessor, base_url=None)


def test_the_card_model_enforces_the_spec() -> None:
    source = Source(label="nervepath")
    Card(summary="x" * 139, indicator="info", source=source)
    with pytest.raises(ValidationError, match="at most 139"):
        Card(summary="x" * 140, indicator="info", source=source)
    with pytest.raises(ValidationError):
        Card.model_validate({"summary": "x", "indicator": "urgent", "source": {"label": "n"}})
    with pytest.raises(ValidationError, match="selectionBehavior is required"):
        Card.model_validate(
            {
                "summary": "x",
                "indicator": "info",
                "source": {"label": "n"},
                "suggestions": [{"label": "do it"}],
            }
        )
