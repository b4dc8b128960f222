"""Lumbar MRI results a clinician brings (findings/imaging.yaml, issue #14 item 3): root
compression on one side and at one level points to that root on that side; a normal MRI (every
compression finding absent) counts against the roots and the canal and leaves a peripheral nerve
alone."""

from __future__ import annotations

import pytest
from sites_support import probability as _p
from sites_support import ranked_sites as _sites

from nervepath.knowledge.loader import read_knowledge_base

SCIATICA_LEFT = {"pain_posterior_thigh_left": "present", "pain_calf_left": "present"}
ROOTS = ("l3", "l4", "l5", "s1")
NORMAL_MRI = {f"mri_root_compression_{r}_{s}": "absent" for r in ROOTS for s in ("left", "right")}
NORMAL_MRI |= {"mri_central_stenosis": "absent"}


def test_mri_findings_are_asked_of_a_clinician_only() -> None:
    ids = {f"mri_root_compression_{r}" for r in ROOTS} | {"mri_central_stenosis"}
    mri = [f for f in read_knowledge_base().findings if f.id in ids]
    assert {f.id for f in mri} == ids
    assert all(f.settings == ["clinician"] for f in mri)


def test_left_l5_compression_puts_the_left_l5_root_above_s1_and_the_right_side() -> None:
    sites = _sites(SCIATICA_LEFT | {"mri_root_compression_l5_left": "present"}, 60)
    l5_left = _p(sites, "l5_root", "left")
    assert l5_left > _p(sites, "s1_root", "left")
    assert l5_left > _p(sites, "l5_root", "right")
    assert l5_left > _p(_sites(SCIATICA_LEFT, 60), "l5_root", "left")


def test_a_normal_mri_pulls_roots_and_stenosis_down_and_leaves_the_fibular_nerve() -> None:
    before = _sites(SCIATICA_LEFT, age=70)
    after = _sites(SCIATICA_LEFT | NORMAL_MRI, age=70)
    for root in ROOTS:
        assert _p(after, f"{root}_root", "left") < 0.5 * _p(before, f"{root}_root", "left")
    assert _p(after, "multilevel_stenosis") < 0.5 * _p(before, "multilevel_stenosis")
    peroneal = _p(before, "common_peroneal_nerve", "left")
    assert _p(after, "common_peroneal_nerve", "left") == pytest.approx(peroneal, rel=0.02)


def test_central_stenosis_on_mri_raises_stenosis() -> None:
    before = _p(_sites({}, age=70), "multilevel_stenosis")
    after = _p(_sites({"mri_central_stenosis": "present"}, age=70), "multilevel_stenosis")
    assert after > 2 * before
