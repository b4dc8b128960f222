"""Nerve conduction and EMG results a clinician brings (issue #14 item 3) localise a foot drop:
a block at the fibular head points to the common peroneal nerve, paraspinal denervation in
the L5 myotome to the L5 root. Clinician setting only."""

from __future__ import annotations

from typing import Any

import pytest

import nervepath
from nervepath.knowledge.model import KnowledgeBase

FOOT_DROP_RIGHT = {"foot_drop_right": "present"}
BLOCK_RIGHT = {"ncs_peroneal_block_at_fibular_head_right": "present"}
L5_EMG_RIGHT = {"emg_denervation_l5_myotome_with_paraspinals_right": "present"}


def _sites(answers: dict[str, str]) -> Any:
    return nervepath.assess({"setting": "clinician", "answers": answers}).sites


def _p(sites: Any, site: str, side: str | None = "right") -> float:
    return next(s.probability for s in sites if s.id == site and s.side == side)


def test_a_fibular_head_block_moves_a_foot_drop_from_the_l5_root_to_the_peroneal_nerve() -> None:
    sites = _sites(FOOT_DROP_RIGHT | BLOCK_RIGHT)
    assert (sites[0].id, sites[0].side) == ("common_peroneal_nerve", "right")
    assert _p(sites, "common_peroneal_nerve") > 4 * _p(sites, "l5_root")


def test_l5_paraspinal_denervation_moves_a_foot_drop_to_the_l5_root() -> None:
    plain = _sites(FOOT_DROP_RIGHT)
    sites = _sites(FOOT_DROP_RIGHT | L5_EMG_RIGHT)
    assert (sites[0].id, sites[0].side) == ("l5_root", "right")
    assert _p(sites, "common_peroneal_nerve") < _p(plain, "common_peroneal_nerve") / 2


def test_paraspinal_denervation_is_no_evidence_for_a_lesion_below_the_root() -> None:
    plain = _sites(FOOT_DROP_RIGHT)
    sites = _sites(FOOT_DROP_RIGHT | L5_EMG_RIGHT)
    assert _p(sites, "sciatic_nerve") < _p(plain, "sciatic_nerve")


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
