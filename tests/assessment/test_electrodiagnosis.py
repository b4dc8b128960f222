"""Nerve conduction and EMG results a clinician brings (issue #14 item 3) localise a foot drop:
a block at the fibular head points to the common peroneal nerve, paraspinal denervation in
the L5 myotome to the L5 root. Clinician setting only."""

from __future__ import annotations

import pytest
from sites_support import probability as _p
from sites_support import ranked_sites as _sites

from nervepath.knowledge.model import KnowledgeBase

FOOT_DROP_RIGHT = {"foot_drop_right": "present"}
BLOCK_RIGHT = {"ncs_peroneal_block_at_fibular_head_right": "present"}
L5_EMG_RIGHT = {"emg_denervation_l5_myotome_with_paraspinals_right": "present"}


def test_a_fibular_head_block_moves_a_foot_drop_from_the_l5_root_to_the_peroneal_nerve() -> None:
    sites = _sites(FOOT_DROP_RIGHT | BLOCK_RIGHT)
    assert (sites[0].id, sites[0].side) == ("common_peroneal_nerve", "right")
    assert _p(sites, "common_peroneal_nerve", "right") > 4 * _p(sites, "l5_root", "right")


def test_l5_paraspinal_denervation_moves_a_foot_drop_to_the_l5_root() -> None:
    plain = _sites(FOOT_DROP_RIGHT)
    sites = _sites(FOOT_DROP_RIGHT | L5_EMG_RIGHT)
    assert (sites[0].id, sites[0].side) == ("l5_root", "right")
    assert (
        _p(sites, "common_peroneal_nerve", "right")
        < _p(plain, "common_peroneal_nerve", "right") / 2
    )


def test_paraspinal_denervation_is_no_evidence_for_a_lesion_below_the_root() -> None:
    plain = _sites(FOOT_DROP_RIGHT)
    sites = _sites(FOOT_DROP_RIGHT | L5_EMG_RIGHT)
    assert _p(sites, "sciatic_nerve", "right") < _p(plain, "sciatic_nerve", "right")


def test_a_length_dependent_neuropathy_on_ncs_raises_polyneuropathy() -> None:
    answers = {"burning_medial_sole_left": "present", "burning_medial_sole_right": "present"}
    plain = _p(_sites(answers), "polyneuropathy", None)
    after = _p(
        _sites(answers | {"ncs_length_dependent_polyneuropathy": "present"}), "polyneuropathy", None
    )
    assert after > 2 * plain or after > 0.9


@pytest.mark.parametrize(
    "finding",
    [
        "ncs_peroneal_block_at_fibular_head",
        "emg_denervation_l5_myotome_with_paraspinals",
        "emg_denervation_s1_myotome_with_paraspinals",
        "ncs_length_dependent_polyneuropathy",
        "ncs_tibial_slowing_at_tarsal_tunnel",
    ],
)
def test_test_results_are_asked_of_clinicians_only(shipped_kb: KnowledgeBase, finding: str) -> None:
    raw = next(f for f in shipped_kb.raw.findings if f.id == finding)
    assert raw.settings == ["clinician"]
