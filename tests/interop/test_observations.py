"""Observations back to a case: only nervepath's, later ones win, age from the Patient."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient

from nervepath.errors import CaseError
from nervepath.interop.codes import FINDING_SYSTEM
from nervepath.interop.errors import FhirResourceError
from nervepath.interop.fhir import case_from_observations, finding_observation
from nervepath.interop.observations import patient_details
from nervepath.knowledge.model import KnowledgeBase


def _obs(code: str, system: str = FINDING_SYSTEM, **value: Any) -> Observation:
    return Observation.model_validate(
        {
            "resourceType": "Observation",
            "status": value.pop("status", "final"),
            "code": {"coding": [{"system": system, "code": code}]},
            **value,
        }
    )


def test_foreign_and_withdrawn_observations_are_skipped(shipped_kb: KnowledgeBase) -> None:
    case = case_from_observations(
        [
            _obs("8310-5", system="http://loinc.org", valueString="37.2"),
            _obs("fever", valueBoolean=True, status="entered-in-error"),
            _obs("back_pain", valueBoolean=True),
        ],
        shipped_kb,
    )
    assert case.setting == "clinician"
    assert case.answers == {"back_pain": "present"}


def test_the_later_observation_of_a_finding_wins(shipped_kb: KnowledgeBase) -> None:
    case = case_from_observations(
        [_obs("back_pain", valueBoolean=True), _obs("back_pain", valueBoolean=False)], shipped_kb
    )
    assert case.answers == {"back_pain": "absent"}


def test_each_written_observation_reads_back(shipped_kb: KnowledgeBase) -> None:
    answers = {
        "fever": "absent",
        "strength_ankle_plantarflexion_right": "2",
        "reflex_patellar_left": "brisk",
        "numbness_heel_right": "unknown",
    }
    observations = [finding_observation(shipped_kb, n, v) for n, v in answers.items()]
    assert case_from_observations(observations, shipped_kb).answers == answers


def test_no_nervepath_observation_is_an_error(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(FhirResourceError, match="none is coded with"):
        case_from_observations([_obs("8310-5", system="http://loinc.org")], shipped_kb)


def test_an_observation_without_a_value_names_itself(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(FhirResourceError, match="Observation/x1 › value"):
        case_from_observations([_obs("fever", id="x1")], shipped_kb)


def test_an_unknown_code_names_the_nearest(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match=r"Observation › answers › feverr: .*fever"):
        case_from_observations([_obs("feverr", valueBoolean=True)], shipped_kb)


def test_age_and_sex_come_from_the_patient() -> None:
    patient = Patient.model_validate(
        {"resourceType": "Patient", "gender": "male", "birthDate": "1970-06-15"}
    )
    assert patient_details(patient, date(2026, 6, 14)) == {"sex": "male", "age": 55}
    assert patient_details(patient, date(2026, 6, 15)) == {"sex": "male", "age": 56}
    unknown = Patient.model_validate({"resourceType": "Patient", "gender": "unknown"})
    assert patient_details(unknown) == {}
