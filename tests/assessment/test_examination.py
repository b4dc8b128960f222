"""Examination findings and blood results a clinician or patient reports (findings/examination.yaml,
issue #14 item 3): each moves the sites a clinician would expect it to move."""

from __future__ import annotations

from sites_support import probability as _p
from sites_support import ranked_sites as _sites

from nervepath.knowledge.loader import read_knowledge_base

# Numb big toes on both sides: the start of a stocking. With the whole stocking numb,
# polyneuropathy is already near certain and a finding the spinal cord shares (position sense,
# low B12) can then only nudge it down.
NUMB_TOES = {f"numbness_great_toe_{side}": "present" for side in ("left", "right")}


def test_self_check_asks_only_what_a_person_can_see_or_knows() -> None:
    findings = {f.id: f for f in read_knowledge_base().findings}
    self_check = {"calf_wasting", "thigh_wasting", "lumbar_flexion_painful_restricted"}
    self_check |= {"low_vitamin_b12", "diabetes"}
    clinician_only = {"foot_intrinsic_wasting", "faber_test", "fadir_test", "trendelenburg_sign"}
    clinician_only |= {"joint_position_sense_reduced", "paraspinal_muscle_spasm"}
    assert all("self_check" in findings[f].settings for f in self_check)
    assert all(findings[f].settings == ["clinician"] for f in clinician_only)


def test_faber_with_groin_pain_puts_the_hip_above_the_l3_root() -> None:
    groin = {"pain_groin_left": "present"}
    sites = _sites(groin | {"faber_test_left": "present"}, age=60)
    assert _p(sites, "hip_joint", "left") > _p(sites, "l3_root", "left")
    assert _p(sites, "hip_joint", "left") > _p(_sites(groin, age=60), "hip_joint", "left")


def test_fadir_raises_the_hip_joint_and_a_negative_one_lowers_it() -> None:
    def hip(answers: dict[str, str]) -> float:
        return _p(_sites({"pain_groin_right": "present"} | answers, age=35), "hip_joint", "right")

    before = hip({})
    assert hip({"fadir_test_right": "present"}) > before
    assert hip({"fadir_test_right": "absent"}) < before


def test_trendelenburg_with_lateral_hip_pain_raises_the_greater_trochanter() -> None:
    lateral_hip = {"pain_lateral_hip_left": "present"}
    before = _p(_sites(lateral_hip, age=55), "greater_trochanter", "left")
    sites = _sites(lateral_hip | {"trendelenburg_sign_left": "present"}, age=55)
    assert _p(sites, "greater_trochanter", "left") > 1.5 * before
    # The hip joint shares both signs (lateral hip pain in 77 % of primary-care hip OA pain
    # drawings, Poulsen 2016; Trendelenburg in hip OA) and, at 55, its age (knowledge base
    # 0.1.10), so the two lateral hip causes lead, in either order.
    assert {(s.id, s.side) for s in sites[:2]} == {
        ("greater_trochanter", "left"),
        ("hip_joint", "left"),
    }


def test_reduced_position_sense_with_stocking_numbness_favours_polyneuropathy_over_a_root() -> None:
    position = {f"joint_position_sense_reduced_{s}": "present" for s in ("left", "right")}
    before = _sites(NUMB_TOES, age=65)
    after = _sites(NUMB_TOES | position, age=65)
    assert _p(after, "polyneuropathy") > _p(before, "polyneuropathy")
    assert _p(after, "polyneuropathy") > _p(after, "l5_root", "left")


def test_calf_wasting_after_sciatica_raises_the_s1_root_on_that_side() -> None:
    sciatica = {"pain_posterior_thigh_left": "present", "pain_calf_left": "present"}
    before = _p(_sites(sciatica, age=45), "s1_root", "left")
    after = _p(_sites(sciatica | {"calf_wasting_left": "present"}, age=45), "s1_root", "left")
    assert after > before


def test_painful_forward_bending_and_spasm_favour_the_spine_over_the_hip() -> None:
    thigh = {"pain_posterior_thigh_right": "present"}
    lumbar = {"lumbar_flexion_painful_restricted": "present", "paraspinal_muscle_spasm": "present"}
    before, after = _sites(thigh, age=40), _sites(thigh | lumbar, age=40)
    assert _p(after, "lumbar_somatic_referred") > _p(before, "lumbar_somatic_referred")
    assert _p(after, "hip_joint", "right") < _p(before, "hip_joint", "right")


def test_diabetes_and_low_b12_raise_polyneuropathy() -> None:
    before = _p(_sites(NUMB_TOES, age=60), "polyneuropathy")
    for blood in ("diabetes", "low_vitamin_b12"):
        after = _p(_sites(NUMB_TOES | {blood: "present"}, age=60), "polyneuropathy")
        assert after > before, blood


def test_a_low_exercise_abi_barely_moves_arterial_disease_in_exertional_calf_pain() -> None:
    # Aday 2018, Table 3: with a normal resting index, an exercise index below 0.90 is about as
    # common without a > 75 % stenosis as with one (LR+ about 1.02; likelihood_ratios.yaml).
    walking = {"pain_calf_left": "present", "symptoms_worse_walking": "present"}
    before = _p(_sites(walking, age=65), "peripheral_arterial_disease", "left")
    after = _sites(walking | {"exercise_abi_low_left": "present"}, age=65)
    assert before <= _p(after, "peripheral_arterial_disease", "left") < 1.1 * before
