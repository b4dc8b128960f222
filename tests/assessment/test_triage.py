"""Red flags and urgency: every emergency flag fires, pairs fire only as pairs, rules only raise
urgency, and a broken rule file names the nearest valid ids."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from triage_support import witnesses

from nervepath.assessment.triage import URGENCY_LEVELS, Triage, most_urgent, triage, urgency_rank
from nervepath.errors import CaseError, KnowledgeBaseError
from nervepath.knowledge.checks import condition_leaves
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base


def _triage(kb: KnowledgeBase, evidence: Mapping[str, str], **sites: float) -> Triage:
    return triage(kb, evidence, sites)


def _fired(result: Triage) -> dict[str, str]:
    return {flag.id: flag.level for flag in result.red_flags}


def test_levels_are_ordered_least_to_most_urgent() -> None:
    assert URGENCY_LEVELS == ("self_care", "routine", "urgent", "emergency")
    assert [urgency_rank(level) for level in URGENCY_LEVELS] == [0, 1, 2, 3]
    assert most_urgent(["routine", "emergency", "self_care"]) == "emergency"
    assert most_urgent([]) == "self_care"
    with pytest.raises(CaseError, match="'soon' is not a level"):
        urgency_rank("soon")


# ── every emergency red flag fires on the shipped knowledge base, one case each ────────────────

EMERGENCY_CASES: list[tuple[str, dict[str, str]]] = [
    ("fever_with_back_pain", {"fever": "present", "back_pain": "present"}),
    ("fever_with_back_pain", {"fever": "present", "pain_buttock_left": "present"}),
    ("ces_saddle_sensory_change", {"numbness_saddle": "present"}),
    ("ces_saddle_sensory_change", {"pins_and_needles_saddle": "present"}),
    ("ces_saddle_sensory_change", {"tingling_saddle": "present"}),
    ("ces_saddle_sensory_change", {"sensory_loss_saddle": "present"}),
    # The CES warning card's "altered feeling when using toilet paper": kind not named, or burning.
    ("ces_saddle_sensory_change", {"altered_sensation_saddle": "present"}),
    ("ces_saddle_sensory_change", {"burning_saddle": "present"}),
    ("ces_new_bladder_dysfunction", {"new_bladder_dysfunction": "present"}),
    ("ces_new_bowel_incontinence", {"new_bowel_incontinence": "present"}),
    (
        "ces_new_sexual_dysfunction",
        {"new_sexual_dysfunction": "present", "new_bladder_dysfunction": "present"},
    ),
    (
        "ces_new_sexual_dysfunction",
        {"new_sexual_dysfunction": "present", "pain_calf_left": "present"},
    ),
    ("ces_reduced_anal_tone", {"reduced_anal_tone": "present"}),
    (
        "ces_bilateral_leg_symptoms_with_deficit",
        {
            "bilateral_leg_symptoms": "present",
            "back_pain": "present",
            "strength_ankle_dorsiflexion_left": "4",
        },
    ),
    (
        "ces_bilateral_leg_symptoms_with_deficit",
        {"bilateral_leg_symptoms": "present", "new_bladder_dysfunction": "present"},
    ),
    (
        "bilateral_numbness_with_back_pain",
        {
            "bilateral_leg_symptoms": "present",
            "back_pain": "present",
            "numbness_foot_left": "present",
            "numbness_foot_right": "present",
        },
    ),
    ("rapidly_worsening_weakness", {"rapidly_worsening_weakness": "present"}),
    ("severe_foot_drop", {"strength_ankle_dorsiflexion_left": "2"}),
    ("foot_drop_not_known_to_be_old", {"foot_drop_left": "present"}),
    (
        "reported_weakness_getting_worse",
        {"weakness_lower_leg_right": "present", "weakness_getting_worse": "present"},
    ),
    (
        "reported_weakness_both_legs_new",
        {
            "weakness_thigh_left": "present",
            "weakness_whole_leg_right": "present",
            "onset_within_2_weeks": "present",
        },
    ),
    ("severe_motor_deficit", {"strength_knee_extension_right": "0"}),
    ("sciatica_spread_to_both_legs", {"symptoms_spread_to_both_legs": "present"}),
    (
        "sciatica_spread_to_both_legs",
        {"bilateral_leg_symptoms": "present", "sudden_onset": "present"},
    ),
    (
        "progressive_motor_deficit",
        {"foot_drop_left": "present", "weakness_getting_worse": "present"},
    ),
    (
        "progressive_motor_deficit",
        {"strength_knee_extension_right": "3", "onset_within_2_weeks": "present"},
    ),
    (
        "suspected_spinal_infection",
        {
            "pain_buttock_right": "present",
            "raised_inflammatory_markers": "present",
            "onset_within_2_weeks": "present",
        },
    ),
    (
        "cancer_with_neurological_symptoms",
        {"history_of_cancer": "present", "back_pain": "present", "numbness_shin_left": "present"},
    ),
    (
        "bleed_on_blood_thinner",
        {
            "takes_blood_thinner": "present",
            "sudden_onset": "present",
            "pain_groin_right": "present",
        },
    ),
    (
        "compartment_syndrome",
        {"pain_on_passive_muscle_stretch_left": "present", "calf_swollen_left": "present"},
    ),
    (
        "compartment_syndrome",
        {
            "pain_out_of_proportion_right": "present",
            "onset_within_2_weeks": "present",
            "onset_during_sport_or_exercise_right": "present",
        },
    ),
    ("cord_compression_warning_signs", {"numbness_rising_to_trunk": "present"}),
    (
        "cord_compression_warning_signs",
        {
            "walking_unsteady_or_legs_stiff": "present",
            "heaviness_calf_left": "present",
            "heaviness_calf_right": "present",
            "weakness_getting_worse": "present",
        },
    ),
    ("suspected_achilles_rupture", {"calf_squeeze_test_left": "present"}),
    (
        "suspected_achilles_rupture",
        {
            "sudden_onset": "present",
            "onset_within_2_weeks": "present",
            "pain_back_of_ankle_right": "present",
            "difficulty_ankle_plantarflexion_right": "present",
        },
    ),
    ("dvt_likely", {"calf_swollen_right": "present", "previous_dvt": "present"}),
    (
        "dvt_with_breathlessness",
        {"whole_leg_swollen_left": "present", "breathless_or_chest_pain": "present"},
    ),
    (
        "upper_motor_neurone_signs_new",
        {"upper_motor_neurone_signs_left": "present", "weakness_getting_worse": "present"},
    ),
    (
        "upper_motor_neurone_signs_new",
        {"upper_motor_neurone_signs_left": "present", "onset_within_2_weeks": "present"},
    ),
    (
        "bilateral_motor_deficit",
        {"strength_ankle_dorsiflexion_left": "3", "strength_ankle_plantarflexion_right": "3"},
    ),
    ("bilateral_motor_deficit", {"foot_drop_left": "present", "foot_drop_right": "present"}),
    ("acute_limb_ischaemia", {"sudden_cold_pale_foot_right": "present"}),
    (
        "acute_limb_ischaemia",
        {
            "cool_skin_foot_left": "present",
            "reduced_foot_pulses_left": "present",
            "sudden_onset": "present",
        },
    ),
    (
        "spinal_infection_with_deficit",
        {"fever": "present", "back_pain": "present", "foot_drop_left": "present"},
    ),
    (
        "spinal_infection_with_deficit",
        {
            "fever": "present",
            "pain_lower_back": "present",
            "numbness_dorsum_of_foot_right": "present",
        },
    ),
    ("infected_foot_wound", {"foot_wound_not_healing_left": "present", "fever": "present"}),
    ("septic_arthritis_suspected", {"hot_swollen_joint_right": "present"}),
    (
        "sudden_new_leg_weakness",
        {
            "weakness_lower_leg_right": "present",
            "sudden_onset": "present",
            "onset_within_2_weeks": "present",
        },
    ),
    (
        "progressive_motor_deficit",
        {"weakness_lower_leg_right": "present", "weakness_getting_worse": "present"},
    ),
]


@pytest.mark.parametrize(("rule", "evidence"), EMERGENCY_CASES)
def test_emergency_red_flag_fires(
    shipped_kb: KnowledgeBase, rule: str, evidence: dict[str, str]
) -> None:
    result = _triage(shipped_kb, evidence, l5_root_left=0.01)
    assert result.urgency == "emergency"
    flag = next(f for f in result.red_flags if f.id == rule)
    assert flag.level == "emergency"
    assert "emergency department" in flag.plain.lower()
    assert "now" in flag.plain.lower() or "today" in flag.plain.lower()
    assert set(flag.findings) <= set(evidence)
    assert flag.citation and flag.source_ref
    assert result.red_flags[0].level == "emergency"  # most urgent first


def test_every_emergency_rule_has_a_case(shipped_kb: KnowledgeBase) -> None:
    emergency = {r.id for r in shipped_kb.raw.triage.rules if r.level == "emergency"}
    assert emergency == {rule for rule, _ in EMERGENCY_CASES}


def test_every_emergency_plain_text_says_where_to_go(shipped_kb: KnowledgeBase) -> None:
    for rule in shipped_kb.raw.triage.rules:
        if rule.level == "emergency":
            assert "emergency department (A&E)" in rule.plain, rule.id


URGENT_CASES: list[tuple[str, dict[str, str]]] = [
    (
        "significant_motor_deficit",
        {
            "foot_drop_left": "present",
            "onset_within_2_weeks": "absent",
            "symptoms_getting_worse": "absent",
        },
    ),
    ("significant_motor_deficit", {"strength_ankle_dorsiflexion_right": "3"}),
    ("significant_motor_deficit", {"strength_toe_spreading_left": "1"}),
    ("bilateral_leg_symptoms", {"bilateral_leg_symptoms": "present", "back_pain": "present"}),
    (
        "bilateral_claudication_with_deficit_or_worsening",
        {
            "bilateral_leg_symptoms": "present",
            "symptoms_worse_walking": "present",
            "symptoms_getting_worse": "present",
        },
    ),
    (
        "bilateral_leg_symptoms",
        {"bilateral_leg_symptoms": "present", "pins_and_needles_foot_left": "present"},
    ),
    (
        "possible_femoral_neck_stress_fracture",
        {"pain_groin_right": "present", "pain_after_training_increase_right": "present"},
    ),
    ("new_sexual_dysfunction", {"new_sexual_dysfunction": "present"}),
    ("cancer_history_with_back_pain", {"history_of_cancer": "present", "back_pain": "present"}),
    ("cancer_history_with_back_pain", {"history_of_cancer": "present", "night_pain": "present"}),
    ("weight_loss_with_back_pain", {"unexplained_weight_loss": "present", "back_pain": "present"}),
    ("fever", {"fever": "present"}),
    ("significant_trauma", {"significant_trauma": "present"}),
    (
        "osteoporotic_fracture_risk",
        {"osteoporosis_or_long_term_steroids": "present", "back_pain": "present"},
    ),
    ("critical_limb_ischaemia", {"ischaemic_rest_pain_left": "present"}),
    ("critical_limb_ischaemia", {"foot_wound_not_healing_right": "present"}),
    (
        "severe_foot_drop_at_fibular_head",
        {"strength_ankle_dorsiflexion_left": "1", "conduction_block_fibular_head_left": "present"},
    ),
    ("upper_motor_neurone_signs", {"upper_motor_neurone_signs_right": "present"}),
    (
        "new_peroneal_palsy",
        {
            "foot_drop_right": "present",
            "onset_within_2_weeks": "present",
            "conduction_block_fibular_head_right": "present",
        },
    ),
    ("possible_dvt", {"calf_swollen_left": "present"}),
    ("spinal_infection_risk", {"back_pain": "present", "injects_drugs": "present"}),
]


@pytest.mark.parametrize(("rule", "evidence"), URGENT_CASES)
def test_urgent_red_flag_fires(
    shipped_kb: KnowledgeBase, rule: str, evidence: dict[str, str]
) -> None:
    result = _triage(shipped_kb, evidence, plantar_fascia_left=0.9)
    assert _fired(result)[rule] == "urgent"
    assert result.urgency == "urgent"


def test_every_urgent_rule_has_a_case(shipped_kb: KnowledgeBase) -> None:
    urgent = {r.id for r in shipped_kb.raw.triage.rules if r.level == "urgent"}
    assert urgent == {rule for rule, _ in URGENT_CASES}


def test_no_red_flag_finding_goes_unflagged(shipped_kb: KnowledgeBase) -> None:
    flagged = [i for i in shipped_kb.finding_instances if shipped_kb.findings[i.id].red_flag]
    assert len({i.id for i in flagged}) >= 15
    for instance in flagged:
        result = _triage(shipped_kb, {instance.name: "present"}, plantar_fascia_left=0.9)
        assert result.red_flags, instance.name
        assert result.urgency != "self_care", instance.name


# ── pairs, sides and counts ──────────────────────────────────────────────────────────────────


def test_the_bilateral_pair_rule_fires_only_for_the_pair(shipped_kb: KnowledgeBase) -> None:
    pair = "ces_bilateral_leg_symptoms_with_deficit"
    bilateral = {"bilateral_leg_symptoms": "present"}
    back_and_deficit = {"back_pain": "present", "strength_hip_abduction_left": "4"}
    alone = _fired(_triage(shipped_kb, bilateral))
    assert alone == {"bilateral_leg_pain_without_radicular_features": "routine"}
    radicular = _fired(_triage(shipped_kb, {**bilateral, "back_pain": "present"}))
    assert radicular == {"bilateral_leg_symptoms": "urgent"}
    assert pair not in _fired(_triage(shipped_kb, back_and_deficit))
    assert pair not in _fired(_triage(shipped_kb, {**bilateral, "back_pain": "present"}))
    both = _triage(shipped_kb, {**bilateral, **back_and_deficit})
    assert _fired(both)[pair] == "emergency" and both.urgency == "emergency"
    flag = next(f for f in both.red_flags if f.id == pair)
    assert set(flag.findings) == {"bilateral_leg_symptoms", *back_and_deficit}


def test_bilateral_claudication_is_not_the_bilateral_radicular_flag(
    shipped_kb: KnowledgeBase,
) -> None:
    """Symptoms in both legs brought on by walking or standing are neurogenic (or vascular)
    claudication (etg_spinal_stenosis): routine, urgent with a deficit or a worsening course;
    numbness of both legs is the CES flag unless it comes with walking, or when it worsens."""
    claudication = {
        "bilateral_leg_symptoms": "present",
        "back_pain": "present",
        "symptoms_worse_walking": "present",
    }
    assert _fired(_triage(shipped_kb, claudication)) == {"bilateral_claudication": "routine"}
    numb = {"numbness_foot_left": "present", "numbness_foot_right": "present"}
    walking_numb = _triage(shipped_kb, {**claudication, **numb})
    assert walking_numb.urgency == "routine", _fired(walking_numb)
    still_numb = {k: v for k, v in claudication.items() if k != "symptoms_worse_walking"}
    assert (
        _fired(_triage(shipped_kb, {**still_numb, **numb}))["bilateral_numbness_with_back_pain"]
        == "emergency"
    )
    worse = _triage(shipped_kb, {**claudication, **numb, "symptoms_getting_worse": "present"})
    assert _fired(worse)["ces_bilateral_leg_symptoms_with_deficit"] == "emergency"
    # A deficit on either leg: within days (the routine rule reads its unless on both legs).
    weak_hip = {"back_pain": "absent", "strength_hip_flexion_right": "4"}
    weak = _fired(_triage(shipped_kb, {**claudication, **weak_hip}))
    assert weak == {"bilateral_claudication_with_deficit_or_worsening": "urgent"}


def test_sexual_dysfunction_needs_leg_symptoms_for_emergency(shipped_kb: KnowledgeBase) -> None:
    """GIRFT: low back pain with sexual dysfunction as the only other feature is unlikely CES."""
    alone = _triage(shipped_kb, {"new_sexual_dysfunction": "present"})
    assert alone.urgency == "urgent"
    assert "ces_new_sexual_dysfunction" not in _fired(alone)
    back = {"new_sexual_dysfunction": "present", "back_pain": "present"}
    assert _fired(_triage(shipped_kb, back)) == {"new_sexual_dysfunction": "urgent"}
    # With a leg symptom only the emergency rule shows: the urgent one's wording ("without leg
    # symptoms") would contradict it on the same page.
    leg = _fired(_triage(shipped_kb, {**back, "pain_calf_left": "present"}))
    assert leg == {"ces_new_sexual_dysfunction": "emergency"}


def test_long_standing_stable_bilateral_symptoms_are_routine(shipped_kb: KnowledgeBase) -> None:
    """The CES pathway's bilateral flag is for recent onset or deterioration (GIRFT 2023)."""
    bilateral = {"bilateral_leg_symptoms": "present", "numbness_foot_left": "present"}
    stable = {**bilateral, "symptoms_over_3_months": "present", "symptoms_getting_worse": "absent"}
    result = _triage(shipped_kb, stable)
    assert _fired(result) == {"bilateral_leg_symptoms": "routine"}
    (flag,) = result.red_flags
    assert flag.long_standing and "more than 3 months" in flag.plain
    worse = {**stable, "symptoms_getting_worse": "present"}
    assert _fired(_triage(shipped_kb, worse)) == {"bilateral_leg_symptoms": "urgent"}
    unsure = {**bilateral, "symptoms_over_3_months": "present"}  # course not asked: stays urgent
    assert _fired(_triage(shipped_kb, unsure)) == {"bilateral_leg_symptoms": "urgent"}
    # With a deficit the CES pair steps down to urgent, never below: stable is not normal.
    with_deficit = {**stable, "back_pain": "present", "strength_hip_abduction_left": "4"}
    assert _fired(_triage(shipped_kb, with_deficit)) == {
        "ces_bilateral_leg_symptoms_with_deficit": "urgent",
        "bilateral_leg_symptoms": "routine",
    }
    assert _triage(shipped_kb, with_deficit).urgency == "urgent"
    new_bladder = {**stable, "new_bladder_dysfunction": "present"}  # "new" never steps down
    assert _fired(_triage(shipped_kb, new_bladder))["ces_new_bladder_dysfunction"] == "emergency"


