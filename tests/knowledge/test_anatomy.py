"""The shipped anatomy against textbook facts (evidence base §1; Harrison, Orthobullets)."""

from __future__ import annotations

import pytest

from nervepath.knowledge.model import KnowledgeBase
from nervepath.knowledge.nerves import nerve_descendants


def _region(kb: KnowledgeBase, rid: str):  # type: ignore[no-untyped-def]
    return next(r for r in kb.raw.anatomy.regions if r.id == rid)


def _muscle(kb: KnowledgeBase, mid: str):  # type: ignore[no-untyped-def]
    return next(m for m in kb.raw.anatomy.muscles if m.id == mid)


@pytest.mark.parametrize(
    ("region", "root", "nerve"),
    [
        ("first_web_space", "l5", "deep_peroneal"),
        ("heel", "s1", "medial_calcaneal"),
        ("dorsum_of_foot", "l5", "superficial_peroneal"),
        ("lateral_border_of_foot", "s1", "sural"),
        ("medial_malleolus", "l4", "saphenous"),
        ("anterolateral_thigh", "l2", "lateral_femoral_cutaneous"),
        ("medial_sole", "s1", "medial_plantar"),
        ("lateral_sole", "s1", "lateral_plantar"),
    ],
)
def test_region_core_root_and_nerve(
    shipped_kb: KnowledgeBase, region: str, root: str, nerve: str
) -> None:
    r = _region(shipped_kb, region)
    assert root in r.roots_core
    assert nerve in r.nerves


def test_deep_peroneal_supplies_only_the_first_web_space(shipped_kb: KnowledgeBase) -> None:
    supplied = [r.id for r in shipped_kb.raw.anatomy.regions if "deep_peroneal" in r.nerves]
    assert supplied == ["first_web_space"]


def test_saddle_is_midline_and_sacral(shipped_kb: KnowledgeBase) -> None:
    saddle = _region(shipped_kb, "saddle")
    assert not saddle.lateral
    assert {"s3", "s4"} <= set(saddle.roots_core)


@pytest.mark.parametrize(
    ("muscle", "root", "nerve"),
    [
        ("extensor_hallucis_longus", "l5", "deep_peroneal"),
        ("tibialis_posterior", "l5", "tibial"),
        ("gluteus_medius", "l5", "superior_gluteal"),
        ("tibialis_anterior", "l4", "deep_peroneal"),
        ("gastrocnemius", "s1", "tibial"),
        ("quadriceps", "l4", "femoral"),
    ],
)
def test_muscle_primary_root_and_nerve(
    shipped_kb: KnowledgeBase, muscle: str, root: str, nerve: str
) -> None:
    m = _muscle(shipped_kb, muscle)
    assert root in m.roots_primary
    assert m.nerve == nerve


@pytest.mark.parametrize(
    ("reflex", "root", "nerve"), [("achilles", "s1", "tibial"), ("patellar", "l4", "femoral")]
)
def test_reflex_root_and_nerve(
    shipped_kb: KnowledgeBase, reflex: str, root: str, nerve: str
) -> None:
    r = next(x for x in shipped_kb.raw.anatomy.reflexes if x.id == reflex)
    assert root in r.roots
    assert r.nerve == nerve


def test_nerve_tree_runs_from_sciatic_to_the_foot(shipped_kb: KnowledgeBase) -> None:
    branches = nerve_descendants(shipped_kb.raw.anatomy.nerves)
    assert {
        "common_peroneal",
        "deep_peroneal",
        "superficial_peroneal",
        "tibial",
        "sural",
        "medial_plantar",
        "lateral_plantar",
        "medial_calcaneal",
    } <= branches["sciatic"]
    assert "tibial" not in branches["common_peroneal"]
    assert "saphenous" in branches["femoral"]


def test_every_root_l2_to_s4_and_at_least_30_regions_per_side(shipped_kb: KnowledgeBase) -> None:
    roots = [r.id for r in sorted(shipped_kb.raw.anatomy.roots, key=lambda r: r.order)]
    assert roots == ["l2", "l3", "l4", "l5", "s1", "s2", "s3", "s4"]
    assert sum(r.lateral for r in shipped_kb.raw.anatomy.regions) >= 30


def test_peroneal_lesion_spares_inversion_and_hip_abduction(shipped_kb: KnowledgeBase) -> None:
    """The classic rule (evidence §1.6): foot drop with weak inversion or hip abduction is L5,
    not the peroneal nerve — so the derived network must link them that way."""

    def parents(finding: str) -> set[str]:
        return {x.parent for x in shipped_kb.links if x.finding == finding}

    assert {"l5_root", "common_peroneal_nerve"} <= parents("strength_ankle_dorsiflexion")
    assert "l5_root" in parents("strength_ankle_inversion")
    assert "common_peroneal_nerve" not in parents("strength_ankle_inversion")
    assert "l5_root" in parents("strength_hip_abduction")
    assert "common_peroneal_nerve" not in parents("strength_hip_abduction")
    assert "sciatic_nerve" in parents("strength_ankle_inversion")
    assert "sciatic_nerve" not in parents("strength_hip_abduction")


def test_tarsal_tunnel_spares_the_calf_and_the_achilles_reflex(shipped_kb: KnowledgeBase) -> None:
    site = "tibial_nerve_tarsal_tunnel"
    # the sole's numbness through the site's numbness territory (derivation.yaml ›
    # territory_pattern), the rest directly
    children = {
        x.finding
        for x in shipped_kb.links
        if x.parent == site or x.parent.endswith(f"_territory_{site}")
    }
    assert "numbness_medial_sole" in children
    assert ("numbness_medial_sole", "numbness_territory_" + site) in {
        (x.finding, x.parent) for x in shipped_kb.links
    }
    assert "strength_ankle_plantarflexion" not in children
    assert "reflex_achilles" not in children
