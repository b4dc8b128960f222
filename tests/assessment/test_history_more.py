"""More of what people say about their history (findings/history_more.yaml, issue #14 item 3): an
earlier operation on the lower back, pain that began during sport or exercise, and obesity. Each
moves the sites a clinician would expect it to move."""

from __future__ import annotations

from sites_support import probability as _p
from sites_support import ranked_sites as _sites

from nervepath.knowledge.loader import read_knowledge_base


def test_a_person_can_answer_each_of_them_in_the_self_check() -> None:
    findings = {f.id: f for f in read_knowledge_base().findings}
    for own_words in ("previous_lumbar_surgery", "onset_during_sport_or_exercise", "obesity"):
        assert findings[own_words].settings == ["self_check", "clinician"]


def test_buttock_pain_after_a_lumbar_operation_raises_the_sacroiliac_joint_over_the_roots() -> None:
    buttock = {"pain_buttock_right": "present", "pain_posterior_thigh_right": "present"}
    before = _sites(buttock, age=55, setting="self_check")
    after = _sites(buttock | {"previous_lumbar_surgery": "present"}, age=55, setting="self_check")
    sij_before = _p(before, "sacroiliac_joint", "right")
    sij_after = _p(after, "sacroiliac_joint", "right")
    assert sij_after > 1.5 * sij_before
    assert sij_after / _p(after, "s1_root", "right") > sij_before / _p(before, "s1_root", "right")


def test_a_lumbar_operation_also_raises_the_spinal_sites_a_little_and_not_a_foot_site() -> None:
    leg = {"pain_calf_right": "present", "pain_posterior_thigh_right": "present"}
    before = _sites(leg, age=60)
    after = _sites(leg | {"previous_lumbar_surgery": "present"}, age=60)
    assert _p(after, "multilevel_stenosis") > _p(before, "multilevel_stenosis")
    assert _p(after, "plantar_fascia", "right") <= _p(before, "plantar_fascia", "right")


def test_lower_leg_pain_that_began_during_exercise_raises_the_compartments() -> None:
    shin = {"pain_lower_leg_left": "present", "sudden_onset": "present"}
    before = _p(_sites(shin, age=26), "leg_compartments", "left")
    after = _sites(shin | {"onset_during_sport_or_exercise_left": "present"}, age=26)
    assert _p(after, "leg_compartments", "left") > 2 * before


def test_sudden_pain_at_the_back_of_the_ankle_during_sport_puts_the_achilles_tendon_first() -> None:
    ankle = {"pain_back_of_ankle_right": "present", "sudden_onset": "present"}
    before = _p(_sites(ankle, age=40, setting="self_check"), "achilles_tendon", "right")
    sites = _sites(
        ankle | {"onset_during_sport_or_exercise_right": "present"}, age=40, setting="self_check"
    )
    assert (sites[0].id, sites[0].side) == ("achilles_tendon", "right")
    assert _p(sites, "achilles_tendon", "right") > before


def test_onset_during_sport_counts_on_its_own_side_only() -> None:
    ankle = {"pain_back_of_ankle_left": "present", "sudden_onset": "present"}
    other = _sites(ankle | {"onset_during_sport_or_exercise_right": "present"}, age=40)
    same = _sites(ankle | {"onset_during_sport_or_exercise_left": "present"}, age=40)
    assert _p(same, "achilles_tendon", "left") > _p(other, "achilles_tendon", "left")


def test_obesity_raises_meralgia_for_a_numb_outer_thigh_and_its_absence_lowers_it() -> None:
    def lfcn(answers: dict[str, str]) -> float:
        thigh = {"numbness_lateral_thigh_right": "present"}
        return _p(_sites(thigh | answers, age=50), "lateral_femoral_cutaneous_nerve", "right")

    assert lfcn({"obesity": "present"}) > lfcn({}) > lfcn({"obesity": "absent"})


def test_a_lumbar_operation_barely_lowers_the_deep_gluteal_space() -> None:
    # Piriformis syndrome is about three times as common after a discectomy (Kim 2011): an earlier
    # operation raises the sacroiliac joint most, but leaves a sitting buttock pain's sciatic
    # nerve nearly where it was, and above the L5 and S1 roots.
    buttock = {"pain_buttock_left": "present", "pain_worse_sitting_on_buttock_left": "present"}
    before = _p(_sites(buttock, age=50), "sciatic_nerve", "left")
    after = _sites(buttock | {"previous_lumbar_surgery": "present"}, age=50)
    assert _p(after, "sciatic_nerve", "left") > 0.8 * before
    for root in ("l5_root", "s1_root"):
        assert _p(after, "sciatic_nerve", "left") > 2 * _p(after, root, "left")