def test_a_dense_foot_drop_is_urgent_only_where_the_examination_places_it(
    shipped_kb: KnowledgeBase,
) -> None:
    drop = {"strength_ankle_dorsiflexion_left": "1", "strength_ankle_eversion_left": "2"}
    assert _fired(_triage(shipped_kb, drop))["severe_foot_drop"] == "emergency"
    # Begun over 2 weeks ago and not getting worse: established, urgent (GIRFT: recent onset
    # or deterioration); getting worse, progressive_motor_deficit's emergency.
    # The tempo findings describe the whole complaint: a foot drop in a sciatica that began weeks
    # ago may itself be new, so only an answered "not getting worse" steps it down.
    older = {**drop, "onset_within_2_weeks": "absent"}
    assert _fired(_triage(shipped_kb, older))["severe_foot_drop"] == "emergency"
    stable = {**older, "symptoms_getting_worse": "absent"}
    assert _fired(_triage(shipped_kb, stable)) == {"significant_motor_deficit": "urgent"}
    worse = _fired(_triage(shipped_kb, {**older, "weakness_getting_worse": "present"}))
    assert worse["progressive_motor_deficit"] == "emergency" and set(worse.values()) == {
        "emergency"
    }
    # Worse pain is not a progressing deficit, but a dense drop not known to be stable stays an
    # emergency of its own.
    pain = _fired(_triage(shipped_kb, {**older, "symptoms_getting_worse": "present"}))
    assert "progressive_motor_deficit" not in pain and pain["severe_foot_drop"] == "emergency"
    spared = {**drop, "strength_ankle_inversion_left": "5", "strength_hip_abduction_left": "5"}
    # Spared L5 muscles say nothing while back pain is unasked or present.
    assert _triage(shipped_kb, spared).urgency == "emergency"
    assert _triage(shipped_kb, {**spared, "back_pain": "present"}).urgency == "emergency"
    peroneal = _triage(shipped_kb, {**spared, "back_pain": "absent"})
    assert peroneal.urgency == "urgent"
    assert _fired(peroneal)["severe_foot_drop_at_fibular_head"] == "urgent"
    assert "severe_foot_drop" not in _fired(peroneal)
    # The sparing must be on the same leg as the drop.
    crossed = {
        **drop,
        "back_pain": "absent",
        "strength_ankle_inversion_right": "5",
        "strength_hip_abduction_right": "5",
    }
    assert _triage(shipped_kb, crossed).urgency == "emergency"
    # A severe weakness outside the peroneal nerve keeps the emergency.
    knee = {**spared, "back_pain": "absent", "strength_knee_extension_left": "2"}
    assert _triage(shipped_kb, knee).urgency == "emergency"


