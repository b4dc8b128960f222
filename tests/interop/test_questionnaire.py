"""The Questionnaire: every finding instance of a setting once, worded for the setting."""

from __future__ import annotations

from collections import Counter

import pytest
from fhir.resources.R4B.questionnaire import Questionnaire, QuestionnaireItem

from nervepath.errors import CaseError
from nervepath.interop.codes import ANSWER_SYSTEM, KB_HASH_TAG, KB_VERSION_TAG, grade_system
from nervepath.interop.fhir import resource_json
from nervepath.interop.questionnaire import AGE_ITEM, SEX_ITEM, layout, questionnaire
from nervepath.knowledge.catalogue import findings_catalogue
from nervepath.knowledge.model import KnowledgeBase

SETTINGS = ("self_check", "clinician")


def _leaves(items: list[QuestionnaireItem] | None) -> list[QuestionnaireItem]:
    out: list[QuestionnaireItem] = []
    for item in items or []:
        out.extend(_leaves(item.item) if item.type == "group" else [item])
    return out


@pytest.fixture(scope="module", params=SETTINGS)
def built(request: pytest.FixtureRequest, shipped_kb: KnowledgeBase) -> tuple[str, Questionnaire]:
    return request.param, questionnaire(shipped_kb, setting=request.param)


def test_it_validates_after_a_json_round_trip(built: tuple[str, Questionnaire]) -> None:
    _, q = built
    again = Questionnaire.model_validate_json(resource_json(q))
    assert again == q


def test_every_finding_instance_of_the_setting_appears_exactly_once(
    built: tuple[str, Questionnaire], shipped_kb: KnowledgeBase
) -> None:
    setting, q = built
    links = Counter(i.linkId for i in _leaves(q.item) if i.linkId not in (AGE_ITEM, SEX_ITEM))
    expected = {row["id"] for row in findings_catalogue(shipped_kb, setting)}
    assert set(links) == expected
    assert max(links.values()) == 1


def test_the_self_check_has_no_examination_items(shipped_kb: KnowledgeBase) -> None:
    q = questionnaire(shipped_kb, setting="self_check")
    names = {i.linkId for i in _leaves(q.item)}
    assert "strength_ankle_dorsiflexion_left" not in names
    assert "numbness_first_web_space_left" in names


def test_text_is_plain_for_self_check_and_clinical_for_clinicians(
    shipped_kb: KnowledgeBase,
) -> None:
    finding = shipped_kb.findings["numbness_first_web_space"]
    texts = {
        s: next(
            i.text
            for i in _leaves(questionnaire(shipped_kb, setting=s).item)
            if i.linkId == "numbness_first_web_space_left"
        )
        for s in SETTINGS
    }
    assert texts["self_check"] == f"{finding.question} (left)"
    assert texts["clinician"] == f"{finding.clinician_text} (left)"


def test_answer_options_are_the_allowed_values_with_unknown_explicit(
    built: tuple[str, Questionnaire], shipped_kb: KnowledgeBase
) -> None:
    setting, q = built
    rows = {row["id"]: row for row in findings_catalogue(shipped_kb, setting)}
    for item in _leaves(q.item):
        if item.linkId in (AGE_ITEM, SEX_ITEM):
            continue
        assert item.type == "choice"
        codings = [o.valueCoding for o in item.answerOption or []]
        assert [c.code for c in codings if c] == rows[item.linkId]["values"]
        unknown = codings[-1]
        assert unknown is not None and (unknown.system, unknown.code) == (ANSWER_SYSTEM, "unknown")


def test_graded_findings_offer_their_grades_in_the_scale_system(
    shipped_kb: KnowledgeBase,
) -> None:
    leaves = {i.linkId: i for i in _leaves(questionnaire(shipped_kb, setting="clinician").item)}
    mrc = [o.valueCoding for o in leaves["strength_ankle_dorsiflexion_right"].answerOption or []]
    assert [(c.system, c.code) for c in mrc if c][:6] == [
        (grade_system("mrc"), g) for g in ("5", "4", "3", "2", "1", "0")
    ]
    reflex = [o.valueCoding for o in leaves["reflex_achilles_left"].answerOption or []]
    assert [c.code for c in reflex if c] == ["normal", "brisk", "reduced", "absent", "unknown"]


def test_it_carries_the_kb_version_and_hash(
    built: tuple[str, Questionnaire], shipped_kb: KnowledgeBase
) -> None:
    setting, q = built
    assert q.version == shipped_kb.version
    assert q.url and q.url.endswith(setting.replace("_", "-"))
    assert [(i.system, i.value) for i in q.identifier or []] == [
        (KB_HASH_TAG, shipped_kb.content_hash)
    ]
    tags = {(t.system, t.code) for t in (q.meta.tag if q.meta else None) or []}
    assert (KB_VERSION_TAG, shipped_kb.version) in tags
    assert (KB_HASH_TAG, shipped_kb.content_hash) in tags


def test_groups_follow_the_knowledge_base_categories(shipped_kb: KnowledgeBase) -> None:
    groups = {g.link_id: g for g in layout(shipped_kb, "clinician")}
    assert next(iter(groups)) == "group.red_flags"
    red = set(groups["group.red_flags"].instances())
    assert "numbness_saddle" in red and "new_bladder_dysfunction" in red
    assert {
        shipped_kb.findings[i.id].category
        for i in shipped_kb.finding_instances
        if i.name in groups["group.history"].members
    } == {"history"}
    body_map = {g.link_id for g in groups["group.body_map"].groups}
    assert "group.body_map.foot" in body_map
    assert (
        "numbness_first_web_space_left"
        in next(
            g for g in groups["group.body_map"].groups if g.link_id == "group.body_map.foot"
        ).members
    )
    exams = {g.link_id: g for g in groups["group.examination"].groups}
    assert "strength_knee_extension_left" in exams["group.examination.strength"].members
    assert "reflex_achilles_left" in exams["group.examination.reflexes"].members


def test_an_unknown_setting_is_a_case_error(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match="self_check or clinician"):
        questionnaire(shipped_kb, setting="doctor")
