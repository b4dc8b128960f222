"""Each answered finding as a FHIR ``Observation``, and nervepath Observations back to a case."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference

from nervepath.assessment.case import Case, parse_case, to_evidence
from nervepath.errors import CaseError
from nervepath.interop.codes import (
    BASE,
    DATA_ABSENT_REASON,
    FINDING_SYSTEM,
    OBSERVATION_CATEGORY,
    answer_coding,
    finding_display,
    laterality_extension,
)
from nervepath.interop.errors import FhirResourceError
from nervepath.interop.questionnaire import SEXES, region_of
from nervepath.knowledge.model import FindingInstance, KnowledgeBase

__all__ = [
    "BODY_SITE_SYSTEM",
    "case_from_observations",
    "finding_observation",
    "patient_details",
]

BODY_SITE_SYSTEM = f"{BASE}/CodeSystem/body-site"
"""Codes are body-map region ids (``first_web_space``) and ``lower_limb``; no side."""
_ASKED_UNKNOWN = Coding(
    system=DATA_ABSENT_REASON, code="asked-unknown", display="Asked But Unknown"
)


def _body_site(kb: KnowledgeBase, instance: FindingInstance) -> CodeableConcept | None:
    region = region_of(kb, instance.id)
    if region is not None:
        code, display = region.id, region.clinical_name
    elif instance.side is not None:
        code, display = "lower_limb", "Lower limb"
    else:
        return None
    side = instance.side
    return CodeableConcept(
        coding=[Coding(system=BODY_SITE_SYSTEM, code=code, display=display)],
        extension=[laterality_extension(side)] if side else None,
        text=f"{display} ({side})" if side else display,
    )


def finding_observation(
    kb: KnowledgeBase,
    name: str,
    value: str,
    *,
    resource_id: str | None = None,
    subject: Reference | None = None,
    derived_from: Reference | None = None,
    meta: Meta | None = None,
) -> Observation:
    """One answer (``value`` canonical: ``present``, ``4``, ``unknown``…) as an Observation.

    * ``code``: ``…/CodeSystem/finding#<instance name>`` (``numbness_first_web_space_left``),
      the clinical wording as display and the plain question as text;
    * ``category``: ``exam`` for examination findings, ``survey`` for symptoms and history;
    * ``bodySite``: the body-map region the finding is derived from (``…/CodeSystem/body-site``)
      or else ``lower_limb`` for a finding with a side; the side as a SNOMED CT laterality
      qualifier (7771000 left, 24028007 right) in an extension;
    * value: ``valueBoolean`` for a yes/no finding (present = true), ``valueCodeableConcept``
      with the grade for a graded one (``…/CodeSystem/mrc-grade#4``, ``reflex-grade#reduced``);
      ``unknown`` has no value but ``dataAbsentReason = asked-unknown``: asked, and not known;
    * ``derivedFrom``: the QuestionnaireResponse holding the answer.
    """
    instance = next(i for i in kb.finding_instances if i.name == name)
    finding = kb.findings[instance.id]
    category = "exam" if finding.category == "exam" else "survey"
    unknown = value == "unknown"
    return Observation(
        id=resource_id,
        meta=meta,
        status="final",
        category=[
            CodeableConcept(
                coding=[
                    Coding(system=OBSERVATION_CATEGORY, code=category, display=category.title())
                ]
            )
        ],
        code=CodeableConcept(
            coding=[Coding(system=FINDING_SYSTEM, code=name, display=finding_display(kb, name))],
            text=finding.question,
        ),
        subject=subject,
        derivedFrom=[derived_from] if derived_from else None,
        bodySite=_body_site(kb, instance),
        valueBoolean=(value == "present") if not unknown and not finding.graded else None,
        valueCodeableConcept=(
            CodeableConcept(coding=[answer_coding(kb, finding, value)])
            if finding.graded and not unknown
            else None
        ),
        dataAbsentReason=CodeableConcept(coding=[_ASKED_UNKNOWN]) if unknown else None,
    )


def case_from_observations(
    observations: Iterable[Observation],
    kb: KnowledgeBase,
    *,
    setting: str = "clinician",
    patient: Patient | None = None,
    today: date | None = None,
) -> Case:
    """The case that nervepath-coded Observations record (the inverse of the mapping above).

    Observations coded in other systems are not ours and are skipped, as are those
    ``entered-in-error`` or ``cancelled``; where one finding is observed more than once the
    later Observation wins. ``dataAbsentReason`` reads as ``unknown``. Age and sex come from
    ``patient`` (``birthDate`` on ``today``, ``gender``). Raises ``CaseError`` naming the
    Observation (``FhirResourceError`` when none is ours or one has no value).
    """
    answers: dict[str, str] = {}
    for obs in observations:
        if obs.status in ("entered-in-error", "cancelled"):
            continue
        coding = next((c for c in obs.code.coding or [] if c.system == FINDING_SYSTEM), None)
        if coding is None or coding.code is None:
            continue
        answers[str(coding.code)] = _value(obs, str(coding.code))
    if not answers:
        raise FhirResourceError(f"Observation: none is coded with {FINDING_SYSTEM}")
    try:
        case = parse_case(
            {"setting": setting, "patient": patient_details(patient, today), "answers": answers}
        )
        to_evidence(kb, case)
    except CaseError as exc:
        raise CaseError(f"Observation › {exc}") from None
    return case


def _value(obs: Observation, name: str) -> str:
    where = f"Observation/{obs.id}" if obs.id else f"Observation {name}"
    if obs.dataAbsentReason is not None:
        return "unknown"
    if obs.valueBoolean is not None:
        return "present" if obs.valueBoolean else "absent"
    if obs.valueCodeableConcept is not None and obs.valueCodeableConcept.coding:
        return str(obs.valueCodeableConcept.coding[0].code)
    if obs.valueInteger is not None:
        return str(obs.valueInteger)
    if obs.valueString is not None:
        return str(obs.valueString)
    raise FhirResourceError(
        f"{where} › value: expected valueBoolean, valueCodeableConcept, valueInteger, "
        "valueString or a dataAbsentReason"
    )


def patient_details(patient: Patient | None, today: date | None = None) -> dict[str, object]:
    """Age (whole years on ``today``) and sex of a FHIR Patient, as a case's ``patient``."""
    out: dict[str, object] = {}
    if patient is None:
        return out
    if patient.gender in SEXES:
        out["sex"] = patient.gender
    born = patient.birthDate
    if isinstance(born, date):
        on = today or date.today()
        out["age"] = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return out