def test_a_progressive_deficit_is_the_weakness_progressing_not_the_pain(
    shipped_kb: KnowledgeBase,
) -> None:
    """NHS pathway: "new or progressive neurological deficit" is same day; a motor deficit
    whose pain is worse but whose weakness is not new or progressing is urgent (days)."""
    weak = {"strength_ankle_dorsiflexion_left": "3", "onset_within_2_weeks": "absent"}
    pain = {**weak, "symptoms_getting_worse": "present"}
    assert _fired(_triage(shipped_kb, pain)) == {"significant_motor_deficit": "urgent"}
    for progressing in (
        {"weakness_getting_worse": "present"},
        {"rapidly_worsening_weakness": "present"},
        {"onset_within_2_weeks": "present"},  # new: the deficit is at most 2 weeks old
    ):
        fired = _fired(_triage(shipped_kb, pain | progressing))
        assert fired["progressive_motor_deficit"] == "emergency"
        assert "significant_motor_deficit" not in fired
    # Answered "not new and not getting worse", the weakness is established: urgent.
    stable = {**pain, "weakness_getting_worse": "absent"}
    assert _triage(shipped_kb, stable).urgency == "urgent"
    # The same reading for a palsy at the fibular head: worse pain alone is not "new or
    # progressing" (urgent either way).
    palsy = {
        **pain,
        "back_pain": "absent",
        "tinel_fibular_head_left": "present",
    }
    assert "new_peroneal_palsy" not in _fired(_triage(shipped_kb, palsy))
    fired = _fired(_triage(shipped_kb, {**palsy, "weakness_getting_worse": "present"}))
    assert fired == {"new_peroneal_palsy": "urgent"}


