"""Sites are ranked by how probably they explain what was reported, not by their prior."""

from __future__ import annotations

import pytest
from sites_support import ranked_sites

from nervepath.assessment.case import parse_case, to_evidence
from nervepath.assessment.service import _shipped_assessor, ranked_origins
from nervepath.engine import infer, probabilities_causing


def test_a_site_likely_only_by_its_prior_does_not_outrank_one_that_explains_the_story() -> None:
    # A painless foot drop: the knee joint (prior about 13 % a side) is as likely to be
    # present as before, but it explains none of this, so it must not lead.
    answers = {"foot_drop_left": "present", "back_pain": "absent"}
    sites = ranked_sites(answers, age=55)
    top = [(s.id, s.side) for s in sites[:3]]
    assert ("knee_joint", "left") not in top
    knee = next(s for s in sites if s.id == "knee_joint" and s.side == "left")
    assert knee.explains == 0.0
    # Ranked by the posterior it would be second, above the sciatic nerve and the L5 root.
    assert knee.probability > max(s.probability for s in sites[1:3])
    assert (sites[0].id, sites[0].side) == ("common_peroneal_nerve", "left")


def test_sites_are_ordered_by_what_they_explain_and_it_never_exceeds_their_probability() -> None:
    sites = ranked_sites(
        {"pain_dorsum_of_foot_right": "present", "straight_leg_raise_right": "present"}, age=45
    )
    # To 1e-12, as rank_sites compares: twins equal but for rounding keep their order.
    keys = [(round(s.explains or 0.0, 12), round(s.probability, 12)) for s in sites]
    assert keys == sorted(keys, reverse=True)
    for s in sites:
        assert s.explains is not None
        assert 0.0 <= s.explains <= s.probability + 1e-12


def test_risk_factors_explain_nothing_so_the_ranking_falls_back_to_the_posterior() -> None:
    # Age, sex, diabetes and smoking make sites likelier; no site produces them.
    answers = {"diabetes": "present", "smoker": "present"}
    sites = ranked_sites(answers, age=72, sex="male")
    assert all(s.explains == 0.0 for s in sites)
    probabilities = [round(s.probability, 12) for s in sites]
    assert probabilities == sorted(probabilities, reverse=True)


@pytest.mark.parametrize(
    "course",
    ["sudden_onset", "onset_within_2_weeks", "symptoms_over_3_months", "symptoms_getting_worse"],
)
def test_the_course_of_the_complaint_explains_nothing_so_the_ranking_falls_back(
    course: str,
) -> None:
    # How long the symptoms have lasted, how they began, whether they are worsening: it moves
    # the posteriors, but it describes the reported symptoms, not one a site produces at a
    # place. Counted, a site on the other side "explained" three months of symptoms through a
    # cause linked to chronicity (the left sacroiliac joint, by axial spondyloarthritis, in a
    # right-heel tendinopathy) and won a top-3 place by default.
    sites = ranked_sites({course: "present"}, age=45)
    assert all(s.explains == 0.0 for s in sites)
    probabilities = [round(s.probability, 12) for s in sites]
    assert probabilities == sorted(probabilities, reverse=True)


def test_a_site_on_the_other_side_is_not_credited_with_the_chronicity() -> None:
    sites = ranked_sites(
        {"pain_heel_right": "present", "symptoms_over_3_months": "present"}, age=40, sex="male"
    )
    left = next(s for s in sites if s.id == "sacroiliac_joint" and s.side == "left")
    assert left.explains == 0.0
    assert left.probability > 0.0


def test_explains_is_the_engine_quantity_with_risk_factors_left_out() -> None:
    assessor = _shipped_assessor()
    case = parse_case(
        {
            "setting": "clinician",
            "patient": {"age": 68},
            "answers": {"diabetes": "present", "numbness_dorsum_of_foot_left": "present"},
        }
    )
    evidence = to_evidence(assessor.kb, case)
    # Left out: the risk factors and the course of the complaint (neither is a site's effect).
    left_out = {f.id for f in assessor.kb.findings.values() if f.risk_factor or f.course}
    assert {"diabetes", "symptoms_over_3_months", "sudden_onset"} <= left_out
    effects = [
        name
        for name, inst in assessor.kb.finding_instances_by_name.items()
        if inst.id not in left_out and name in assessor.compiled.network.finding_index
    ]
    names = [name for name, _ in assessor.differential(case).sites]
    # A site is credited with what its region patterns and nerve territories produce
    # (assessment.service).
    hidden = assessor.compiled.network.hidden_index
    expressions: dict[int, list[int]] = {}
    for h in assessor.kb.hidden:
        if h.kind in ("pattern", "territory"):
            for parent, _ in h.parents:
                expressions.setdefault(hidden[parent], []).append(hidden[h.name])
    expected = probabilities_causing(
        assessor.compiled, evidence, [[n] for n in names], effects=effects, expressions=expressions
    )
    d = assessor.differential(case)
    assert [d.explains[n] for n in names] == pytest.approx(
        [c.explains for c in expected], abs=1e-12
    )
    posterior = infer(assessor.compiled, evidence)
    polyneuropathy = d.explains["polyneuropathy"]
    # Diabetes raises polyneuropathy's posterior but only the numb foot is explained by it.
    assert 0.0 < polyneuropathy < posterior["polyneuropathy"]


def test_origin_groups_explain_at_most_their_probability_and_lead_by_it() -> None:
    # Pain from the buttock down the back of the leg to the sole, with a positive straight leg
    # raise: the spine leads, though joints (hip, knee) are as likely as ever to be present.
    # (Buttock and thigh pain alone is nearly even between the spine and the sacroiliac joint.)
    assessor = _shipped_assessor()
    case = parse_case(
        {
            "setting": "clinician",
            "patient": {"age": 45},
            "answers": {
                "pain_buttock_left": "present",
                "pain_posterior_thigh_left": "present",
                "pain_calf_left": "present",
                "pain_lateral_sole_left": "present",
                "straight_leg_raise_left": "present",
            },
        }
    )
    d = assessor.differential(case)
    for group, p in d.origin.items():
        assert 0.0 <= d.origin_explains[group] <= p + 1e-12
    leading = ranked_origins(d.origin, d.origin_explains)[0]
    assert leading[0] == "lumbar_spine"
    assert leading[2] == max(d.origin_explains.values())


def test_pain_at_the_back_of_the_ankle_alone_is_read_as_the_achilles_tendon_not_the_s1_root() -> (
    None
):
    # S1 pain reaches nine regions of the leg and foot (Taylor 2013: 79 of 83 S1 compressions
    # marked the back of the dermatome); one of them alone is weak evidence for the root, the
    # tendon's own pain strong evidence for the tendon.
    sites = ranked_sites({"pain_back_of_ankle_right": "present"}, age=30)
    assert (sites[0].id, sites[0].side) == ("achilles_tendon", "right")


def test_back_pain_running_through_the_calf_to_the_heel_is_still_read_as_the_s1_root() -> None:
    answers = {"back_pain": "present", "pain_calf_right": "present", "pain_heel_right": "present"}
    sites = ranked_sites(answers, age=45)
    assert (sites[0].id, sites[0].side) == ("s1_root", "right")
