"""One fact counts once: a derived finding that asks a hand-written one's question shares its
answers (derivation.yaml › same_questions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervepath.assessment.case import Case, to_evidence
from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError, KnowledgeBaseError
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base


def _add(root: Path, text: str) -> None:
    path = root / "derivation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_the_lower_back_on_the_body_map_is_the_back_pain_question(
    shipped_kb: KnowledgeBase,
) -> None:
    marked = Case(setting="self_check", answers={"pain_lower_back": "present"})
    both = Case(
        setting="self_check", answers={"pain_lower_back": "present", "back_pain": "present"}
    )
    asked = Case(setting="self_check", answers={"back_pain": "present"})
    assert to_evidence(shipped_kb, marked) == {"back_pain": "present"}
    assessor = Assessor(shipped_kb)
    # Entered twice or once, the same fact gives the same posteriors.
    assert assessor.differential(both).sites == assessor.differential(asked).sites
    assert assessor.differential(marked).sites == assessor.differential(asked).sites


def test_contradicting_twins_are_refused_with_both_names(shipped_kb: KnowledgeBase) -> None:
    case = Case(answers={"back_pain": "absent", "pain_lower_back": "present"})
    with pytest.raises(CaseError, match="pain_lower_back: 'present' contradicts back_pain"):
        to_evidence(shipped_kb, case)


def test_a_valid_pair_moves_the_answer(kb_copy: Path) -> None:
    _add(
        kb_copy,
        "same_questions:\n"
        "  - {finding: numbness_heel, same_as: straight_leg_raise,"
        " rationale: 'fixture: two wordings of one question, on each leg'}\n",
    )
    kb = load_knowledge_base(kb_copy)
    evidence = to_evidence(kb, Case(answers={"numbness_heel_left": "present"}))
    assert evidence == {"straight_leg_raise_left": "present"}


def test_a_wrong_pair_is_reported(kb_copy: Path) -> None:
    _add(
        kb_copy,
        "same_questions:\n"
        "  - {finding: straight_leg_raise, same_as: bladder_dysfunction,"
        " rationale: 'fixture: a hand-written finding is not derived'}\n"
        "  - {finding: numbness_heel, same_as: bladder_dysfunction,"
        " rationale: 'fixture: one leg against the whole person'}\n"
        "  - {finding: numbness_saddle, same_as: numbness_heel,"
        " rationale: 'fixture: the twin must be hand-written'}\n",
    )
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(kb_copy)
    problems = "\n".join(caught.value.problems)
    assert "same_questions › straight_leg_raise: expected a derived finding" in problems
    assert "same_questions › straight_leg_raise: found hand links to it" in problems
    assert "same_questions › numbness_heel: expected the same sides and values" in problems
    assert "same_questions › numbness_saddle › same_as: expected a hand-written finding" in problems