def test_wells_score_counts_points_on_the_swollen_leg(shipped_kb: KnowledgeBase) -> None:
    calf = {"calf_swollen_left": "present"}  # 1 point: DVT unlikely, urgent advice
    assert _triage(shipped_kb, calf).urgency == "urgent"
    likely = {**calf, "immobilised_or_recent_surgery": "present"}  # 2 points
    assert _fired(_triage(shipped_kb, likely))["dvt_likely"] == "emergency"
    other = {**likely, "alternative_diagnosis_as_likely_as_dvt": "present"}  # 0 points
    assert "dvt_likely" not in _fired(_triage(shipped_kb, other))
    crossed = {**likely, "pitting_oedema_right": "present", "calf_swollen_right": "absent"}
    assert "dvt_likely" in _fired(_triage(shipped_kb, crossed))  # the left leg still scores 2
    split = {"calf_swollen_left": "present", "deep_vein_tenderness_right": "present"}
    assert "dvt_likely" not in _fired(_triage(shipped_kb, split))  # 1 point on each leg


def test_the_self_check_asks_the_wells_history_items_a_person_knows(
    shipped_kb: KnowledgeBase,
) -> None:
    # NG158's history items (active cancer, a past clot, recent surgery or bed rest) are known
    # to the person: a swollen calf on chemotherapy scores 2 in the self-check too.
    findings = {f.id: f for f in shipped_kb.raw.findings}
    for item in ("active_cancer", "previous_dvt", "immobilised_or_recent_surgery"):
        assert "self_check" in findings[item].settings, item
    chemo = {"calf_swollen_left": "present", "active_cancer": "present"}
    assert _fired(_triage(shipped_kb, chemo))["dvt_likely"] == "emergency"


def test_an_infection_risk_steps_down_only_when_long_standing_and_stable(
    shipped_kb: KnowledgeBase,
) -> None:
    # A spinal infection's fever and deficit often come late: weeks of stable pain with a risk
    # factor are still assessed within days; over 3 months and not getting worse, routine.
    risk = {"back_pain": "present", "recent_spinal_procedure_or_bloodstream_infection": "present"}
    assert _fired(_triage(shipped_kb, risk))["spinal_infection_risk"] == "urgent"  # tempo unknown
    weeks = {**risk, "onset_within_2_weeks": "absent", "symptoms_getting_worse": "absent"}
    assert _fired(_triage(shipped_kb, weeks))["spinal_infection_risk"] == "urgent"
    stable = {**weeks, "symptoms_over_3_months": "present"}
    assert _fired(_triage(shipped_kb, stable))["spinal_infection_risk"] == "routine"
    worse = {**stable, "symptoms_getting_worse": "present"}
    assert _fired(_triage(shipped_kb, worse))["spinal_infection_risk"] == "urgent"
    assert _triage(shipped_kb, {**stable, "fever": "present"}).urgency == "emergency"


def test_acute_ischaemia_signs_must_be_on_the_same_leg(shipped_kb: KnowledgeBase) -> None:
    crossed = {
        "cool_skin_foot_left": "present",
        "reduced_foot_pulses_right": "present",
        "sudden_onset": "present",
    }
    assert "acute_limb_ischaemia" not in _fired(_triage(shipped_kb, crossed))
    same = {**crossed, "reduced_foot_pulses_left": "present"}
    flag = next(f for f in _triage(shipped_kb, same).red_flags if f.id == "acute_limb_ischaemia")
    assert "reduced_foot_pulses_right" not in flag.findings
    assert {"cool_skin_foot_left", "reduced_foot_pulses_left", "sudden_onset"} <= set(flag.findings)


def test_bilateral_weakness_needs_both_legs(shipped_kb: KnowledgeBase) -> None:
    one_leg = {"strength_ankle_dorsiflexion_left": "3", "strength_hip_abduction_left": "3"}
    assert "bilateral_motor_deficit" not in _fired(_triage(shipped_kb, one_leg))


