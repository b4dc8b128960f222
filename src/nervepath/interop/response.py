"""A case as a FHIR ``QuestionnaireResponse`` and back again, with nothing lost on the way."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference

from nervepath.assessment.case import Case, parse_case, to_evidence
from nervepath.errors import CaseError
from nervepath.interop.codes import (
    ADMINISTRATIVE_GENDER,
    DATA_ABSENT_REASON,
    SETTINGS,
    answer_coding,
    questionnaire_url,
    setting_of_questionnaire,
    stamp,
)
from nervepath.interop.errors import FhirResourceError
from nervepath.interop.questionnaire import (
    AGE_ITEM,
    PATIENT_GROUP,
    SEX_ITEM,
    SEXES,
    Group,
    item_text,
    layout,
)
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["case_from_questionnaire_response", "questionnaire_response"]

WHERE = "QuestionnaireResponse"


def questionnaire_response(
    case: Case,
    kb: KnowledgeBase,
    *,
    resource_id: str | None = None,
    subject: Reference | None = None,
    meta: Meta | None = None,
) -> QuestionnaireResponse:
    """The answers of ``case`` against the questionnaire of its setting (status completed).

    Items keep the questionnaire's groups, so the response validates against it; only answered
    items appear, ``unknown`` included (coded ``…/CodeSystem/answer#unknown``). Patient age and
    sex are the ``patient.age`` / ``patient.sex`` items. Values are written in their canonical
    form (``"4"`` for an MRC grade given as ``4``), which is what comes back.

    Raises ``CaseError`` for an unknown id or value, or for a finding that the setting's
    questionnaire does not ask (a clinician examination finding in a self-check case).
    """
    to_evidence(kb, case)  # the case module's checks: unknown ids and values name the nearest
    groups = layout(kb, case.setting)
    asked = {name for group in groups for name in group.instances()}
    for name in case.answers:
        if name not in asked:
            raise CaseError(
                f"answers › {name}: not asked in the {case.setting} questionnaire "
                f"(a finding of the {' or '.join(s for s in SETTINGS if s != case.setting)} "
                "setting); change the setting or leave it out"
            )
    values = {name: str(raw).strip().lower() for name, raw in case.answers.items()}
    items = [_patient_item(case), *(_group_item(kb, g, values, case.setting) for g in groups)]
    return QuestionnaireResponse(
        id=resource_id,
        meta=meta or stamp(kb.version, kb.content_hash),
        questionnaire=f"{questionnaire_url(case.setting)}|{kb.version}",
        status="completed",
        subject=subject,
        item=[item for item in items if item is not None] or None,
    )


def _patient_item(case: Case) -> QuestionnaireResponseItem | None:
    answers = []
    if case.patient.age is not None:
        answer = QuestionnaireResponseItemAnswer(valueInteger=case.patient.age)
        answers.append(QuestionnaireResponseItem(linkId=AGE_ITEM, answer=[answer]))
    if case.patient.sex is not None:
        sex = Coding(
            system=ADMINISTRATIVE_GENDER, code=case.patient.sex, display=SEXES[case.patient.sex]
        )
        answer = QuestionnaireResponseItemAnswer(valueCoding=sex)
        answers.append(QuestionnaireResponseItem(linkId=SEX_ITEM, answer=[answer]))
    return QuestionnaireResponseItem(linkId=PATIENT_GROUP, item=answers) if answers else None


def _group_item(
    kb: KnowledgeBase, group: Group, values: dict[str, str], setting: str
) -> QuestionnaireResponseItem | None:
    children: list[QuestionnaireResponseItem] = []
    for name in group.members:
        if name in values:
            finding = kb.findings[next(i.id for i in kb.finding_instances if i.name == name)]
            answer = QuestionnaireResponseItemAnswer(
                valueCoding=answer_coding(kb, finding, values[name])
            )
            children.append(
                QuestionnaireResponseItem(
                    linkId=name, text=item_text(kb, name, setting), answer=[answer]
                )
            )
    for sub in group.groups:
        if (item := _group_item(kb, sub, values, setting)) is not None:
            children.append(item)
    if not children:
        return None
    return QuestionnaireResponseItem(linkId=group.link_id, text=group.title, item=children)


def case_from_questionnaire_response(qr: QuestionnaireResponse, kb: KnowledgeBase) -> Case:
    """The case a response records: the setting from its ``questionnaire``, the patient items,
    and every answered item (at any depth of groups) as a finding answer.

    Answers may be a ``valueCoding`` (its code; data-absent-reason codes read as ``unknown``),
    a ``valueBoolean`` (present/absent), a ``valueInteger`` or a ``valueString``. Raises
    ``CaseError`` (``FhirResourceError`` for FHIR shape problems) naming the item, with the
    nearest valid ids for an unknown linkId.
    """
    setting = setting_of_questionnaire(qr.questionnaire)
    if setting is None:
        expected = " or ".join(questionnaire_url(s) for s in SETTINGS)
        raise FhirResourceError(
            f"{WHERE} › questionnaire: found {qr.questionnaire!r}, expected {expected}"
        )
    patient: dict[str, Any] = {}
    answers: dict[str, str] = {}
    for item in _answered(qr.item or []):
        value = _value(item)
        if item.linkId == AGE_ITEM:
            patient["age"] = value
        elif item.linkId == SEX_ITEM:
            patient["sex"] = value
        elif item.linkId in answers:
            raise FhirResourceError(f"{WHERE} › item {item.linkId}: answered more than once")
        else:
            answers[str(item.linkId)] = str(value)
    try:
        case = parse_case({"setting": setting, "patient": patient, "answers": answers})
        to_evidence(kb, case)
    except CaseError as exc:
        raise CaseError(f"{WHERE} › {exc}") from None
    return case


def _answered(items: Sequence[QuestionnaireResponseItem]) -> Iterator[QuestionnaireResponseItem]:
    """Items with an answer, depth first; groups and items nested under answers are walked."""
    for item in items:
        if item.answer:
            yield item
            for answer in item.answer:
                yield from _answered(answer.item or [])
        yield from _answered(item.item or [])


def _value(item: QuestionnaireResponseItem) -> str | int:
    answers = item.answer or []
    if len(answers) != 1:
        raise FhirResourceError(
            f"{WHERE} › item {item.linkId}: expected one answer, found {len(answers)}"
        )
    answer = answers[0]
    if answer.valueCoding is not None:
        if answer.valueCoding.system == DATA_ABSENT_REASON:
            return "unknown"
        return str(answer.valueCoding.code)
    if answer.valueBoolean is not None:
        return "present" if answer.valueBoolean else "absent"
    if answer.valueInteger is not None:
        return int(answer.valueInteger)
    if answer.valueString is not None:
        return str(answer.valueString)
    raise FhirResourceError(
        f"{WHERE} › item {item.linkId}: expected a valueCoding, valueBoolean, valueInteger "
        "or valueString answer"
    )
