"""What people say about how the pain presents (findings/presentation.yaml, issue #14 item 3): a
snap at onset, not bearing weight, a limp, local foot or ankle swelling, pregnancy. Each moves the
sites a clinician would expect it to move."""

from __future__ import annotations

from sites_support import probability as _p
from sites_support import ranked_sites as _sites

import nervepath
from nervepath.knowledge.loader import read_knowledge_base


def test_a_person_is_asked_what_they_can_say_pregnancy_included() -> None:
    findings = {f.id: f for f in read_knowledge_base().findings}
    for own_words in ("snap_at_onset", "unable_to_bear_weight", "limp"):
        assert "self_check" in findings[own_words].settings
    assert "self_check" in findings["foot_ankle_swelling_where_it_hurts"].settings
    # The interview asks it of no man (tests/interview: only_sex).
    assert "self_check" in findings["pregnant_or_recent_birth"].settings


def test_a_snap_at_the_back_of_the_ankle_at_a_sudden_onset_puts_the_achilles_tendon_first() -> None:
    sudden = {"pain_back_of_ankle_left": "present", "sudden_onset": "present"}
    before = _p(_sites(sudden, age=40, setting="self_check"), "achilles_tendon", "left")
    sites = _sites(sudden | {"snap_at_onset_left": "present"}, age=40, setting="self_check")
    assert (sites[0].id, sites[0].side) == ("achilles_tendon", "left")
    assert _p(sites, "achilles_tendon", "left") > 2 * before


def test_a_sudden_calf_pain_with_a_snap_is_read_as_the_achilles_tendon_not_the_s1_root() -> None:
    calf = {
        "pain_calf_right": "present",
        "sudden_onset": "present",
        "snap_at_onset_right": "present",
    }
    sites = _sites(calf, age=40)
    assert (sites[0].id, sites[0].side) == ("achilles_tendon", "right")
    assert _p(sites, "achilles_tendon", "right") > 2 * _p(sites, "s1_root", "right")


def test_the_snap_counts_on_its_own_side_only() -> None:
    ankle = {"pain_back_of_ankle_left": "present", "sudden_onset": "present"}
    other_side = _sites(ankle | {"snap_at_onset_right": "present"}, age=40)
    same_side = _sites(ankle | {"snap_at_onset_left": "present"}, age=40)
    assert _p(same_side, "achilles_tendon", "left") > _p(other_side, "achilles_tendon", "left")


def test_swelling_where_the_heel_hurts_raises_the_achilles_tendon_and_its_absence_lowers_it() -> (
    None
):
    def achilles(answers: dict[str, str]) -> float:
        return _p(
            _sites({"pain_heel_left": "present"} | answers, age=45), "achilles_tendon", "left"
        )

    swelling = "foot_ankle_swelling_where_it_hurts_left"
    assert achilles({swelling: "present"}) > achilles({}) > achilles({swelling: "absent"})


def test_a_limp_with_groin_pain_puts_the_hip_joint_first() -> None:
    groin = {"pain_groin_right": "present"}
    before = _p(_sites(groin, age=30), "hip_joint", "right")
    sites = _sites(groin | {"limp_right": "present"}, age=30)
    assert (sites[0].id, sites[0].side) == ("hip_joint", "right")
    assert _p(sites, "hip_joint", "right") > before


def test_not_bearing_weight_raises_the_weight_bearing_sites_more_than_a_nerve() -> None:
    heel = {"pain_heel_left": "present"}
    cannot = heel | {"unable_to_bear_weight_left": "present"}
    calcaneus = _p(_sites(cannot, age=45), "calcaneus", "left") / _p(
        _sites(heel, age=45), "calcaneus", "left"
    )
    tarsal = "tibial_nerve_tarsal_tunnel"
    nerve = _p(_sites(cannot, age=45), tarsal, "left") / _p(_sites(heel, age=45), tarsal, "left")
    assert calcaneus > 2 and nerve < 1


def test_pregnancy_with_buttock_pain_puts_the_sacroiliac_joint_first() -> None:
    buttock = {"pain_buttock_right": "present"}
    before = _sites(buttock, age=30)
    sites = _sites(buttock | {"pregnant_or_recent_birth": "present"}, age=30)
    assert (sites[0].id, sites[0].side) == ("sacroiliac_joint", "right")
    assert _p(sites, "sacroiliac_joint", "right") > 2 * _p(before, "sacroiliac_joint", "right")


def _urgency(answers: dict[str, str]) -> tuple[str, set[str]]:
    result = nervepath.assess({"setting": "self_check", "patient": {"age": 40}, "answers": answers})
    return result.urgency, {flag.id for flag in result.red_flags}


def test_a_new_heel_pain_that_began_with_a_snap_is_sent_for_a_same_day_rupture_check() -> None:
    new_pain = {"pain_back_of_ankle_right": "present", "onset_within_2_weeks": "present"}
    urgency, flags = _urgency(new_pain | {"snap_at_onset_right": "present"})
    assert urgency == "emergency" and "suspected_achilles_rupture" in flags
    # The snap must be on the painful leg.
    assert (
        "suspected_achilles_rupture"
        not in _urgency(new_pain | {"snap_at_onset_left": "present"})[1]
    )


def test_a_snap_keeps_a_likely_achilles_problem_out_of_self_care() -> None:
    # No tempo answered, so the rupture rule cannot fire; self-care must still not be offered.
    ankle = {"pain_back_of_ankle_right": "present", "sudden_onset": "present"}
    urgency, _ = _urgency(ankle | {"snap_at_onset_right": "present"})
    assert urgency != "self_care"
