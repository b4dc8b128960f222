"""The finding catalogue of one setting as a FHIR ``Questionnaire``, grouped by category."""

from __future__ import annotations

from dataclasses import dataclass

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
)

from nervepath.errors import CaseError
from nervepath.interop.codes import (
    ADMINISTRATIVE_GENDER,
    FINDING_SYSTEM,
    KB_HASH_TAG,
    SETTINGS,
    answer_coding,
    finding_display,
    questionnaire_url,
    stamp,
)
from nervepath.knowledge import schema
from nervepath.knowledge.catalogue import allowed_values
from nervepath.knowledge.model import FindingInstance, KnowledgeBase

__all__ = [
    "AGE_ITEM",
    "PATIENT_GROUP",
    "SEXES",
    "SEX_ITEM",
    "Group",
    "item_text",
    "layout",
    "questionnaire",
    "region_of",
]

AGE_ITEM = "patient.age"
SEX_ITEM = "patient.sex"
PATIENT_GROUP = "group.patient"
"""linkIds of the patient items; the dot keeps them apart from finding ids (snake_case)."""

SEXES = {"female": "Female", "male": "Male", "other": "Other"}
REGION_GROUPS = ("foot", "ankle", "leg", "knee", "thigh", "hip", "pelvis", "back")


@dataclass(frozen=True)
class Group:
    """A group item: its linkId (``group.…``), title, finding instances and sub-groups."""

    link_id: str
    title: str
    members: tuple[str, ...] = ()
    groups: tuple[Group, ...] = ()

    def instances(self) -> list[str]:
        """Every finding instance in this group and its sub-groups."""
        return [*self.members, *(n for g in self.groups for n in g.instances())]


def region_of(kb: KnowledgeBase, finding_id: str) -> schema.Region | None:
    """The body-map region a finding is derived from (``numbness × region heel``), if any."""
    derived = kb.findings[finding_id].derived_from or ""
    _, marker, region = derived.rpartition("region ")
    return next((r for r in kb.raw.anatomy.regions if r.id == region), None) if marker else None


def _region_group(kb: KnowledgeBase, instance: FindingInstance) -> str | None:
    region = region_of(kb, instance.id)
    return None if region is None else region.group


def _exam_group(kb: KnowledgeBase, instance: FindingInstance) -> str:
    derived = kb.findings[instance.id].derived_from or ""
    if derived.startswith("movement "):
        return "strength"
    if derived.startswith("reflex "):
        return "reflexes"
    return "sensation" if region_of(kb, instance.id) else "tests"


def layout(kb: KnowledgeBase, setting: str) -> tuple[Group, ...]:
    """The groups of the setting's questionnaire; each finding instance in exactly one.

    Red-flag findings (``kb.red_flag_findings``) come first whatever their category, as the
    interview asks them first; the rest follow the knowledge base's categories (history,
    symptom, exam), symptoms on the body map by the region's ``group`` and examination findings
    by what is tested (strength, reflexes, sensation, other tests). Empty groups are left out.
    """
    if setting not in SETTINGS:
        raise CaseError(f"setting: {setting!r} is not a setting; expected {' or '.join(SETTINGS)}")
    buckets: dict[str, list[str]] = {}
    for instance in kb.finding_instances:
        finding = kb.findings[instance.id]
        if setting not in finding.settings:
            continue
        if instance.id in kb.red_flag_findings:
            key = "red_flags"
        elif finding.category == "history":
            key = "history"
        elif finding.category == "exam":
            key = f"examination.{_exam_group(kb, instance)}"
        else:
            region = _region_group(kb, instance)
            key = f"body_map.{region}" if region else "symptoms"
        buckets.setdefault(key, []).append(instance.name)

    def group(key: str, title: str, parts: tuple[tuple[str, str], ...] = ()) -> Group:
        subs = tuple(group(f"{key}.{k}", t) for k, t in parts if f"{key}.{k}" in buckets)
        return Group(f"group.{key}", title, tuple(buckets.get(key, ())), subs)

    # Foot first, up the leg; a group the schema gains later still gets its place (last).
    order = dict.fromkeys([*REGION_GROUPS, *(r.group for r in kb.raw.anatomy.regions)])
    regions = tuple((g, g.capitalize()) for g in order)
    exams = (
        ("strength", "Muscle strength (MRC grade 5 to 0)"),
        ("reflexes", "Tendon reflexes"),
        ("sensation", "Sensation on examination"),
        ("tests", "Examination tests"),
    )
    groups = (
        group("red_flags", "Red flags (warning signs, asked first)"),
        group("history", "History"),
        group("body_map", "Symptoms on the body map", regions),
        group("symptoms", "Other symptoms"),
        group("examination", "Examination", exams),
    )
    return tuple(g for g in groups if g.instances())


