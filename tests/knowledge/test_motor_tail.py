"""The severe tail of a root's weakness: one root of a muscle that other roots also supply
rarely paralyses it; its own nerve, or its dominant root, can."""

from __future__ import annotations

import math

import pytest
from motor_support import site_alone

from nervepath.assessment.case import Case, Patient
from nervepath.assessment.service import Assessor
from nervepath.knowledge.model import KnowledgeBase


def _parents(kb: KnowledgeBase, instance: str) -> dict[str, tuple[float, ...]]:
    found = next(i for i in kb.finding_instances if i.name == instance)
    return {name: link.distribution for name, link in found.parents}


def _grade(kb: KnowledgeBase, field: str, grade: str) -> float:
    grades = getattr(kb.raw.derivation, field)
    return float(grades.value[grade])


def _odds(p: float) -> float:
    return p / (1.0 - p)


@pytest.fixture(scope="module")
def assessor(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


def _ratio(assessor: Assessor, answers: dict[str, str], target: str) -> float:
    def posterior(a: dict[str, str]) -> float:
        d = assessor.differential(Case(setting="clinician", patient=Patient(age=50), answers=a))
        return dict((*d.sites, *d.causes))[target]

    return _odds(posterior(answers)) / _odds(posterior({}))


def test_one_root_of_a_shared_muscle_gets_the_shared_tail(shipped_kb: KnowledgeBase) -> None:
    knee = _parents(shipped_kb, "strength_knee_extension_left")  # quadriceps: L3 and L4
    for root in ("l3_root_left", "l4_root_left"):
        assert knee[root][3] == _grade(shipped_kb, "motor_root_primary_shared", "2")
    ankle = _parents(shipped_kb, "strength_ankle_dorsiflexion_left")  # tibialis anterior
    assert ankle["l4_root_left"][3] == _grade(shipped_kb, "motor_root_primary_shared", "2")
    # L5 is the tibialis anterior's dominant root: dense foot drop keeps its full tail (part of
    # it through the root's dense motor lesion, derivation.yaml › myotome_pattern).
    l5 = site_alone(shipped_kb, "strength_ankle_dorsiflexion_left", "l5_root_left")
    assert math.isclose(l5[3], _grade(shipped_kb, "motor_root_primary", "2"))
    # Grade 4 is the same for a dominant and a shared root.
    assert math.isclose(ankle["l4_root_left"][1], l5[1])


def test_a_lesion_of_all_the_primary_roots_keeps_the_full_tail(shipped_kb: KnowledgeBase) -> None:
    toes = _parents(shipped_kb, "strength_toe_flexion_left")  # FHL and FDL: S1 and S2
    scale = shipped_kb.raw.derivation
    (cauda,) = (s for s in shipped_kb.raw.sites if s.id == "cauda_equina")
    factor = cauda.derived_scale.value if cauda.derived_scale is not None else 1.0
    assert math.isclose(toes["cauda_equina"][3], factor * scale.motor_root_primary.value["2"])
    assert toes["s1_root_left"][3] == _grade(shipped_kb, "motor_root_primary_shared", "2")


def test_paralysed_knee_extension_points_to_the_femoral_nerve(assessor: Assessor) -> None:
    """MRC 2 knee extension counts for the femoral nerve over one root of the quadriceps by its
    grade-2 link over the root's (about 12: an L4 radiculopathy, about ten times commoner, and a
    femoral neuropathy then come out near even); MRC 0 puts the femoral nerve first."""
    kb = assessor.kb
    weak = {"strength_knee_extension_left": "2"}
    femoral = _ratio(assessor, weak, "femoral_nerve_left")
    l4 = _ratio(assessor, weak, "l4_root_left")
    links = _parents(kb, "strength_knee_extension_left")
    expected = links["femoral_nerve_left"][3] / links["l4_root_left"][3]
    assert 0.67 * expected <= femoral / l4 <= 1.5 * expected
    assert femoral / l4 > 8.0  # 0.9 before the shared tail
    plegic = {"strength_knee_extension_left": "0"}
    d = assessor.differential(Case(setting="clinician", patient=Patient(age=50), answers=plegic))
    assert d.sites[0][0] == "femoral_nerve_left"


def test_dense_foot_drop_still_counts_for_l5_but_more_for_the_peroneal_nerve(
    assessor: Assessor,
) -> None:
    weak = {"strength_ankle_dorsiflexion_left": "0"}
    peroneal = _ratio(assessor, weak, "common_peroneal_nerve_left")
    l5 = _ratio(assessor, weak, "l5_root_left")
    l4 = _ratio(assessor, weak, "l4_root_left")
    assert peroneal > l5 > l4 > 1.0