def test_reported_weakness_is_an_emergency_only_when_sudden_and_new(
    shipped_kb: KnowledgeBase,
) -> None:
    sudden = {
        "weakness_lower_leg_right": "present",
        "sudden_onset": "present",
        "onset_within_2_weeks": "present",
    }
    assert "sudden_new_leg_weakness" in _fired(_triage(shipped_kb, sudden))
    # Gradual, or over 2 weeks old, or begun in sport (a muscle or tendon injury): not this rule.
    for changed in (
        {"sudden_onset": "absent"},
        {"onset_within_2_weeks": "absent"},
        {"onset_during_sport_or_exercise_right": "present"},
    ):
        assert "sudden_new_leg_weakness" not in _fired(_triage(shipped_kb, sudden | changed))
    # Placed at the fibular head by the examination: a peroneal palsy, urgent.
    peroneal = sudden | {
        "back_pain": "absent",
        "strength_ankle_dorsiflexion_right": "3",
        "tinel_fibular_head_right": "present",
    }
    fired = _fired(_triage(shipped_kb, peroneal))
    assert "sudden_new_leg_weakness" not in fired
    assert fired.get("new_peroneal_palsy") == "urgent"


def test_weak_small_foot_muscles_are_urgent_not_an_emergency(shipped_kb: KnowledgeBase) -> None:
    # Established polyneuropathy weakens the intrinsic foot muscles of both feet.
    feet = {"strength_toe_spreading_left": "2", "strength_toe_spreading_right": "2"}
    result = _triage(shipped_kb, feet)
    assert result.urgency == "urgent"
    assert set(_fired(result)) == {"significant_motor_deficit"}


def test_inflammatory_back_pain_follows_nice_ng65(shipped_kb: KnowledgeBase) -> None:
    """Over 3 months, began before 45, and ≥ 4 criteria, or 3 with HLA-B27 positive."""
    base = {"back_pain": "present", "symptoms_over_3_months": "present", "age_over_50": "absent"}
    three = {
        **base,
        "night_pain": "present",
        "pain_buttock_left": "present",
        "psoriasis": "present",
    }
    assert "inflammatory_back_pain" not in _fired(_triage(shipped_kb, three))
    assert _fired(_triage(shipped_kb, {**three, "hla_b27_positive": "present"})) == {
        "inflammatory_back_pain": "routine"
    }
    four = {**three, "nsaid_good_response": "present"}
    assert _fired(_triage(shipped_kb, four))["inflammatory_back_pain"] == "routine"
    short = {**four, "symptoms_over_3_months": "absent"}
    assert "inflammatory_back_pain" not in _fired(_triage(shipped_kb, short))
    older = {**four, "age_over_50": "present"}
    assert "inflammatory_back_pain" not in _fired(_triage(shipped_kb, older))


def test_unknown_and_absent_answers_never_fire_a_rule(shipped_kb: KnowledgeBase) -> None:
    red = [i.name for i in shipped_kb.finding_instances if shipped_kb.findings[i.id].red_flag]
    for state in ("absent", "unknown"):
        result = _triage(shipped_kb, dict.fromkeys(red, state))
        assert result.red_flags == ()


# ── probability baselines ────────────────────────────────────────────────────────────────────


def test_cauda_equina_probability_alone_is_routine_with_safety_netting(
    shipped_kb: KnowledgeBase,
) -> None:
    """Suspected CES is defined by its red flags, each an emergency rule of its own; without
    one the pathway does not suspect CES, and the posterior alone brings its safety-netting."""
    result = _triage(shipped_kb, {}, cauda_equina=0.12, l5_root_left=0.5)
    assert result.urgency == "routine" and result.red_flags == ()
    assert [b.id for b in result.baselines] == ["possible_cauda_equina"]
    assert result.baselines[0].hidden == ("cauda_equina",)
    assert "bladder" in result.baselines[0].plain
    with_flag = _triage(shipped_kb, {"numbness_saddle": "present"}, cauda_equina=0.12)
    assert with_flag.urgency == "emergency"


def test_cause_probabilities_can_raise_the_baseline(shipped_kb: KnowledgeBase) -> None:
    flag = {"night_pain": "present"}
    result = triage(
        shipped_kb, flag, {"l5_root_left": 0.4}, cause_probabilities={"spinal_tumour": 0.2}
    )
    assert result.urgency == "urgent"
    assert result.baselines[0].id == "possible_spinal_malignancy"


def test_a_malignancy_posterior_needs_a_malignancy_red_flag(shipped_kb: KnowledgeBase) -> None:
    """The tumour posterior rises with any cauda equina suspicion; it counts only with a flag
    guidelines agree on (past cancer, weight loss, night pain; Verhagen 2016)."""
    result = triage(
        shipped_kb, {}, {"l5_root_left": 0.4}, cause_probabilities={"spinal_tumour": 0.2}
    )
    assert result.urgency == "routine" and result.baselines[0].id == "default"


def test_self_care_is_not_for_symptoms_over_3_months(shipped_kb: KnowledgeBase) -> None:
    """Self-care first, then "refer if symptoms persist following 12 weeks of self management"."""
    long = {"symptoms_over_3_months": "present"}
    result = _triage(shipped_kb, long, plantar_fascia_left=0.8, l5_root_left=0.1)
    assert result.urgency == "routine" and result.baselines[0].id == "default"
    recent = {"symptoms_over_3_months": "absent"}
    assert _triage(shipped_kb, recent, plantar_fascia_left=0.8).urgency == "self_care"


def test_self_limiting_site_on_its_own_is_self_care(shipped_kb: KnowledgeBase) -> None:
    result = _triage(shipped_kb, {}, plantar_fascia_left=0.8, l5_root_left=0.1)
    assert result.urgency == "self_care"
    contended = _triage(shipped_kb, {}, plantar_fascia_left=0.8, l5_root_left=0.3)
    assert contended.urgency == "routine" and contended.baselines[0].id == "default"


def test_self_care_rivals_are_weighed_by_what_they_explain(shipped_kb: KnowledgeBase) -> None:
    """A knee joint likely by age alone (posterior 0.3, explaining nothing reported) does not
    keep a plain heel pain from self-care; one that explains the answers does."""
    sites = {"plantar_fascia_left": 0.8, "knee_joint_left": 0.3}
    by_prior = triage(shipped_kb, {}, sites, site_explains={"knee_joint_left": 0.01})
    assert by_prior.urgency == "self_care"
    pointed_to = triage(shipped_kb, {}, sites, site_explains={"knee_joint_left": 0.3})
    assert pointed_to.urgency == "routine" and pointed_to.baselines[0].id == "default"
    assert _triage(shipped_kb, {}, **sites).urgency == "routine"  # no explains: the posterior


