"""A case: the answers a person or clinician gave, checked against the finding catalogue.

    {"setting": "clinician", "patient": {"age": 52, "sex": "female"},
     "answers": {"numbness_first_web_space_left": "present",
                 "strength_ankle_dorsiflexion_left": "4", "fever": "absent",
                 "slump_test_left": "unknown"}}

A yes/no finding takes ``present`` / ``absent`` / ``unknown``; a graded finding one of its
grades or ``unknown``. ``unknown`` is the same as not answering. Some answers follow from
others: the patient's age and sex answer the age and sex findings, and symptoms reported in
one leg only answer "no" to an unanswered question about both legs (``bilateral_leg_symptoms``).
"""

from __future__ import annotations

from collections.abc import Mapping
from difflib import get_close_matches
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from nervepath.errors import CaseError
from nervepath.knowledge.catalogue import UNKNOWN, allowed_values
from nervepath.knowledge.model import FindingInstance, KnowledgeBase
from nervepath.knowledge.sides import instance_name

__all__ = ["Case", "Patient", "parse_case", "to_evidence"]


def _not_a_bool(value: object) -> object:
    # JSON true would otherwise be read as age 1; a form's "52" is still an age.
    if isinstance(value, bool):
        raise ValueError("expected a whole number of years, not true or false")
    return value


class Patient(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    age: Annotated[int, BeforeValidator(_not_a_bool), Field(ge=0, le=120)] | None = None
    sex: Literal["female", "male", "other"] | None = None


class Case(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    setting: Literal["self_check", "clinician"] = "self_check"
    patient: Patient = Patient()
    answers: dict[str, str | int] = {}


def parse_case(data: object) -> Case:
    """Validate a decoded JSON document as a case; errors name the field."""
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "case"
        raise CaseError(f"case › {field}: {first['msg']}") from None


def to_evidence(kb: KnowledgeBase, case: Case, *, one_leg: bool = True) -> dict[str, str]:
    """Known answers as ``{finding instance: state}``; unknown ids or values are errors.
    ``one_leg=False`` leaves out the answers that symptoms in one leg imply about both legs
    (a published likelihood ratio is the finding's alone, calibration.py)."""
    instances = kb.finding_instances_by_name
    evidence: dict[str, str] = {}
    for name, raw in case.answers.items():
        instance = instances.get(name)
        if instance is None:
            near = get_close_matches(name, list(instances), n=3, cutoff=0.6)
            hint = f"; nearest valid ids: {', '.join(near)}" if near else ""
            raise CaseError(f"answers › {name}: no finding has this id{hint}")
        finding = kb.findings[instance.id]
        value = str(raw).strip().lower()
        allowed = allowed_values(finding)
        if value not in allowed:
            raise CaseError(
                f"answers › {name}: {raw!r} is not an allowed value; expected one of "
                f"{', '.join(allowed)}"
            )
        if value == UNKNOWN:
            continue
        evidence[name] = value
    evidence = _one_fact_once(kb, instances, evidence)
    if one_leg:
        evidence |= _one_leg_answers(kb, instances, evidence)
    return evidence | _patient_answers(kb, case, evidence)


def _one_leg_answers(
    kb: KnowledgeBase, instances: Mapping[str, FindingInstance], evidence: Mapping[str, str]
) -> dict[str, str]:
    """Symptoms reported in one leg only answer "no" to the unanswered questions about both
    legs (``bilateral_leg_symptoms``), as marking one leg on the self-check body map does: a
    midline site (polyneuropathy, stenosis) then meets the one-sidedness instead of taking a
    one-sided symptom's full credit while the other leg goes unasked."""
    sides = {
        instances[name].side
        for name, value in evidence.items()
        if value == "present"
        and instances[name].side is not None
        and kb.findings[instances[name].id].category == "symptom"
    }
    if len(sides) != 1:
        return {}
    return {
        f.id: "absent" for f in kb.raw.findings if f.one_leg_answers_no and f.id not in evidence
    }


def _one_fact_once(
    kb: KnowledgeBase, instances: Mapping[str, FindingInstance], evidence: dict[str, str]
) -> dict[str, str]:
    """Read a same-question finding's answer as its twin's (``pain_lower_back`` is
    ``back_pain``), so that one fact moves the posterior once."""
    twins = {
        name: instance_name(kb.same_questions[instances[name].id], instances[name].side)
        for name in evidence
        if instances[name].id in kb.same_questions
    }
    out = {name: value for name, value in evidence.items() if name not in twins}
    for name, twin in twins.items():
        if out.setdefault(twin, evidence[name]) != evidence[name]:
            raise CaseError(
                f"answers › {name}: {evidence[name]!r} contradicts {twin} {out[twin]!r}; they "
                "ask the same question"
            )
    return out


def _patient_answers(kb: KnowledgeBase, case: Case, answered: dict[str, str]) -> dict[str, str]:
    """Answer the findings the patient's age or sex decides (``age_over_70``, ``sex_female``…);
    an explicit answer that contradicts them, or a finding only the other sex can have
    (pregnancy), is an error."""
    patient = case.patient
    out: dict[str, str] = {}
    for finding in kb.raw.findings:
        given = answered.get(finding.id)
        if given == "present" and not finding.possible_for(patient.sex):
            raise CaseError(
                f"answers › {finding.id}: 'present' contradicts patient › sex {patient.sex}; "
                f"only a {finding.only_sex} patient can have it"
            )
        expected = finding.patient_state(patient.age, patient.sex)
        if expected is None:
            continue
        if given is not None and given != expected:
            basis = f"age {patient.age}" if finding.age_band is not None else f"sex {patient.sex}"
            raise CaseError(
                f"answers › {finding.id}: {given!r} contradicts patient › {basis}; "
                f"expected {expected!r} or leave it out"
            )
        out[finding.id] = expected
    _one_sex(kb, answered | out)
    return out


def _one_sex(kb: KnowledgeBase, evidence: Mapping[str, str]) -> None:
    """Sex findings of two sexes both present (``sex_female`` and ``sex_male``) are refused,
    as they would be against the patient's sex when it is given."""
    present = {
        f.sex: f.id
        for f in kb.raw.findings
        if f.sex is not None and evidence.get(f.id) == "present"
    }
    if len(present) > 1:
        first, second = sorted(present.values())
        raise CaseError(f"answers › {second}: 'present' contradicts {first} 'present'")