def item_text(kb: KnowledgeBase, name: str, setting: str) -> str:
    """The question of a finding instance as the setting words it, with the side if any."""
    instance = next(i for i in kb.finding_instances if i.name == name)
    finding = kb.findings[instance.id]
    text = finding.question if setting == "self_check" else finding.clinician_text
    return text if instance.side is None else f"{text} ({instance.side})"


def _finding_item(kb: KnowledgeBase, name: str, setting: str) -> QuestionnaireItem:
    finding = kb.findings[next(i.id for i in kb.finding_instances if i.name == name)]
    return QuestionnaireItem(
        linkId=name,
        text=item_text(kb, name, setting),
        type="choice",
        code=[Coding(system=FINDING_SYSTEM, code=name, display=finding_display(kb, name))],
        answerOption=[
            QuestionnaireItemAnswerOption(valueCoding=answer_coding(kb, finding, value))
            for value in allowed_values(finding)
        ],
    )


def _group_item(kb: KnowledgeBase, group: Group, setting: str) -> QuestionnaireItem:
    return QuestionnaireItem(
        linkId=group.link_id,
        text=group.title,
        type="group",
        item=[
            *(_finding_item(kb, name, setting) for name in group.members),
            *(_group_item(kb, sub, setting) for sub in group.groups),
        ],
    )


def _patient_group() -> QuestionnaireItem:
    return QuestionnaireItem(
        linkId=PATIENT_GROUP,
        text="About the patient",
        type="group",
        item=[
            QuestionnaireItem(linkId=AGE_ITEM, text="Age (years)", type="integer"),
            QuestionnaireItem(
                linkId=SEX_ITEM,
                text="Sex",
                type="choice",
                answerOption=[
                    QuestionnaireItemAnswerOption(
                        valueCoding=Coding(system=ADMINISTRATIVE_GENDER, code=code, display=name)
                    )
                    for code, name in SEXES.items()
                ],
            ),
        ],
    )


def questionnaire(kb: KnowledgeBase, *, setting: str) -> Questionnaire:
    """Every finding instance asked in ``setting`` as a ``choice`` item.

    linkId and ``item.code`` are the instance name a case uses; text is the plain question for
    ``self_check`` and the clinical wording for ``clinician``, with the side in brackets. Yes/no
    findings offer present/absent, graded ones their grades (MRC 5…0, reflex normal…absent),
    and every item offers ``unknown`` explicitly. ``version`` is the knowledge-base version; its
    SHA-256 is an identifier and, with the version, a ``meta.tag``.
    """
    wording = "plain words" if setting == "self_check" else "clinical terms"
    return Questionnaire(
        id=f"nervepath-{setting.replace('_', '-')}",
        meta=stamp(kb.version, kb.content_hash),
        url=questionnaire_url(setting),
        identifier=[Identifier(system=KB_HASH_TAG, value=kb.content_hash)],
        version=kb.version,
        name=f"Nervepath{''.join(p.capitalize() for p in setting.split('_'))}",
        title=f"nervepath {setting.replace('_', '-')} questionnaire",
        status="active",
        subjectType=["Patient"],
        description=(
            f"Foot and leg symptoms, history and examination findings in {wording}; every "
            "answer may be 'unknown'. Items are nervepath finding ids (knowledge base "
            f"{kb.version}, sha256 {kb.content_hash})."
        ),
        item=[_patient_group(), *(_group_item(kb, g, setting) for g in layout(kb, setting))],
    )