def test_a_baseline_unless_reads_its_sites_side(shipped_kb: KnowledgeBase) -> None:
    # A snap at onset keeps self-care off the heel it happened to, not the other one.
    same = _triage(shipped_kb, {"snap_at_onset_left": "present"}, plantar_fascia_left=0.8)
    assert same.urgency == "routine"
    other = _triage(shipped_kb, {"snap_at_onset_right": "present"}, plantar_fascia_left=0.8)
    assert other.baselines[0].id == "self_limiting_foot_or_hip"


def test_worse_pain_is_not_progressing_upper_motor_neurone_signs(
    shipped_kb: KnowledgeBase,
) -> None:
    signs = {"upper_motor_neurone_signs_left": "present", "symptoms_getting_worse": "present"}
    result = _triage(shipped_kb, signs)
    assert result.urgency == "urgent"
    assert [f.id for f in result.red_flags] == ["upper_motor_neurone_signs"]
    weaker = _triage(shipped_kb, {**signs, "weakness_getting_worse": "present"})
    assert [f.id for f in weaker.red_flags] == ["upper_motor_neurone_signs_new"]


def test_a_weakness_not_getting_worse_is_established(shipped_kb: KnowledgeBase) -> None:
    # The pain is worse but the weakness is not: a dense drop over 2 weeks old is established.
    drop = {
        "strength_ankle_dorsiflexion_right": "2",
        "onset_within_2_weeks": "absent",
        "symptoms_getting_worse": "present",
    }
    assert _triage(shipped_kb, drop).urgency == "emergency"
    settled = _triage(shipped_kb, {**drop, "weakness_getting_worse": "absent"})
    assert settled.urgency == "urgent"
    assert [f.id for f in settled.red_flags] == ["significant_motor_deficit"]


def test_arterial_disease_on_top_is_routine(shipped_kb: KnowledgeBase) -> None:
    result = _triage(shipped_kb, {}, peripheral_arterial_disease_left=0.7)
    assert result.urgency == "routine"
    assert result.baselines[0].id == "peripheral_arterial_disease_likely"


def test_no_probabilities_gives_the_default(shipped_kb: KnowledgeBase) -> None:
    result = _triage(shipped_kb, {})
    assert result.urgency == "routine" and result.baselines[0].id == "default"


# ── properties ───────────────────────────────────────────────────────────────────────────────


def _states(kb: KnowledgeBase) -> list[tuple[str, tuple[str, ...]]]:
    return [(i.name, (*kb.findings[i.id].states, "unknown")) for i in kb.finding_instances]


SHIPPED = load_knowledge_base()
INSTANCES = _states(SHIPPED)
SITE_NAMES = [h.name for h in SHIPPED.hidden if h.kind == "site"]
RED_FLAG_INSTANCES = sorted(
    {i.name for i in SHIPPED.finding_instances if SHIPPED.findings[i.id].red_flag}
    | {"numbness_saddle", "pins_and_needles_saddle", "tingling_saddle", "sensory_loss_saddle"}
)


@st.composite
def evidence_strategy(draw: st.DrawFn) -> dict[str, str]:
    chosen = draw(st.lists(st.sampled_from(INSTANCES), max_size=25, unique_by=lambda x: x[0]))
    return {name: draw(st.sampled_from(states)) for name, states in chosen}


site_probabilities = st.dictionaries(
    st.sampled_from(SITE_NAMES), st.floats(min_value=0.0, max_value=1.0), max_size=8
)

