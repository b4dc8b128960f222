"""Clinical vignettes as a conformance suite: the shipped knowledge base against textbook cases.

``tests/vignettes/vignettes.jsonl`` holds labelled cases written from textbook presentations and
published case descriptions (each line cites its source). They are scored with the light
differential path (``Assessor.differential``), so the whole file runs in seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nervepath.assessment.service import Assessor
from nervepath.evaluation.evaluate import (
    EvaluationReport,
    LabelledCase,
    evaluate,
)
from nervepath.evaluation.labelled import load_labelled_cases
from nervepath.knowledge.model import SIDES, KnowledgeBase

VIGNETTES = Path(__file__).parents[1] / "vignettes" / "vignettes.jsonl"
MIN_TOP3 = 0.90
MIN_ORIGIN = 0.90
# A case showing any of these is a suspected cauda equina syndrome and must be labelled emergency.
CES_FEATURES = (
    "numbness_saddle",
    "pins_and_needles_saddle",
    "tingling_saddle",
    "sensory_loss_saddle",
    "new_bladder_dysfunction",
    "new_bowel_incontinence",
    "reduced_anal_tone",
)


@pytest.fixture(scope="module")
def vignettes(shipped_kb: KnowledgeBase) -> tuple[LabelledCase, ...]:
    return load_labelled_cases(VIGNETTES, kb=shipped_kb)


@pytest.fixture(scope="module")
def report(shipped_kb: KnowledgeBase, vignettes: tuple[LabelledCase, ...]) -> EvaluationReport:
    return evaluate(Assessor(shipped_kb), vignettes)


def _misses(report: EvaluationReport) -> str:
    return "; ".join(
        f"{r.id}: expected {r.expected.site} ({r.expected.side}), got "
        + ", ".join(f"{name} {p:.2f}" for name, p in r.top_sites)
        for r in report.results
        if not r.top3
    )


def test_file_is_well_formed(shipped_kb: KnowledgeBase) -> None:
    lines = [json.loads(line) for line in VIGNETTES.read_text(encoding="utf-8").splitlines()]
    assert len(lines) >= 64
    references = shipped_kb.references
    finding_of = {i.name: i.id for i in shipped_kb.finding_instances}
    for v in lines:
        setting = v["case"]["setting"]
        foreign = [
            name
            for name in v["case"]["answers"]
            if setting not in shipped_kb.findings[finding_of[name]].settings
        ]
        assert foreign == [], f"{v['id']}: not asked in the {setting} setting"
        assert v["source"]["ref"] in references, f"{v['id']}: unknown reference"
        assert v["source"]["locator"].strip(), f"{v['id']}: no locator"
        assert v["description"].strip().endswith("."), f"{v['id']}: description"
        assert 5 <= len(v["case"]["answers"]) <= 20, f"{v['id']}: 5–20 answers expected"


def test_every_site_is_an_expected_site(
    shipped_kb: KnowledgeBase, vignettes: tuple[LabelledCase, ...]
) -> None:
    expected = {v.expected.site for v in vignettes}
    assert sorted(set(shipped_kb.sites) - expected) == []


def test_both_sides_are_expected(vignettes: tuple[LabelledCase, ...]) -> None:
    assert {v.expected.side for v in vignettes} >= set(SIDES)


def test_suspected_cauda_equina_is_labelled_emergency(vignettes: tuple[LabelledCase, ...]) -> None:
    wrong = [
        v.id
        for v in vignettes
        if (
            v.expected.site == "cauda_equina"
            or any(v.case.answers.get(f) == "present" for f in CES_FEATURES)
        )
        and v.expected.urgency != "emergency"
    ]
    assert wrong == []


def test_top3_site_accuracy(report: EvaluationReport) -> None:
    assert report.top3_accuracy >= MIN_TOP3, f"top-3 {report.top3_accuracy:.3f}; {_misses(report)}"


def test_origin_accuracy(report: EvaluationReport) -> None:
    wrong = [f"{r.id}: {r.origin}" for r in report.results if not r.origin_correct]
    assert report.origin_accuracy >= MIN_ORIGIN, f"origin {report.origin_accuracy:.3f}; {wrong}"


def test_no_emergency_is_under_triaged(report: EvaluationReport) -> None:
    missed = report.triage.under_triaged_emergencies
    assert missed == (), f"emergencies assessed below emergency: {', '.join(missed)}"
