"""Batch assessment: the same lines, in the same order, in one process or in workers."""

from __future__ import annotations

import json

import pytest

from nervepath.assessment import batch
from nervepath.assessment.batch import BatchLine, LineAssessor, assessed
from nervepath.assessment.case import parse_case
from nervepath.assessment.service import Assessor
from nervepath.knowledge.model import KnowledgeBase

ANSWERS = [
    {"numbness_dorsum_of_foot_left": "present"},
    {"numbness_heel_right": "present", "bladder_dysfunction": "absent"},
    {"straight_leg_raise_left": "present", "strength_great_toe_extension_left": "4"},
    {"difficulty_great_toe_extension_right": "present"},
    {"numbness_first_web_space_left": "present", "sensory_loss_heel_right": "absent"},
]


def _lines() -> list[bytes]:
    """Eleven cases with a blank line, bad JSON and an impossible answer among them."""
    lines = [
        json.dumps({"id": n, "setting": "clinician", "answers": ANSWERS[n % len(ANSWERS)]})
        for n in range(11)
    ]
    bad = {"id": "bad grade", "setting": "clinician", "answers": {"reflex_achilles_left": "9"}}
    lines[3] = json.dumps(bad)
    lines[6] = "{not json"
    lines.insert(8, "   ")
    return [line.encode() + b"\n" for line in lines]


def _run(assess: LineAssessor, jobs: int) -> list[BatchLine]:
    lines = _lines()
    with assessed(iter(lines), assess, jobs=jobs, expected=len(lines)) as results:
        return list(results)


@pytest.fixture(scope="module")
def assessor(tiny_kb: KnowledgeBase) -> Assessor:
    return Assessor(tiny_kb)


@pytest.mark.parametrize("posterior_only", [False, True])
def test_workers_give_the_same_lines_in_the_same_order(
    assessor: Assessor, posterior_only: bool
) -> None:
    assess = LineAssessor(assessor, posterior_only=posterior_only)
    alone = _run(assess, jobs=1)
    assert [r.line for r in alone] == [1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12]  # 9 is blank
    assert _run(assess, jobs=2) == alone
    assert _run(assess, jobs=3) == alone


def test_spawned_workers_give_the_same_lines(
    assessor: Assessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where there is no fork (Windows, macOS), each worker is sent the assessor."""
    assess = LineAssessor(assessor)
    monkeypatch.setattr(batch, "START_METHOD", "spawn")
    assert _run(assess, jobs=2) == _run(assess, jobs=1)


def test_a_bad_line_names_the_line_and_the_field(assessor: Assessor) -> None:
    errors = [r for r in _run(LineAssessor(assessor), jobs=2) if r.error is not None]
    assert [(r.line, r.id) for r in errors] == [(4, "bad grade"), (7, None)]
    assert "reflex_achilles_left" in str(errors[0].error) and "'9'" in str(errors[0].error)
    assert "not valid JSON" in str(errors[1].error)
    assert all(r.output is None for r in errors)


def test_posterior_only_has_the_full_assessments_numbers(assessor: Assessor) -> None:
    full = [r for r in _run(LineAssessor(assessor), jobs=1) if r.output]
    numbers = [r for r in _run(LineAssessor(assessor, posterior_only=True), jobs=1) if r.output]
    for a, b in zip(full, numbers, strict=True):
        whole, short = json.loads(str(a.output)), json.loads(str(b.output))
        assert set(short) == set(whole) - {"next_questions", "recommendations"}
        for key in ("id", "kb_version", "kb_hash", "setting", "answers", "urgency", "origin"):
            assert short[key] == whole[key], key
        assert [f["id"] for f in short["red_flags"]] == [f["id"] for f in whole["red_flags"]]
        for part in ("sites", "causes"):
            assert [(s["id"], s["side"], s["probability"]) for s in short[part]] == [
                (s["id"], s["side"], s["probability"]) for s in whole[part]
            ]


def test_the_output_is_the_services_document(assessor: Assessor) -> None:
    [first, *_] = _run(LineAssessor(assessor), jobs=2)
    case = {"setting": "clinician", "answers": ANSWERS[0]}
    expected = {"id": 0} | assessor.assess(parse_case(case)).to_dict()
    assert json.loads(str(first.output)) == json.loads(json.dumps(expected))
