"""Cases shared by the interop tests: a widened L5 example and a cauda equina presentation."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nervepath.assessment.case import Case, parse_case
from nervepath.assessment.service import Assessment, Assessor
from nervepath.knowledge.model import KnowledgeBase

EXAMPLE = Path(__file__).parents[2] / "examples" / "l5_radiculopathy.json"

CAUDA_EQUINA: dict[str, Any] = {
    # Bilateral leg symptoms with saddle numbness and new bladder retention: the suspected-CES
    # presentation of the GIRFT pathway (red-flag findings of knowledge/data/triage.yaml).
    "setting": "clinician",
    "patient": {"age": 44, "sex": "female"},
    "answers": {
        "back_pain": "present",
        "bilateral_leg_symptoms": "present",
        "numbness_saddle": "present",
        "new_bladder_dysfunction": "present",
        "pain_calf_left": "present",
        "pain_calf_right": "present",
    },
}


def l5_document() -> dict[str, Any]:
    """The shipped example with a grade, a reflex, an unknown and a right-sided answer added."""
    doc: dict[str, Any] = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["answers"] |= {
        "reflex_achilles_left": "reduced",
        "strength_ankle_dorsiflexion_left": "4",
        "slump_test_left": "unknown",
        "straight_leg_raise_right": "absent",
    }
    return doc


@pytest.fixture(scope="session")
def assessor(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


@pytest.fixture(scope="session")
def l5_case() -> Case:
    return parse_case(l5_document())


@pytest.fixture(scope="session")
def l5_assessment(assessor: Assessor, l5_case: Case) -> Assessment:
    return assessor.assess(l5_case)


@pytest.fixture(scope="session")
def ces_case() -> Case:
    return parse_case(CAUDA_EQUINA)


@pytest.fixture(scope="session")
def ces_assessment(assessor: Assessor, ces_case: Case) -> Assessment:
    return assessor.assess(ces_case)
