"""The assessment Bundle: valid FHIR, faithful numbers, stamped, and the same every time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.clinicalimpression import ClinicalImpression
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.riskassessment import RiskAssessment

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessment
from nervepath.interop.codes import (
    DATA_ABSENT_REASON,
    FINDING_SYSTEM,
    KB_HASH_TAG,
    KB_VERSION_TAG,
    LATERALITY_EXTENSION,
    SITE_SYSTEM,
    SNOMED,
)
from nervepath.interop.fhir import (
    assessment_bundle,
    assessment_from_dict,
    case_from_observations,
    resource_json,
)
from nervepath.knowledge.model import KnowledgeBase

MODELS = {
    m.get_resource_type(): m
    for m in (Patient, QuestionnaireResponse, Observation, RiskAssessment, ClinicalImpression, Flag)
}


@pytest.fixture(scope="module")
def bundle(l5_assessment: Assessment, l5_case: Case, shipped_kb: KnowledgeBase) -> Bundle:
    return assessment_bundle(l5_assessment, l5_case, shipped_kb, assessment_id="a1")


def _of(bundle: Bundle, resource_type: str) -> list[Any]:
    return [
        e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == resource_type
    ]


def test_the_bundle_and_every_resource_validate_after_a_json_round_trip(bundle: Bundle) -> None:
    text = resource_json(bundle)
    assert Bundle.model_validate_json(text) == bundle
    assert bundle.type == "collection"
    for entry in json.loads(text)["entry"]:
        data = entry["resource"]
        model = MODELS[data["resourceType"]]
        assert model.model_validate_json(json.dumps(data)) == model.model_validate(data)


def test_full_urls_are_unique_uuids_and_every_reference_resolves(bundle: Bundle) -> None:
    text = resource_json(bundle)
    urls = [e["fullUrl"] for e in json.loads(text)["entry"]]
    assert len(set(urls)) == len(urls)
    assert all(u.startswith("urn:uuid:") for u in urls)
    referenced = {m for m in _references(json.loads(text))}
    assert referenced and referenced <= set(urls)


def _references(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["reference"]] if isinstance(node.get("reference"), str) else []
        return own + [r for v in node.values() for r in _references(v)]
    if isinstance(node, list):
        return [r for v in node for r in _references(v)]
    return []


def test_risk_predictions_are_the_site_probabilities_exactly(
    bundle: Bundle, l5_assessment: Assessment
) -> None:
    (risk,) = _of(Bundle.model_validate_json(resource_json(bundle)), "RiskAssessment")
    got = [
        (p.outcome.coding[0].system, p.outcome.coding[0].code, float(p.probabilityDecimal))
        for p in risk.prediction
    ]
    expected = [
        (SITE_SYSTEM, s.id if s.side is None else f"{s.id}_{s.side}", s.probability)
        for s in l5_assessment.sites
    ]
    assert got == expected
    assert risk.prediction[0].rationale.startswith("Largest contributions")
    assert l5_assessment.kb_version in risk.method.text
    assert l5_assessment.kb_hash in risk.method.text


def test_one_observation_per_answer_with_its_value(bundle: Bundle, l5_case: Case) -> None:
    observations = {o.code.coding[0].code: o for o in _of(bundle, "Observation")}
    assert set(observations) == set(l5_case.answers)
    assert all(o.status == "final" for o in observations.values())
    assert all(o.code.coding[0].system == FINDING_SYSTEM for o in observations.values())
    assert observations["numbness_first_web_space_left"].valueBoolean is True
    assert observations["straight_leg_raise_right"].valueBoolean is False
    grade = observations["strength_ankle_dorsiflexion_left"].valueCodeableConcept.coding[0]
    assert grade.code == "4" and grade.system.endswith("/mrc-grade")
    qr_url = _of(bundle, "QuestionnaireResponse")[0].id
    assert all(o.derivedFrom[0].reference.endswith(qr_url) for o in observations.values())


def test_unknown_is_data_absent_asked_unknown(bundle: Bundle) -> None:
    slump = next(
        o for o in _of(bundle, "Observation") if o.code.coding[0].code == "slump_test_left"
    )
    assert slump.valueBoolean is None and slump.valueCodeableConcept is None
    reason = slump.dataAbsentReason.coding[0]
    assert (reason.system, reason.code) == (DATA_ABSENT_REASON, "asked-unknown")


@pytest.mark.parametrize(
    ("finding", "laterality"),
    [("straight_leg_raise_right", "24028007"), ("numbness_first_web_space_left", "7771000")],
)
def test_laterality_is_snomed_on_the_body_site(
    bundle: Bundle, finding: str, laterality: str
) -> None:
    obs = next(o for o in _of(bundle, "Observation") if o.code.coding[0].code == finding)
    (extension,) = obs.bodySite.extension
    assert extension.url == LATERALITY_EXTENSION
    coding = extension.valueCodeableConcept.coding[0]
    assert (coding.system, coding.code) == (SNOMED, laterality)


def test_a_finding_without_a_side_has_no_laterality(bundle: Bundle) -> None:
    fever = next(o for o in _of(bundle, "Observation") if o.code.coding[0].code == "fever")
    assert fever.bodySite is None


def test_every_resource_carries_the_kb_version_and_hash(
    bundle: Bundle, shipped_kb: KnowledgeBase
) -> None:
    stamped = [bundle, *(e.resource for e in bundle.entry or [])]
    for resource in stamped:
        tags = {(t.system, t.code) for t in resource.meta.tag}
        assert (KB_VERSION_TAG, shipped_kb.version) in tags
        assert (KB_HASH_TAG, shipped_kb.content_hash) in tags


def test_the_same_assessment_gives_the_same_bundle(
    l5_assessment: Assessment, l5_case: Case, shipped_kb: KnowledgeBase, bundle: Bundle
) -> None:
    again = assessment_bundle(l5_assessment, l5_case, shipped_kb, assessment_id="a1")
    assert resource_json(again) == resource_json(bundle)
    other = assessment_bundle(l5_assessment, l5_case, shipped_kb, assessment_id="a2")
    assert other.entry[0].fullUrl != bundle.entry[0].fullUrl
    anonymous = [assessment_bundle(l5_assessment, l5_case, shipped_kb) for _ in range(2)]
    assert resource_json(anonymous[0]) == resource_json(anonymous[1])


def test_a_routine_case_has_an_impression_and_no_flag(
    bundle: Bundle, l5_assessment: Assessment
) -> None:
    (impression,) = _of(bundle, "ClinicalImpression")
    assert impression.status == "completed"
    assert impression.summary.startswith(f"Urgency: {l5_assessment.urgency}")
    assert impression.finding[0].itemCodeableConcept.coding[0].code == "l5_root_left"
    (risk,) = _of(bundle, "RiskAssessment")
    assert impression.prognosisReference[0].reference.endswith(risk.id)
    assert _of(bundle, "Flag") == []


def test_an_emergency_raises_a_flag_and_lists_the_red_flags(
    ces_assessment: Assessment, ces_case: Case, shipped_kb: KnowledgeBase
) -> None:
    bundle = assessment_bundle(ces_assessment, ces_case, shipped_kb)
    (flag,) = _of(bundle, "Flag")
    assert flag.code.coding[0].code == "emergency"
    (impression,) = _of(bundle, "ClinicalImpression")
    assert "Urgency: emergency" in impression.summary
    assert len(impression.note) == len(ces_assessment.red_flags)
    assert "GIRFT" in impression.note[0].text


def test_an_ehr_patient_replaces_the_anonymous_one(
    l5_assessment: Assessment, l5_case: Case, shipped_kb: KnowledgeBase
) -> None:
    bundle = assessment_bundle(
        l5_assessment, l5_case, shipped_kb, subject="Patient/example", base_url="https://np.test/"
    )
    assert _of(bundle, "Patient") == []
    assert _of(bundle, "RiskAssessment")[0].subject.reference == "Patient/example"
    assert bundle.link is None and bundle.identifier is None


def test_base_url_names_the_identifier_and_the_self_link(
    l5_assessment: Assessment, l5_case: Case, shipped_kb: KnowledgeBase
) -> None:
    bundle = assessment_bundle(
        l5_assessment, l5_case, shipped_kb, assessment_id="a1", base_url="https://np.test/"
    )
    assert (bundle.identifier.system, bundle.identifier.value) == (
        "https://np.test/assessments",
        "a1",
    )
    assert bundle.link[0].url == "https://np.test/api/assessments/a1/fhir"


def test_the_observations_read_back_as_the_case(
    bundle: Bundle, l5_case: Case, shipped_kb: KnowledgeBase
) -> None:
    (patient,) = _of(bundle, "Patient")
    back = case_from_observations(_of(bundle, "Observation"), shipped_kb, patient=patient)
    assert back.answers == l5_case.answers
    assert back.patient.sex == l5_case.patient.sex


def test_a_stored_assessment_document_gives_the_same_bundle(
    l5_assessment: Assessment, l5_case: Case, shipped_kb: KnowledgeBase, bundle: Bundle
) -> None:
    stored = json.loads(json.dumps(l5_assessment.to_dict()))
    assert assessment_from_dict(stored) == l5_assessment
    again = assessment_bundle(assessment_from_dict(stored), l5_case, shipped_kb, assessment_id="a1")
    assert resource_json(again) == resource_json(bundle)


def test_an_assessment_stored_before_explains_existed_still_reads_and_exports(
    l5_assessment: Assessment, l5_case: Case, shipped_kb: KnowledgeBase
) -> None:
    """Documents stored by knowledge base 0.1.6 have no ``explains`` per site and no
    ``origin_explains``: they read back with None there, and still export."""
    stored = json.loads(json.dumps(l5_assessment.to_dict()))
    del stored["origin_explains"]
    for site in stored["sites"]:
        del site["explains"]
    old = assessment_from_dict(stored)
    assert old.origin_explains is None
    assert all(s.explains is None for s in old.sites)
    assert [s.probability for s in old.sites] == [s.probability for s in l5_assessment.sites]
    exported = resource_json(assessment_bundle(old, l5_case, shipped_kb, assessment_id="a1"))
    assert "explains the findings" not in exported
    assert "explains the findings" in resource_json(
        assessment_bundle(l5_assessment, l5_case, shipped_kb, assessment_id="a1")
    )
