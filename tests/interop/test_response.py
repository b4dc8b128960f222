"""QuestionnaireResponse ↔ case: an exact round trip, and errors that name the item."""

from __future__ import annotations

from typing import Any

import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nervepath.assessment.case import Case, parse_case
from nervepath.errors import CaseError
from nervepath.interop.codes import DATA_ABSENT_REASON, questionnaire_url
from nervepath.interop.errors import FhirResourceError
from nervepath.interop.fhir import parse_resource, resource_json
from nervepath.interop.response import case_from_questionnaire_response, questionnaire_response
from nervepath.knowledge.catalogue import findings_catalogue
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

KB = load_knowledge_base()
AGE_FINDINGS = {f.id for f in KB.raw.findings if f.age_band is not None}
ONE_SEX = {f.id: f for f in KB.raw.findings if f.only_sex is not None}
CATALOGUE = {s: findings_catalogue(KB, s) for s in ("self_check", "clinician")}


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """Any case a form could produce: a subset of the setting's catalogue, every value kind
    (grades and unknown included), with or without age and sex; no finding only the other sex
    can have (the form does not offer it)."""
    setting = draw(st.sampled_from(["self_check", "clinician"]))
    age = draw(st.none() | st.integers(min_value=0, max_value=120))
    sex = draw(st.none() | st.sampled_from(["female", "male", "other"]))
    rows = [
        r
        for r in CATALOGUE[setting]
        if (age is None or r["finding"] not in AGE_FINDINGS)
        and (r["finding"] not in ONE_SEX or ONE_SEX[r["finding"]].possible_for(sex))
    ]
    chosen = draw(st.lists(st.sampled_from(rows), max_size=30, unique_by=lambda r: r["id"]))
    answers = {r["id"]: draw(st.sampled_from(r["values"])) for r in chosen}
    patient = {k: v for k, v in (("age", age), ("sex", sex)) if v is not None}
    return parse_case({"setting": setting, "patient": patient, "answers": answers})


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_case_to_response_and_back_is_exact(case: Case) -> None:
    qr = questionnaire_response(case, KB)
    again = QuestionnaireResponse.model_validate_json(resource_json(qr))
    assert again == qr
    assert case_from_questionnaire_response(again, KB) == case


def test_the_example_round_trips(l5_case: Case, shipped_kb: KnowledgeBase) -> None:
    qr = questionnaire_response(l5_case, shipped_kb)
    assert qr.status == "completed"
    assert qr.questionnaire == f"{questionnaire_url('clinician')}|{shipped_kb.version}"
    assert case_from_questionnaire_response(qr, shipped_kb) == l5_case


def test_a_grade_given_as_a_number_comes_back_canonical(shipped_kb: KnowledgeBase) -> None:
    case = parse_case({"setting": "clinician", "answers": {"strength_ankle_dorsiflexion_left": 3}})
    back = case_from_questionnaire_response(questionnaire_response(case, shipped_kb), shipped_kb)
    assert back.answers == {"strength_ankle_dorsiflexion_left": "3"}


def _response(answers: list[dict[str, Any]], setting: str = "clinician") -> QuestionnaireResponse:
    return parse_resource(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": questionnaire_url(setting),
            "item": [{"linkId": "group.any", "item": answers}],
        },
        QuestionnaireResponse,
    )


def test_other_answer_types_are_read(shipped_kb: KnowledgeBase) -> None:
    qr = _response(
        [
            {"linkId": "fever", "answer": [{"valueBoolean": False}]},
            {"linkId": "back_pain", "answer": [{"valueString": "present"}]},
            {"linkId": "strength_hip_abduction_left", "answer": [{"valueInteger": 4}]},
            {
                "linkId": "slump_test_left",
                "answer": [
                    {"valueCoding": {"system": DATA_ABSENT_REASON, "code": "asked-unknown"}}
                ],
            },
            {"linkId": "patient.age", "answer": [{"valueInteger": 61}]},
        ]
    )
    case = case_from_questionnaire_response(qr, shipped_kb)
    assert case.patient.age == 61
    assert case.answers == {
        "fever": "absent",
        "back_pain": "present",
        "strength_hip_abduction_left": "4",
        "slump_test_left": "unknown",
    }


def test_an_unknown_link_id_names_the_item_and_the_nearest(shipped_kb: KnowledgeBase) -> None:
    qr = _response(
        [{"linkId": "numbness_heel_lft", "answer": [{"valueCoding": {"code": "present"}}]}]
    )
    with pytest.raises(CaseError) as caught:
        case_from_questionnaire_response(qr, shipped_kb)
    message = str(caught.value)
    assert message.startswith("QuestionnaireResponse › answers › numbness_heel_lft:")
    assert "numbness_heel_left" in message


def test_a_value_that_is_not_allowed_names_the_item(shipped_kb: KnowledgeBase) -> None:
    qr = _response(
        [{"linkId": "strength_hip_abduction_left", "answer": [{"valueCoding": {"code": "6"}}]}]
    )
    with pytest.raises(CaseError, match="strength_hip_abduction_left: '6' is not an allowed"):
        case_from_questionnaire_response(qr, shipped_kb)


@pytest.mark.parametrize(
    ("items", "message"),
    [
        (
            [{"linkId": "fever", "answer": [{"valueBoolean": True}, {"valueBoolean": False}]}],
            "item fever: expected one answer, found 2",
        ),
        (
            [{"linkId": "fever", "answer": [{"valueDecimal": 1.0}]}],
            "item fever: expected a valueCoding",
        ),
        (
            [
                {"linkId": "fever", "answer": [{"valueBoolean": True}]},
                {"linkId": "fever", "answer": [{"valueBoolean": True}]},
            ],
            "item fever: answered more than once",
        ),
    ],
)
def test_fhir_shape_problems_name_the_item(
    items: list[dict[str, Any]], message: str, shipped_kb: KnowledgeBase
) -> None:
    with pytest.raises(FhirResourceError, match=message):
        case_from_questionnaire_response(_response(items), shipped_kb)


def test_another_questionnaire_is_refused(shipped_kb: KnowledgeBase) -> None:
    qr = parse_resource(
        {
            "resourceType": "QuestionnaireResponse",
            "status": "completed",
            "questionnaire": "http://example.org/Questionnaire/phq-9",
        },
        QuestionnaireResponse,
    )
    with pytest.raises(FhirResourceError, match=r"questionnaire: found .*phq-9"):
        case_from_questionnaire_response(qr, shipped_kb)


def test_a_finding_the_setting_does_not_ask_is_refused(shipped_kb: KnowledgeBase) -> None:
    case = parse_case({"setting": "self_check", "answers": {"reflex_achilles_left": "reduced"}})
    with pytest.raises(CaseError, match="reflex_achilles_left: not asked in the self_check"):
        questionnaire_response(case, shipped_kb)


def test_a_case_with_an_unknown_id_is_refused(shipped_kb: KnowledgeBase) -> None:
    case = parse_case({"answers": {"numbness_heel_lft": "present"}})
    with pytest.raises(CaseError, match="nearest valid ids: numbness_heel_left"):
        questionnaire_response(case, shipped_kb)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"resourceType": "Patient"}, "resourceType: found 'Patient'"),
        ([], "resourceType: found 'list'"),
        ({"resourceType": "QuestionnaireResponse"}, "QuestionnaireResponse › status"),
    ],
)
def test_parse_resource_names_the_problem(data: object, message: str) -> None:
    with pytest.raises(FhirResourceError, match=message):
        parse_resource(data, QuestionnaireResponse)
