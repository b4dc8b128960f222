"""The patient's sex answers the sex findings (``sex_female``, ``sex_male``): a cause seen
mostly in one sex gains in that sex, "other" or no sex changes nothing, a contradicting answer
is refused, and the interview never asks them."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError
from sites_support import probability, ranked_sites

import nervepath
from nervepath.assessment.case import parse_case, to_evidence
from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError
from nervepath.interview.start import start_answers
from nervepath.knowledge.catalogue import findings_catalogue
from nervepath.knowledge.model import load_knowledge_base

KB = load_knowledge_base()
SEX_FINDINGS = {f.id for f in KB.raw.findings if f.sex is not None}
LATERAL_HIP = {"pain_lateral_hip_left": "present"}
# Inflammatory back pain in a young adult: the axial SpA picture.
INFLAMMATORY = {
    "back_pain": "present",
    "morning_stiffness_over_30_min": "present",
    "improves_with_exercise": "present",
}


def _cause(answers: dict[str, str], **patient: Any) -> float:
    case = {"setting": "clinician", "answers": answers, "patient": patient}
    causes = nervepath.assess(case).causes
    return next(c.probability for c in causes if c.id == "axial_spondyloarthritis")


def test_the_two_sex_findings_exist_and_are_in_no_setting() -> None:
    assert {"sex_female", "sex_male"} == SEX_FINDINGS
    assert all(not KB.findings[f].settings for f in SEX_FINDINGS)


def test_a_woman_with_lateral_hip_pain_is_likelier_to_have_gtps_than_a_man() -> None:
    woman = probability(
        ranked_sites(LATERAL_HIP, age=55, sex="female"), "greater_trochanter", "left"
    )
    man = probability(ranked_sites(LATERAL_HIP, age=55, sex="male"), "greater_trochanter", "left")
    assert woman > man * 1.3


def test_a_man_with_inflammatory_back_pain_is_likelier_to_have_axial_spa_than_a_woman() -> None:
    assert _cause(INFLAMMATORY, age=30, sex="male") > _cause(INFLAMMATORY, age=30, sex="female")


@pytest.mark.parametrize("sex", ["other", None])
def test_sex_other_or_not_given_changes_nothing(sex: str | None) -> None:
    plain = ranked_sites(LATERAL_HIP, age=55)
    assert ranked_sites(LATERAL_HIP, age=55, sex=sex) == plain


def test_the_sex_answers_the_sex_findings() -> None:
    case = parse_case({"patient": {"sex": "female"}, "answers": {}})
    evidence = to_evidence(KB, case)
    assert evidence["sex_female"] == "present"
    assert evidence["sex_male"] == "absent"


def test_a_contradicting_sex_answer_is_refused_naming_the_field() -> None:
    case = parse_case({"patient": {"sex": "male"}, "answers": {"sex_female": "present"}})
    with pytest.raises(CaseError, match=r"answers › sex_female: .*contradicts patient › sex male"):
        to_evidence(KB, case)


@pytest.mark.parametrize("patient", [{}, {"sex": "other"}])
def test_both_sexes_present_is_refused_without_a_sex_to_check_against(
    patient: dict[str, str],
) -> None:
    answers = {"sex_female": "present", "sex_male": "present"}
    case = parse_case({"patient": patient, "answers": answers})
    with pytest.raises(CaseError, match=r"answers › sex_male: .*contradicts sex_female"):
        to_evidence(KB, case)
    one = parse_case({"patient": patient, "answers": {"sex_female": "present"}})
    assert to_evidence(KB, one) == {"sex_female": "present"}


@pytest.mark.parametrize("sex", ["female", "other", None])
def test_pregnancy_is_refused_for_a_man_only(sex: str | None) -> None:
    pregnant = {"pregnant_or_recent_birth": "present"}
    man = parse_case({"patient": {"sex": "male"}, "answers": pregnant})
    with pytest.raises(CaseError, match=r"answers › pregnant_or_recent_birth: .*sex male"):
        to_evidence(KB, man)
    patient = {"sex": sex} if sex else {}
    evidence = to_evidence(KB, parse_case({"patient": patient, "answers": pregnant}))
    assert evidence["pregnant_or_recent_birth"] == "present"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"age_band": {"at_least": 50}}, "not both"),
        ({"lateral": True}, "not lateral"),
        ({"settings": ["clinician"]}, "settings: \\[\\]"),
    ],
)
def test_a_sex_finding_is_one_yes_no_fact_about_the_patient(
    extra: dict[str, Any], message: str
) -> None:
    finding = next(f for f in KB.raw.findings if f.id == "sex_female")
    data = finding.model_dump(exclude_none=True) | extra
    with pytest.raises(ValidationError, match=message):
        type(finding).model_validate(data)


def test_the_self_check_start_answers_them_only_for_female_or_male() -> None:
    assert start_answers(KB, {"sex": "male"}) == {"sex_female": "absent", "sex_male": "present"}
    assert start_answers(KB, {"sex": "other"}) == {}
    assert start_answers(KB, {"sex": "unknown"}) == {}


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_no_form_or_catalogue_of_a_setting_offers_them(setting: str) -> None:
    assert not SEX_FINDINGS & {r["finding"] for r in findings_catalogue(KB, setting)}


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_the_interview_never_asks_them(setting: str) -> None:
    assert not SEX_FINDINGS & set(Assessor(KB).candidates(setting, {}))