PROPERTY = settings(deadline=None, max_examples=150, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(evidence_strategy(), site_probabilities, st.sampled_from(RED_FLAG_INSTANCES))
def test_adding_a_red_flag_never_lowers_urgency(
    evidence: dict[str, str], sites: dict[str, float], red_flag: str
) -> None:
    before = triage(SHIPPED, evidence, sites)
    after = triage(SHIPPED, {**evidence, red_flag: "present"}, sites)
    assert urgency_rank(after.urgency) >= urgency_rank(before.urgency)
    # A flag goes only when a more urgent one takes its place (a rule's ``unless``).
    kept = {f.id for f in after.red_flags}
    for flag in before.red_flags:
        assert flag.id in kept or urgency_rank(after.urgency) > urgency_rank(flag.level)


@PROPERTY
@given(evidence_strategy(), st.floats(min_value=0.5, max_value=1.0))
def test_a_self_care_baseline_never_quietens_a_red_flag(
    evidence: dict[str, str], heel: float
) -> None:
    result = triage(SHIPPED, evidence, {"plantar_fascia_left": heel})
    # Self-care is for a recent problem that mends by itself: over 3 months, or after a snap at
    # onset on that foot (a rupture's story), the default (routine) applies. A snap on the other
    # leg says nothing of this heel: the baseline's unless is read on its site's side.
    snap = evidence.get("snap_at_onset_left") == "present"
    chronic = evidence.get("symptoms_over_3_months") == "present"
    base = "routine" if chronic or snap else "self_care"
    assert urgency_rank(result.urgency) == max(
        [urgency_rank(base), *(urgency_rank(f.level) for f in result.red_flags)]
    )
    if result.red_flags:
        assert urgency_rank(result.urgency) >= urgency_rank(result.red_flags[0].level)
        assert result.urgency != "self_care"


@PROPERTY
@given(evidence_strategy(), site_probabilities)
def test_urgency_is_the_highest_of_baseline_and_rules(
    evidence: dict[str, str], sites: dict[str, float]
) -> None:
    result = triage(SHIPPED, evidence, sites)
    levels = [*(b.level for b in result.baselines), *(f.level for f in result.red_flags)]
    assert result.urgency == most_urgent(levels)
    ranks = [urgency_rank(f.level) for f in result.red_flags]
    assert ranks == sorted(ranks, reverse=True)
    reordered = dict(reversed(list(evidence.items())))
    assert triage(SHIPPED, reordered, sites) == result


# Rules with an ``unless``, each with the ways its ``when`` holds on the left leg and the ways
# its ``unless`` holds with right-leg findings only.
_RNG = random.Random(0)
_UNLESS_RULES = [
    (
        rule.id,
        witnesses(SHIPPED, rule.when, "left", _RNG),
        [
            w
            for w in witnesses(SHIPPED, rule.unless, "right", _RNG)
            if all(SHIPPED.finding_instances_by_name[n].side == "right" for n in w)
        ],
    )
    for rule in SHIPPED.raw.triage.rules
    if rule.unless is not None
]
_OTHER_LEG = [(n, s) for n, s in INSTANCES if SHIPPED.finding_instances_by_name[n].side == "right"]


@st.composite
def one_leg_and_the_other(draw: st.DrawFn) -> tuple[dict[str, str], dict[str, str]]:
    """Answers about the left leg and the midline (a rule's ``when`` on the left, some random
    answers), and answers about the right leg only (what the rule's ``unless`` excludes, and
    random right-leg answers)."""
    _, fire, silence = draw(st.sampled_from([r for r in _UNLESS_RULES if r[1]]))
    left = dict(draw(st.sampled_from(fire)))
    for name, states in draw(st.lists(st.sampled_from(INSTANCES), max_size=6)):
        if SHIPPED.finding_instances_by_name[name].side != "right":
            left.setdefault(name, draw(st.sampled_from(states)))
    right = dict(draw(st.sampled_from(silence))) if silence else {}
    for name, states in draw(st.lists(st.sampled_from(_OTHER_LEG), max_size=10)):
        right.setdefault(name, draw(st.sampled_from(states)))
    return left, right


@PROPERTY
@given(one_leg_and_the_other())
def test_a_red_flag_on_one_leg_is_never_quietened_by_the_other_leg(
    legs: tuple[dict[str, str], dict[str, str]],
) -> None:
    """Findings on the right leg only never silence or lower a red flag that a left-leg finding
    fired (a fibular-head palsy on one side says nothing of a foot drop on the other)."""
    left, right = legs
    after = {f.id: f for f in triage(SHIPPED, {**left, **right}, {}).red_flags}
    for flag in triage(SHIPPED, left, {}).red_flags:
        sides = {SHIPPED.finding_instances_by_name[n].side for n in flag.findings}
        if "left" in sides:
            assert flag.id in after, f"{flag.id} silenced by {right}"
            assert urgency_rank(after[flag.id].level) >= urgency_rank(flag.level)


# ── bad input is refused, never ignored ──────────────────────────────────────────────────────


def test_a_misspelt_finding_is_refused_with_the_nearest_name(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match="did you mean numbness_saddle"):
        _triage(shipped_kb, {"numbnes_saddle": "present"})


def test_an_impossible_state_is_refused(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match="strength_ankle_dorsiflexion_left: found '6'"):
        _triage(shipped_kb, {"strength_ankle_dorsiflexion_left": "6"})
    with pytest.raises(CaseError, match="foot_drop_left: found 'yes'"):
        _triage(shipped_kb, {"foot_drop_left": "yes"})


@pytest.mark.parametrize("value", [-0.1, 1.5, math.nan])
def test_a_probability_outside_zero_to_one_is_refused(
    shipped_kb: KnowledgeBase, value: float
) -> None:
    with pytest.raises(CaseError, match="expected a number from 0 to 1"):
        _triage(shipped_kb, {}, cauda_equina=value)


def test_an_unknown_site_is_refused(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match="did you mean l5_root_left"):
        _triage(shipped_kb, {}, l5_root_lft=0.5)


# ── the tiny fixture base, and broken rule files ─────────────────────────────────────────────


def test_tiny_base_rules_fire(tiny_kb: KnowledgeBase) -> None:
    pair = "bilateral_tension_with_numb_web_space"
    both_legs = {"straight_leg_raise_left": "present", "straight_leg_raise_right": "present"}
    assert pair not in _fired(_triage(tiny_kb, both_legs))
    one_leg = {"straight_leg_raise_left": "present", "reflex_achilles_left": "absent"}
    assert pair not in _fired(_triage(tiny_kb, one_leg))
    result = _triage(tiny_kb, {**both_legs, "reflex_achilles_right": "reduced"})
    assert _fired(result)[pair] == "urgent" and result.urgency == "urgent"
    assert _triage(tiny_kb, {"bladder_dysfunction": "present"}).urgency == "emergency"
    assert _triage(tiny_kb, {}, peroneal_nerve_left=0.9).urgency == "self_care"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"fixture changed: {old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1))


def _problems(root: Path) -> tuple[str, ...]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(root)
    return caught.value.problems


def test_unknown_ids_and_grades_in_rules_name_the_nearest_valid_ones(kb_copy: Path) -> None:
    triage_file = kb_copy / "triage.yaml"
    _edit(triage_file, "finding: bladder_dysfunction", "finding: bladder_dysfuntion")
    _edit(triage_file, '"strength_*", in: ["3"', '"strenght_*", in: ["3"')
    _edit(triage_file, "in: [reduced, absent]", "in: [reduced, gone]")
    _edit(triage_file, "probability_of: l5_root", "probability_of: l5_rot")
    _edit(triage_file, "top_site_in: [peroneal_nerve]", "top_site_in: [peroneal_nerv]")
    recommendations = kb_copy / "recommendations.yaml"
    _edit(recommendations, "rules: [bladder]", "rules: [bladdr]")
    _edit(recommendations, "between: [l5_root, peroneal_nerve]", "between: [l5_root, peroneal]")
    problems = _problems(kb_copy)
    expected = [
        "triage.yaml › bladder › when.finding: found 'bladder_dysfuntion', expected a known "
        "finding (did you mean bladder_dysfunction",
        "triage.yaml › weak_great_toe › when.finding: found 'strenght_*', expected a known "
        "finding prefix (did you mean strength_*",
        "triage.yaml › bilateral_tension_with_numb_web_space › when.all_of.1.any_of.1.of.0.in: "
        "found 'gone', which 'reflex_achilles' cannot take, expected one of "
        "['normal', 'brisk', 'reduced', 'absent']",
        "triage.yaml › root_likely › probability_of: found 'l5_rot', expected a known site or "
        "cause (did you mean l5_root",
        "triage.yaml › self_limiting › top_site_in.0: found 'peroneal_nerv', expected a known "
        "site (did you mean peroneal_nerve",
        "recommendations.yaml › bladder_mri › rules.0: found 'bladdr', expected a known triage "
        "rule (did you mean bladder",
        "recommendations.yaml › root_vs_nerve › between.1: found 'peroneal', expected a known "
        "site (did you mean peroneal_nerve",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_a_grade_off_the_scale_is_reported(kb_copy: Path) -> None:
    _edit(kb_copy / "triage.yaml", 'in: ["3", "2", "1", "0"]', 'in: ["3", "6"]')
    problems = _problems(kb_copy)
    assert any(
        p.startswith("triage.yaml › weak_great_toe › when.in: found '6', which 'strength_")
        and "expected one of ['5', '4', '3', '2', '1', '0']" in p
        for p in problems
    ), problems


def test_schema_problems_in_rule_files_are_all_reported(kb_copy: Path) -> None:
    triage_file = kb_copy / "triage.yaml"
    _edit(triage_file, "level: emergency", "level: soon")
    _edit(
        triage_file, "- {finding: numbness_first_web_space", "- {findng: numbness_first_web_space"
    )
    _edit(triage_file, "\nrules:", "\ncolour: red\nrules:")
    _edit(kb_copy / "recommendations.yaml", "kind: imaging", "kind: scan")
    problems = _problems(kb_copy)
    expected = [
        "triage.yaml › bladder › level: found 'soon', expected",
        "triage.yaml › bilateral_tension_with_numb_web_space › when.all_of.1.any_of.0: found "
        "dict, expected a condition",
        "triage.yaml › colour: found an unknown key, expected one of",
        "recommendations.yaml › bladder_mri › advice.0.kind: found 'scan', expected",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in problems), (start, problems)


def test_a_missing_rule_file_is_named(kb_copy: Path) -> None:
    (kb_copy / "triage.yaml").unlink()
    assert "triage.yaml: found no file, expected one" in _problems(kb_copy)


def test_an_emergency_without_the_emergency_department_is_refused(kb_copy: Path) -> None:
    _edit(
        kb_copy / "recommendations.yaml",
        "{kind: care, see: emergency_department, plain: Go to an emergency department now.",
        "{kind: care, see: gp, plain: Go to an emergency department now.",
    )
    assert any(
        p.startswith("recommendations.yaml › emergency › advice: found no care with see: ")
        for p in _problems(kb_copy)
    )


def test_a_red_flag_finding_that_no_rule_reads_is_reported(kb_copy: Path) -> None:
    _edit(kb_copy / "triage.yaml", "finding: bladder_dysfunction", "finding: straight_leg_raise")
    assert any(
        p.startswith(
            "findings/all.yaml › bladder_dysfunction › red_flag: found a red flag that no rule"
        )
        for p in _problems(kb_copy)
    )


def test_raised_markers_with_buttock_pain_are_an_emergency_unless_long_standing(
    shipped_kb: KnowledgeBase,
) -> None:
    """Michigan: imaging within 6 hours with normal neurology; the pain need not be stated new.
    Over 3 months and not getting worse, an inflammatory cause is likelier: one level lower."""
    markers = {"pain_buttock_right": "present", "raised_inflammatory_markers": "present"}
    assert _fired(_triage(shipped_kb, markers)) == {"suspected_spinal_infection": "emergency"}
    stable = {**markers, "symptoms_over_3_months": "present", "symptoms_getting_worse": "absent"}
    result = _triage(shipped_kb, stable)
    assert _fired(result) == {"suspected_spinal_infection": "urgent"}
    assert result.red_flags[0].long_standing


def test_reported_weakness_rules_need_a_weak_leg_not_the_tempo_question_alone(
    shipped_kb: KnowledgeBase,
) -> None:
    """``weakness_*`` also matches ``weakness_getting_worse``: the self-check's weakness rules
    leave it out, so "getting weaker" needs a weak part of a leg (both legs for the bilateral
    rule), and a long-standing, unchanged weakness of both legs fires neither."""
    alone = _fired(_triage(shipped_kb, {"weakness_getting_worse": "present"}))
    assert "reported_weakness_getting_worse" not in alone
    assert "reported_weakness_both_legs_new" not in alone
    one_leg = {"weakness_foot_left": "present", "onset_within_2_weeks": "present"}
    assert "reported_weakness_both_legs_new" not in _fired(_triage(shipped_kb, one_leg))
    stable = {
        "weakness_whole_leg_left": "present",
        "weakness_whole_leg_right": "present",
        "onset_within_2_weeks": "absent",
        "symptoms_over_3_months": "present",
        "weakness_getting_worse": "absent",
    }
    fired = _fired(_triage(shipped_kb, stable))
    assert "reported_weakness_both_legs_new" not in fired
    assert "reported_weakness_getting_worse" not in fired


def test_every_weak_part_pattern_leaves_out_the_course(shipped_kb: KnowledgeBase) -> None:
    """``weakness_*`` names weak parts of a leg; it also matches ``weakness_getting_worse``, a
    course. Every rule that reads the pattern leaves the course out, and names it on its own
    where its wording counts a leg that has become weaker."""
    book = shipped_kb.raw.triage
    conditions = list(book.shared)
    for rule in book.rules:
        conditions.extend(c for c in (rule.when, rule.unless) if c is not None)
        if rule.long_standing is not None and rule.long_standing.when is not None:
            conditions.append(rule.long_standing.when)
    leaves = [leaf for c in conditions for leaf in condition_leaves(c)]
    patterns = [leaf for leaf in leaves if leaf.finding == "weakness_*"]
    assert patterns
    for leaf in patterns:
        assert "weakness_getting_worse" in leaf.excluding, leaf


def test_a_motor_deficit_steps_down_on_the_weakness_course_not_the_pain(
    shipped_kb: KnowledgeBase,
) -> None:
    """A motor deficit is long-standing and stable when the weakness is not getting worse:
    worse pain over it is not a progressive deficit. Rules whose deterioration may be numbness
    (bilateral leg symptoms) still need the whole course answered no."""
    months = {"symptoms_over_3_months": "present", "symptoms_getting_worse": "present"}
    deficit = {"back_pain": "present", "strength_ankle_dorsiflexion_right": "3", **months}
    assert _fired(_triage(shipped_kb, deficit)) == {"significant_motor_deficit": "urgent"}
    steady = _triage(shipped_kb, {**deficit, "weakness_getting_worse": "absent"})
    assert _fired(steady) == {"significant_motor_deficit": "routine"}
    assert steady.red_flags[0].long_standing
    weaker = _triage(shipped_kb, {**deficit, "weakness_getting_worse": "present"})
    assert weaker.urgency == "emergency"
    severe = {"strength_knee_extension_left": "2", **months, "weakness_getting_worse": "absent"}
    assert _fired(_triage(shipped_kb, severe))["severe_motor_deficit"] == "urgent"
    bilateral = {
        "bilateral_leg_symptoms": "present",
        "numbness_whole_leg_left": "present",
        **months,
        "weakness_getting_worse": "absent",
    }
    assert _fired(_triage(shipped_kb, bilateral))["bilateral_leg_symptoms"] == "urgent"


def test_a_rules_own_long_standing_condition_is_checked(kb_copy: Path) -> None:
    _edit(
        kb_copy / "triage.yaml",
        "    clinical: Significant motor deficit.\n",
        "    clinical: Significant motor deficit.\n"
        "    long_standing:\n"
        "      when: {finding: symptoms_over_3_monts, in: [present]}\n"
        "      plain: Long-standing.\n"
        "      clinical: Long-standing.\n",
    )
    problems = _problems(kb_copy)
    assert any(
        p.startswith("triage.yaml › weak_great_toe › long_standing.when.finding: found ")
        for p in problems
    ), problems
