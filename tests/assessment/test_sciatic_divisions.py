"""A foot drop from the sciatic nerve or from the fibular head (evidence §1.6): a lesion of the
sciatic nerve above the knee weakens the tibial-division muscles and numbs the sole too, a lesion at
the fibular head spares them all. Those signs must move a foot drop from the fibular head to the
sciatic nerve, and their being normal must keep it at the fibular head."""

from __future__ import annotations

from sites_support import probability as _p
from sites_support import ranked_sites as _sites

FOOT_DROP = {"foot_drop_left": "present"}


def _top(answers: dict[str, str], setting: str = "clinician") -> tuple[str, str | None]:
    first = _sites(FOOT_DROP | answers, age=50, setting=setting)[0]
    return first.id, first.side


def test_an_isolated_foot_drop_is_put_at_the_fibular_head() -> None:
    assert _top({}) == ("common_peroneal_nerve", "left")


def test_an_isolated_foot_drop_splits_as_the_electrodiagnostic_series_does() -> None:
    # 303 foot drops (footdrop_emg1989): 109 peroneal, about 60 L5, 34 sciatic.
    sites = _sites(FOOT_DROP)
    peroneal = _p(sites, "common_peroneal_nerve", "left")
    assert 0.25 < _p(sites, "sciatic_nerve", "left") / peroneal < 0.45
    assert 0.4 < _p(sites, "l5_root", "left") / peroneal < 0.9


def test_weak_inversion_and_toe_flexion_with_normal_hip_abduction_mean_the_sciatic_nerve() -> None:
    tibial = {
        "strength_ankle_inversion_left": "4",
        "strength_toe_flexion_left": "4",
        "strength_hip_abduction_left": "5",
    }
    assert _top(tibial) == ("sciatic_nerve", "left")


def test_a_numb_sole_with_a_foot_drop_points_to_the_sciatic_nerve() -> None:
    sole = {"numbness_medial_sole_left": "present", "numbness_lateral_sole_left": "present"}
    assert _top(sole, setting="self_check") == ("sciatic_nerve", "left")


def test_trouble_walking_on_tiptoe_raises_the_sciatic_nerve_over_the_fibular_head() -> None:
    tiptoe = {"difficulty_ankle_plantarflexion_left": "present"}
    sites = _sites(FOOT_DROP | tiptoe, age=50, setting="self_check")
    alone = _sites(FOOT_DROP, age=50, setting="self_check")
    assert _p(sites, "sciatic_nerve", "left") > 2 * _p(alone, "sciatic_nerve", "left")
    assert _p(sites, "sciatic_nerve", "left") > _p(sites, "common_peroneal_nerve", "left")


def test_an_absent_ankle_jerk_and_weak_knee_flexion_favour_the_sciatic_nerve() -> None:
    signs = {"reflex_achilles_left": "absent", "strength_knee_flexion_left": "4"}
    assert _top(signs) == ("sciatic_nerve", "left")


def test_normal_tibial_muscles_and_ankle_jerk_keep_the_fibular_head_first() -> None:
    spared = {
        "strength_ankle_inversion_left": "5",
        "strength_ankle_plantarflexion_left": "5",
        "reflex_achilles_left": "normal",
    }
    sites = _sites(FOOT_DROP | spared, age=50)
    assert (sites[0].id, sites[0].side) == ("common_peroneal_nerve", "left")
    assert _p(sites, "sciatic_nerve", "left") < 0.05
