"""No site wins by default (issue #14 item 5): the midline sites — central stenosis, the cauda
equina, polyneuropathy, the spinal cord — earn their probability from bilateral or midline
evidence, and one-sided evidence does not make them outrank the root on that side."""

from __future__ import annotations

from typing import Any

import pytest

import nervepath

MIDLINE = {"multilevel_stenosis", "polyneuropathy", "cauda_equina"}
ONE_LEG = {"bilateral_leg_symptoms": "absent"}
SCIATICA_RIGHT = {
    "pain_buttock_right": "present",
    "pain_posterior_thigh_right": "present",
    "pain_calf_right": "present",
}


def _sites(answers: dict[str, str], age: int | None = None, setting: str = "self_check") -> Any:
    case: dict[str, Any] = {"setting": setting, "answers": answers}
    if age is not None:
        case["patient"] = {"age": age}
    return nervepath.assess(case).sites


def _p(sites: Any, site: str, side: str | None = None) -> float:
    return next(s.probability for s in sites if s.id == site and s.side == side)


def _odds(p: float) -> float:
    return p / (1 - p)


@pytest.mark.parametrize("age", [None, 35, 50])
def test_one_sided_sciatica_in_one_leg_only_puts_no_midline_site_first(age: int | None) -> None:
    sites = _sites(SCIATICA_RIGHT | ONE_LEG, age)
    assert sites[0].id not in MIDLINE
    assert _p(sites, "l5_root", "right") > _p(sites, "multilevel_stenosis")


@pytest.mark.parametrize("age", [None, 45])
def test_a_one_sided_numb_patch_in_one_leg_only_puts_no_midline_site_first(
    age: int | None,
) -> None:
    sites = _sites({"numbness_shin_right": "present"} | ONE_LEG, age)
    assert sites[0].id not in MIDLINE


def test_buttock_pain_on_one_side_barely_moves_stenosis() -> None:
    # Suri 2010 Table 3: gluteal pain LR+ 0.88 for stenosis among older adults with leg pain.
    before = _p(_sites({}, 70, "clinician"), "multilevel_stenosis")
    after = _p(_sites({"pain_buttock_right": "present"}, 70, "clinician"), "multilevel_stenosis")
    assert _odds(after) / _odds(before) < 1.5


def test_heaviness_in_one_leg_counts_for_stenosis_no_more_than_heavy_legs() -> None:
    before = _p(_sites({}, 70, "clinician"), "multilevel_stenosis")

    def lr(answers: dict[str, str]) -> float:
        return _odds(_p(_sites(answers, 70, "clinician"), "multilevel_stenosis")) / _odds(before)

    assert lr({"heaviness_calf_right": "present"}) < 1.5 * lr({"heavy_legs_walking": "present"})


def test_an_answered_normal_other_side_counts_against_stenosis() -> None:
    one = _sites({"pain_calf_right": "present"}, 70)
    normal_other = _sites({"pain_calf_right": "present", "pain_calf_left": "absent"}, 70)
    both = _sites({"pain_calf_right": "present", "pain_calf_left": "present"}, 70)
    p_one = _p(one, "multilevel_stenosis")
    assert _p(normal_other, "multilevel_stenosis") < p_one < _p(both, "multilevel_stenosis")


def test_one_leg_only_counts_against_stenosis() -> None:
    assert _p(_sites(SCIATICA_RIGHT | ONE_LEG, 70), "multilevel_stenosis") < _p(
        _sites(SCIATICA_RIGHT, 70), "multilevel_stenosis"
    )


def test_a_weak_unsteady_young_adult_is_read_as_the_cord_not_stenosis() -> None:
    # Both legs weak in the pyramidal pattern, unsteady, at 30: a myelopathy, not stenosis.
    answers = {"walking_unsteady_or_legs_stiff": "present", "bilateral_leg_symptoms": "present"}
    for side in ("left", "right"):
        for movement in ("hip_flexion", "knee_flexion", "ankle_dorsiflexion"):
            answers[f"strength_{movement}_{side}"] = "3"
    sites = _sites(answers, 30, "clinician")
    assert _p(sites, "spinal_cord") > _p(sites, "multilevel_stenosis")
    assert sites[0].id == "spinal_cord"
