"""A part of the leg examined without a finer place ("reduced sensation in the left foot"):
exactly the OR of its regions under exact inference, and it moves the sites that supply it."""

from __future__ import annotations

import pytest
from sites_support import probability as _p
from sites_support import ranked_sites as _sites

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessor
from nervepath.knowledge.model import KnowledgeBase


def _posteriors(assessor: Assessor, answers: dict[str, str]) -> dict[str, float]:
    return dict(assessor.differential(Case(setting="clinician", answers=answers)).sites)


def test_a_part_found_is_exactly_not_all_its_regions_normal(shipped_kb: KnowledgeBase) -> None:
    """P(site | part) = (P(site) − e·P(site | all regions normal)) / (1 − e), e = P(all normal):
    e solved from one site must give every other site's posterior too."""
    assessor = Assessor(shipped_kb)
    raw = shipped_kb.raw
    group = next(g for g in raw.derivation.region_groups if g.id == "foot")
    regions = [r.id for r in raw.anatomy.regions if r.lateral and r.group in group.groups]
    prior = _posteriors(assessor, {})
    normal = _posteriors(assessor, {f"sensory_loss_{r}_left": "absent" for r in regions})
    part = _posteriors(assessor, {"sensory_loss_foot_left": "present"})
    first = "l5_root_left"
    e = (prior[first] - part[first]) / (normal[first] - part[first])
    assert 0 < e < 1
    others = ("s1_root_left", "common_peroneal_nerve_left", "femoral_nerve_left", "l3_root_left")
    for site in others:
        expected = (prior[site] - e * normal[site]) / (1 - e)
        assert part[site] == pytest.approx(expected, rel=1e-6)


def test_reduced_sensation_in_the_foot_favours_a_root_that_supplies_it() -> None:
    pain = {"pain_posterior_thigh_left": "present", "pain_calf_left": "present"}
    before = _sites(pain, age=45)
    after = _sites(pain | {"sensory_loss_foot_left": "present"}, age=45)
    gain = {s: _p(after, s, "left") / _p(before, s, "left") for s in ("s1_root", "l3_root")}
    # The L3 root supplies no foot region; it gains only as sites outside the nerves (which
    # cannot numb the foot) lose, clearly less than S1. (Since the hip joint's lower-leg links
    # were sourced in knowledge base 0.1.10, L3 gains ×1.36 and S1 ×1.88.)
    assert gain["s1_root"] > 1.5 and gain["s1_root"] > 1.3 * gain["l3_root"]


def test_weakness_of_the_thigh_favours_its_motor_nerve_not_its_sensory_one() -> None:
    pain = {"pain_anterior_thigh_left": "present"}
    before = _sites(pain, age=55)
    after = _sites(pain | {"motor_weakness_thigh_left": "present"}, age=55)
    sites = ("femoral_nerve", "lateral_femoral_cutaneous_nerve")
    gain = {s: _p(after, s, "left") / _p(before, s, "left") for s in sites}
    assert gain["femoral_nerve"] > 2
    assert gain["lateral_femoral_cutaneous_nerve"] == pytest.approx(1.0, abs=0.05)
