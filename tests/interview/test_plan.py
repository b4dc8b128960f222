"""The interview's static part is made once per knowledge base and setting, and an interview
rebuilt from its state at every step (as the web does) behaves as one kept in memory."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from nervepath.assessment.service import Assessor
from nervepath.interview import plan as plans
from nervepath.interview.machine import Interview
from nervepath.interview.state import StateCache
from nervepath.knowledge.model import KnowledgeBase

REPLIES = {
    "for_whom": ("me",),
    "age": ("51_to_70",),
    "sex": ("male",),
    "duration": ("2_to_12_weeks",),
    "onset": ("gradual",),
    "side": ("left",),
    "regions": ("lateral_leg", "dorsum_of_foot"),
    "feelings": ("pain", "numbness"),
    "warning_signs": ("none",),
}


@pytest.fixture(scope="module")
def shipped(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


def _reply(interview: Interview, turn: int) -> tuple[str, ...]:
    step = interview.step
    if step.kind in REPLIES:
        return REPLIES[step.kind]
    if step.kind == "emergency":
        return ("continue",)
    values = [o.value for o in step.options]
    return (values[turn % 3 == 0],)  # mostly the second answer, every third the first


def test_a_plan_is_made_once_and_is_what_making_it_gives(shipped_kb: KnowledgeBase) -> None:
    for setting in ("self_check", "clinician"):
        kept = plans.plan(shipped_kb, setting)
        assert plans.plan(shipped_kb, setting) is kept
        fresh = plans._make(shipped_kb, setting)
        for field in dataclasses.fields(kept):
            assert getattr(kept, field.name) == getattr(fresh, field.name), field.name
    assert plans.plan(shipped_kb, "clinician") is not plans.plan(shipped_kb, "self_check")


def test_the_plans_kept_are_bounded_and_never_another_knowledge_bases(
    tiny_kb: KnowledgeBase,
) -> None:
    copies = [dataclasses.replace(tiny_kb) for _ in range(plans.KEPT + 3)]
    made = [plans.plan(kb, "clinician") for kb in copies]
    assert len(plans._plans) <= plans.KEPT
    assert plans.plan(copies[-1], "clinician") is made[-1]
    assert plans.plan(copies[0], "clinician") is not made[0]  # made again, equal
    assert plans.plan(copies[0], "clinician").texts == made[0].texts


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_an_interview_rebuilt_at_every_step_asks_what_one_kept_asks(
    shipped: Assessor, setting: str
) -> None:
    kept = Interview(shipped, setting=setting)
    cache = StateCache[Any](64)  # as the web keeps the steps it computed
    kinds = []
    document = kept.state_document()
    for turn in range(40):
        rebuilt = Interview(shipped, setting=setting, state=document, cache=cache)
        assert rebuilt.step == kept.step, turn
        kinds.append(kept.step.kind)
        if kept.step.kind == "done":
            break
        reply = _reply(kept, turn)
        assert rebuilt.answer(*reply) == kept.answer(*reply)
        document = rebuilt.state_document()
        assert document == kept.state_document()
    assert kinds[-1] == "done" and kinds.count("question") >= 2, kinds
