"""The code systems, identifiers and stamps shared by every FHIR resource nervepath writes."""

from __future__ import annotations

import hashlib
import json
import uuid
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.reference import Reference

from nervepath.knowledge.derive import FindingDef
from nervepath.knowledge.model import KnowledgeBase

__all__ = [
    "ADMINISTRATIVE_GENDER",
    "ANSWER_SYSTEM",
    "BASE",
    "DATA_ABSENT_REASON",
    "FINDING_SYSTEM",
    "KB_HASH_TAG",
    "KB_VERSION_TAG",
    "LATERALITY",
    "LATERALITY_EXTENSION",
    "OBSERVATION_CATEGORY",
    "SETTINGS",
    "SITE_SYSTEM",
    "SNOMED",
    "URGENCY_EXTENSION",
    "URGENCY_SYSTEM",
    "Ids",
    "answer_coding",
    "finding_display",
    "grade_system",
    "laterality_extension",
    "questionnaire_url",
    "setting_of_questionnaire",
    "site_display",
    "stamp",
    "urgency_coding",
]

# nervepath's own concepts (findings, sites, answers, grades, urgency) have no agreed SNOMED CT
# or LOINC codes, so they are coded in nervepath CodeSystems whose codes are the knowledge base's
# stable ids. External codes are used only where their meaning is certain: SNOMED CT laterality,
# data-absent-reason, observation category and administrative gender.
BASE = "https://nervepath.org/fhir"
FINDING_SYSTEM = f"{BASE}/CodeSystem/finding"
"""Codes are finding instance names (``numbness_first_web_space_left``), as in a case."""
SITE_SYSTEM = f"{BASE}/CodeSystem/site"
"""Codes are site instance names (``l5_root_left``, ``cauda_equina``)."""
ANSWER_SYSTEM = f"{BASE}/CodeSystem/answer"
"""``present`` / ``absent`` / ``unknown``: the answers of a yes/no finding (and unknown)."""
URGENCY_SYSTEM = f"{BASE}/CodeSystem/urgency"
KB_VERSION_TAG = f"{BASE}/CodeSystem/kb-version"
KB_HASH_TAG = f"{BASE}/CodeSystem/kb-hash"
LATERALITY_EXTENSION = f"{BASE}/StructureDefinition/laterality"
URGENCY_EXTENSION = f"{BASE}/StructureDefinition/urgency"

SNOMED = "http://snomed.info/sct"
LATERALITY = {"left": ("7771000", "Left"), "right": ("24028007", "Right")}
"""SNOMED CT laterality qualifier values (the FHIR bodysite-laterality value set)."""
DATA_ABSENT_REASON = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ADMINISTRATIVE_GENDER = "http://hl7.org/fhir/administrative-gender"

SETTINGS = ("self_check", "clinician")
_ANSWER_DISPLAY = {"present": "Present", "absent": "Absent", "unknown": "Unknown"}
_URGENCY_DISPLAY = {
    "emergency": "Emergency: same day, emergency department",
    "urgent": "Urgent: within days",
    "routine": "Routine: within weeks",
    "self_care": "Self-care",
}
_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, BASE)


def grade_system(scale_id: str) -> str:
    """The CodeSystem of one grade scale: ``…/CodeSystem/mrc-grade`` (codes ``5`` … ``0``)."""
    return f"{BASE}/CodeSystem/{scale_id.replace('_', '-')}-grade"


def questionnaire_url(setting: str) -> str:
    """One Questionnaire per setting: ``…/Questionnaire/nervepath-self-check``."""
    return f"{BASE}/Questionnaire/nervepath-{setting.replace('_', '-')}"


def setting_of_questionnaire(canonical: str | None) -> str | None:
    """The setting a Questionnaire canonical (``url|version`` or ``url``) stands for."""
    url = (canonical or "").split("|", 1)[0]
    return next((s for s in SETTINGS if questionnaire_url(s) == url), None)


def stamp(kb_version: str, kb_hash: str) -> Meta:
    """The knowledge-base version and SHA-256 as ``meta.tag``: what reproduces the resource."""
    return Meta(
        tag=[
            Coding(system=KB_VERSION_TAG, code=kb_version, display="nervepath knowledge base"),
            Coding(system=KB_HASH_TAG, code=kb_hash, display="SHA-256 of the knowledge base"),
        ]
    )


def finding_display(kb: KnowledgeBase, name: str) -> str:
    """Clinical words for a finding instance: ``Numbness: First dorsal web space (left)``."""
    instance = next(i for i in kb.finding_instances if i.name == name)
    text = kb.findings[instance.id].clinician_text
    return text if instance.side is None else f"{text} ({instance.side})"


def site_display(name: str, side: str | None) -> str:
    return name if side is None else f"{name} ({side})"


def answer_coding(kb: KnowledgeBase, finding: FindingDef, value: str) -> Coding:
    """The coding of one allowed value: a grade in its scale's system, else present/absent,
    and ``unknown`` always in the answer system (so it reads the same for every finding)."""
    if finding.graded and value != "unknown":
        scale = next(s for s in kb.raw.derivation.scales if tuple(s.grades) == finding.states)
        return Coding(system=grade_system(scale.id), code=value, display=f"{scale.name} {value}")
    return Coding(system=ANSWER_SYSTEM, code=value, display=_ANSWER_DISPLAY[value])


def urgency_coding(urgency: str) -> Coding:
    return Coding(system=URGENCY_SYSTEM, code=urgency, display=_URGENCY_DISPLAY[urgency])


def laterality_extension(side: str) -> Extension:
    """The side of a body site as a SNOMED CT laterality qualifier.

    R4 has no element for laterality; this extension carries it beside a body-site code that
    has no side, as the DSTU1 ``observation-laterality`` extension did.
    """
    code, display = LATERALITY[side]
    return Extension(
        url=LATERALITY_EXTENSION,
        valueCodeableConcept=CodeableConcept(
            coding=[Coding(system=SNOMED, code=code, display=display)]
        ),
    )


class Ids:
    """Deterministic ``urn:uuid:`` identities: the same seed always gives the same bundle."""

    def __init__(self, seed: str) -> None:
        self.seed = seed

    @classmethod
    def of_content(cls, content: Any) -> Ids:
        """Seeded by the SHA-256 of a JSON-able value (the case and the knowledge base)."""
        text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return cls(hashlib.sha256(text.encode()).hexdigest())

    def uuid(self, key: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, f"{self.seed}/{key}"))

    def url(self, key: str) -> str:
        return f"urn:uuid:{self.uuid(key)}"

    def reference(self, key: str, display: str | None = None) -> Reference:
        return Reference(reference=self.url(key), display=display)
