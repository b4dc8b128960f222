"""The interview state machine: the body map, warning signs first, an emergency shown at once,
back undoes, "don't know" changes nothing, the stop rule; and the terminal door's parsing."""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from rich.console import Console

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessor, Differential
from nervepath.engine.questions import rank_questions
from nervepath.errors import CaseError
from nervepath.interview import adaptive
from nervepath.interview.machine import Interview
from nervepath.interview.plan import plan
from nervepath.interview.steps import Step
from nervepath.interview.terminal import parse_reply, run_interview
from nervepath.knowledge.catalogue import findings_catalogue
from nervepath.knowledge.model import KnowledgeBase


@pytest.fixture(scope="module")
def shipped(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


@pytest.fixture(scope="module")
def tiny(tiny_kb: KnowledgeBase) -> Assessor:
    return Assessor(tiny_kb)


START = ("me", "40_to_50", "female", "2_to_12_weeks", "gradual")


def _start(interview: Interview, answers: tuple[str, ...] = START) -> None:
    for value in answers:
        assert interview.step.phase == "start"
        interview.answer(value)


def _l5_body_map(interview: Interview) -> None:
    if interview.setting == "self_check":
        _start(interview)
    interview.answer("left")
    interview.answer("lateral_leg", "dorsum_of_foot")
    while interview.step.kind == "feelings":
        interview.answer("pain", "numbness")


def _painful(interview: Interview, start: tuple[str, ...], side: str, region: str) -> None:
    """A self-check started with ``start`` that marks one region of one leg, painful."""
    _start(interview, start)
    interview.answer(side)
    interview.answer(region)
    while interview.step.kind == "feelings":
        interview.answer("pain")


def _screen(interview: Interview, *ticked: str) -> Step:
    """The warning-sign screen, then the risk-factor and noticed-sign checklists if they come
    next: none."""
    assert interview.step.kind == "warning_signs"
    step = interview.answer(*(ticked or ["none"]))
    while step.kind in ("background", "signs"):
        step = interview.answer("none")
    return step


# ── the start ───────────────────────────────────────────────────────────────────────────────


def test_the_start_asks_who_age_sex_how_long_and_how_it_started(
    shipped: Assessor, shipped_kb: KnowledgeBase
) -> None:
    interview = Interview(shipped)
    kinds = []
    for value in ("someone_else", "71_and_over", "male", "over_3_months", "sudden"):
        kinds.append(interview.step.kind)
        assert not interview.step.multiple and interview.step.options[0].value != "unknown"
        interview.answer(value)
    assert kinds == ["for_whom", "age", "sex", "duration", "onset"]
    assert interview.step.kind == "side"  # then the body map
    # The age bands are the knowledge base's own: each answers every age finding exactly;
    # the sex answers the sex findings.
    assert interview.answers == {
        "age_under_40": "absent",
        "age_40_or_over": "present",
        "age_over_50": "present",
        "age_over_70": "present",
        "sex_female": "absent",
        "sex_male": "present",
        "onset_within_2_weeks": "absent",
        "symptoms_over_3_months": "present",
        "sudden_onset": "present",
    }
    assert interview.start["for_whom"] == "someone_else"  # kept, and sent back
    assert interview.state_document()["start"]["for_whom"] == "someone_else"
    assert interview.case_document()["patient"] == {"sex": "male"}
    assert interview.case().patient.sex == "male"


def test_the_start_may_be_left_unsaid(shipped: Assessor) -> None:
    interview = Interview(shipped)
    interview.answer("me")
    ages = [o.value for o in interview.step.options]
    assert ages == ["under_40", "40_to_50", "51_to_70", "71_and_over", "unknown"]
    for _ in range(4):
        interview.answer("unknown")
    assert interview.answers == {} and interview.case_document()["patient"] == {}
    assert interview.step.kind == "side"


def test_a_clinician_interview_has_no_start(shipped: Assessor) -> None:
    assert Interview(shipped, setting="clinician").step.kind == "side"


def test_a_resumed_start_is_checked(shipped: Assessor) -> None:
    with pytest.raises(CaseError, match="state › start › age: 'ninety'"):
        Interview(shipped, state={"start": {"age": "ninety"}})


# ── where it hurts, and what it feels like in each place ────────────────────────────────────


def test_body_map_then_what_is_felt_in_each_place(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _start(interview, ("me", "unknown", "unknown", "unknown", "unknown"))
    interview.answer("both")
    regions = interview.step
    assert regions.kind == "regions" and regions.multiple
    groups = [o.group for o in regions.options]
    assert groups == sorted(groups, key=["foot", "ankle", "leg", "knee", "thigh", "hip",
                                         "pelvis", "back"].index)  # fmt: skip
    interview.answer("heel", "lower_back")
    texts = []
    while interview.step.kind == "feelings":
        step = interview.step
        texts.append(step.text)
        assert step.multiple and "weakness" not in [o.value for o in step.options]
        interview.answer("numbness" if step.place == "heel_right" else "pain")
    assert texts == [
        "What do you feel in the bottom of your left heel? Choose all that apply.",
        "What do you feel in the bottom of your right heel? Choose all that apply.",
        "What do you feel in your lower back? Choose all that apply.",
    ]
    answers = interview.answers
    assert answers["pain_heel_left"] == "present" and "numbness_heel_left" not in answers
    assert answers["numbness_heel_right"] == "present" and "pain_heel_right" not in answers
    assert answers["pain_lower_back"] == answers["back_pain"] == "present"  # worded the same
    assert interview.step.kind == "warning_signs"


def test_mark_takes_what_is_felt_in_each_place(shipped: Assessor) -> None:
    interview = Interview(shipped, setting="clinician")
    interview.mark(["heel_left", "calf_right"], {"heel_left": ["pain"], "calf_right": ["numbness"]})
    answers = interview.answers
    assert answers["pain_heel_left"] == "present" and answers["numbness_calf_right"] == "present"
    assert "pain_calf_right" not in answers and "pain_heel_right" not in answers  # unsaid
    assert interview.step.kind == "warning_signs"


def test_a_place_marked_without_saying_what_is_felt(shipped: Assessor) -> None:
    interview = Interview(shipped, setting="clinician")
    step = interview.mark(
        ["heel_left", "calf_left"], {"heel_left": ["pain"], "calf_left": ["unknown"]}
    )
    answers = interview.answers
    # The calf is marked (its side counts) but nothing is answered about it, nor asked.
    assert not [n for n in answers if n.endswith("_calf_left")]
    assert answers["pain_heel_left"] == "present" and answers["pain_calf_right"] == "absent"
    assert step.kind == "warning_signs"


def test_a_part_of_the_leg_marked_without_a_finer_place(shipped: Assessor) -> None:
    """ "Somewhere in my left thigh": the part is a place of the body map; what is felt there
    answers the part's findings, only those ticked (no place of the part is claimed)."""
    interview = Interview(shipped)
    _start(interview)
    blank = interview.step
    step = interview.mark(["thigh_left"])
    assert step.kind == "feelings" and step.place == "thigh_left"
    assert step.text == "What do you feel in your left thigh? Choose all that apply."
    assert {"pain", "numbness", "weakness"} <= {o.value for o in step.options}
    step = interview.answer("pain")
    answers = interview.answers
    assert answers["pain_thigh_left"] == "present"
    assert "numbness_thigh_left" not in answers and "pain_anterior_thigh_left" not in answers
    assert answers["pain_anterior_thigh_right"] == "absent"  # one leg marked: not the other
    assert "pain_thigh_right" not in answers  # its places say it already
    assert step.kind == "warning_signs" and blank.kind == "side"
    # The pain is in the result: a site of the thigh explains it (marked with nothing said,
    # as before, nothing was recorded and no site explained anything).
    d = shipped.differential(interview.case())
    leading, _ = d.sites[0]
    assert leading.endswith("_left") and d.explains[leading] > 0.05
    back = Interview(shipped, setting="clinician")
    back.mark(["thigh_left"], {"thigh_left": ["unknown"]})
    assert not [n for n in back.answers if "thigh_left" in n]


def test_a_place_that_feels_different_is_said_so_and_no_more(shipped: Assessor) -> None:
    """ "The top of my foot feels different from normal", no word for it: the feelings step
    offers that, and it answers the place's altered sensation (numb, pins and needles or
    burning) present, denying none of them; ticked with one of them, or on the other leg, it
    is not answered again (the OR of what is said: counted once)."""
    interview = Interview(shipped)
    _start(interview)
    step = interview.mark(["dorsum_of_foot_left"])
    labels = {o.value: o.label for o in step.options}
    assert labels["altered_sensation"].startswith("feels different from normal")
    interview.answer("altered_sensation")
    answers = interview.answers
    assert answers["altered_sensation_dorsum_of_foot_left"] == "present"
    for kind in ("numbness", "pins_and_needles", "tingling", "burning"):
        assert f"{kind}_dorsum_of_foot_left" not in answers
    assert "pain_dorsum_of_foot_left" not in answers  # not ticked: unsaid
    assert answers["numbness_dorsum_of_foot_right"] == "absent"
    assert "altered_sensation_dorsum_of_foot_right" not in answers
    # It reads as a changed feeling: a nerve or root of the top of the foot leads.
    d = shipped.differential(interview.case())
    assert d.explains[d.sites[0][0]] > 0.05 and d.sites[0][0].endswith("_left")
    named = Interview(shipped)
    _start(named)
    named.mark(["dorsum_of_foot_left"], {"dorsum_of_foot_left": ["numbness", "altered_sensation"]})
    assert named.answers["numbness_dorsum_of_foot_left"] == "present"
    assert "pins_and_needles_dorsum_of_foot_left" not in named.answers
    assert "altered_sensation_dorsum_of_foot_left" not in named.answers


def test_mark_asks_next_for_places_without_feelings(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _start(interview)
    step = interview.mark(["heel_left", "calf_left"], {"heel_left": ["pain"]})
    assert step.kind == "feelings" and step.place == "calf_left"
    # One leg marked: nothing is felt on the other, so its places are never asked one by one.
    answers = interview.answers
    assert answers["pain_heel_right"] == answers["numbness_calf_right"] == "absent"
    assert "pain_calf_left" not in answers  # the marked leg's places wait for their answer
    assert step.text == "What do you feel in the back of your left lower leg (your calf)? " \
        "Choose all that apply."  # fmt: skip


@pytest.mark.parametrize(
    ("places", "felt", "message"),
    [
        (["heel_left"], {"calf_left": ["pain"]}, "qualities › calf_left: not a marked place"),
        (["heel_left"], {"heel_left": ["itch"]}, "qualities › heel_left: 'itch' is not one of"),
        (["heel_left"], {"heel_left": []}, "qualities › heel_left: choose at least one"),
        (["heal_left"], {}, "regions: 'heal_left' is not a body-map region"),
        ([], {}, "regions: mark at least one place"),
    ],
)
def test_mark_errors_name_the_field(
    shipped: Assessor, places: list[str], felt: dict[str, list[str]], message: str
) -> None:
    interview = Interview(shipped)
    with pytest.raises(CaseError, match=re.escape(message)):
        interview.mark(places, felt)


def test_a_plain_list_of_feelings_applies_to_every_place(shipped: Assessor) -> None:
    interview = Interview(shipped, setting="clinician")
    interview.mark(["heel_left", "calf_left"], ["pain"])
    assert interview.answers["pain_heel_left"] == interview.answers["pain_calf_left"] == "present"


def test_bad_answers_are_rejected_and_change_nothing(shipped: Assessor) -> None:
    interview = Interview(shipped)
    with pytest.raises(CaseError, match="'middle' is not an answer"):
        interview.answer("middle")
    with pytest.raises(CaseError, match="choose one answer"):
        interview.answer("me", "someone_else")
    _start(interview)
    interview.answer("left")
    with pytest.raises(CaseError, match="did you mean lateral_leg"):
        interview.answer("lateral_leggg")
    assert interview.step.kind == "regions" and set(interview.answers) <= {
        "age_under_40", "age_40_or_over", "age_over_50", "age_over_70", "onset_within_2_weeks",
        "symptoms_over_3_months", "sudden_onset", "sex_female", "sex_male",
    }  # fmt: skip


# ── warning signs on one screen ─────────────────────────────────────────────────────────────


def test_warning_signs_on_one_screen_none_of_these_answers_all(
    shipped: Assessor, shipped_kb: KnowledgeBase
) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    screen = interview.step
    assert screen.kind == "warning_signs" and screen.multiple and screen.red_flag
    values = [o.value for o in screen.options]
    assert values[-1] == "none" and screen.exclusive == "none"
    assert values[:3] == ["numbness_saddle", "pins_and_needles_saddle", "tingling_saddle"]
    assert "foot_drop_left" in values and "foot_drop_right" not in values
    assert "pain_lower_back" not in values  # its twin back_pain is there
    assert "onset_within_2_weeks" not in values  # the start answered it
    labels = {o.value: o.label for o in screen.options}
    assert labels["foot_drop_left"].startswith("When you walk, does your left foot slap down")
    flagged = {
        i.name
        for i in shipped_kb.finding_instances
        if shipped_kb.findings[i.id].red_flag
        and "self_check" in shipped_kb.findings[i.id].settings
        and i.side in (None, "left")
    }
    with pytest.raises(CaseError, match="none of these"):
        interview.answer("none", "fever")
    _screen(interview)
    assert flagged <= set(interview.answers)
    assert all(interview.answers[v] == "absent" for v in values[:-1])
    assert interview.warning_signs_unanswered() == ()
    assert interview.step.kind in ("question", "done") and interview.step.phase != "warning_signs"
    # The screen and the two checklists count one question each.
    assert interview.step.number == 4


def test_risk_factors_on_one_checklist_after_the_screen(shipped: Assessor) -> None:
    """Each risk factor is rare, so asked alone it ranks too low to be reached; one checklist
    asks them all at the cost of one question: ticked present, the others absent, never again.
    """
    interview = Interview(shipped)
    _start(interview, ("me", "40_to_50", "male", "2_to_12_weeks", "gradual"))
    interview.answer("left")
    interview.answer("lateral_leg")
    interview.answer("pain")
    step = interview.answer("none")  # the warning signs
    assert step.kind == "background" and step.multiple and step.exclusive == "none"
    values = [o.value for o in step.options]
    assert {"takes_blood_thinner", "smoker", "diabetes"} <= set(values) and values[-1] == "none"
    assert "pregnant_or_recent_birth" not in values  # a man
    assert "age_over_50" not in values and "history_of_cancer" not in values  # start, screen
    step = interview.answer("takes_blood_thinner")
    answers = interview.answers
    assert answers["takes_blood_thinner"] == "present" and answers["smoker"] == "absent"
    assert step.kind == "signs"
    step = interview.answer("none")
    assert step.kind in ("question", "done") and step.number == 4
    asked = []
    while interview.step.kind == "question":
        asked.append(interview.step.finding)
        interview.answer("unknown")
    assert not set(asked) & set(values)
    assert Interview(shipped, setting="clinician")._plan.background == ()


def test_spinal_infection_risks_on_the_checklist_fire_their_rule(shipped: Assessor) -> None:
    """Drug injection, a weakened immune system and a recent spinal procedure move no
    posterior (triage-only), so no ranking reaches them; on the risk-factor checklist, back pain
    in a person who injects drugs reaches spinal_infection_risk (urgent) in a self-check."""
    interview = Interview(shipped)
    _painful(
        interview, ("me", "40_to_50", "male", "2_to_12_weeks", "gradual"), "left", "lower_back"
    )
    step = interview.answer("none")  # the warning signs
    assert step.kind == "background"
    values = {o.value for o in step.options}
    assert {
        "injects_drugs",
        "immunosuppressed",
        "recent_spinal_procedure_or_bloodstream_infection",
    } <= values
    interview.answer("injects_drugs")
    answers = interview.answers
    assert answers["injects_drugs"] == "present" and answers["immunosuppressed"] == "absent"
    fired = {f.id for f in interview.assessment().red_flags}
    assert "spinal_infection_risk" in fired


def test_pain_out_of_proportion_on_the_screen_reaches_compartment_syndrome(
    shipped: Assessor,
) -> None:
    """The key finding of a compartment syndrome (pain out of proportion) is a warning sign:
    ticked with a new pain, the follow-up asks whether it began with exercise, and a yes is the
    compartment_syndrome rule in the person's words. Left to the follow-ups it was two answers
    from the rule and never asked."""
    interview = Interview(shipped)
    _painful(interview, ("me", "under_40", "male", "under_2_weeks", "gradual"), "right", "shin")
    assert "pain_out_of_proportion_right" in interview.warning_signs()
    step = _screen(interview, "pain_out_of_proportion_right")
    assert step.kind == "question" and step.finding == "onset_during_sport_or_exercise_right"
    interview.answer("present")
    fired = {f.id for f in interview.assessment().red_flags}
    assert "compartment_syndrome" in fired


def test_rare_noticed_signs_on_one_checklist_for_the_marked_leg(shipped: Assessor) -> None:
    """A lump along the nerve, a thinner calf or thigh, a swollen knee, being unable to bear
    weight: each rare, so asked alone never reached, yet decisive when present. After the
    risk factors, one checklist lists them for the marked leg only, at the cost of one
    question; ticked present, the others absent, never asked again."""
    interview = Interview(shipped)
    _start(interview)
    interview.mark(["medial_sole_left", "heel_left"], ["pain", "numbness"])
    interview.answer("none")  # the warning signs
    step = interview.answer("none")  # the risk factors
    assert step.kind == "signs" and step.multiple and step.exclusive == "none"
    values = [o.value for o in step.options]
    assert {"lump_along_nerve_left", "calf_wasting_left", "unable_to_bear_weight_left"} <= set(
        values
    )
    assert not [v for v in values if v.endswith("_right")] and values[-1] == "none"
    before = shipped.differential(interview.case())
    step = interview.answer("lump_along_nerve_left")
    answers = interview.answers
    assert answers["lump_along_nerve_left"] == "present"
    assert answers["calf_wasting_left"] == "absent" and "calf_wasting_right" not in answers
    assert step.kind in ("question", "done") and step.number == 4
    # The lump is decisive: the tibial nerve at the tarsal tunnel gains and leads.
    after = shipped.differential(interview.case())
    tarsal = "tibial_nerve_tarsal_tunnel_left"
    assert after.explains[tarsal] > before.explains[tarsal]
    assert [n for n, _ in after.sites].index(tarsal) == 0
    asked = []
    while interview.step.kind == "question":
        asked.append(interview.step.finding)
        interview.answer("unknown")
    assert not set(asked) & set(values)
    assert Interview(shipped, setting="clinician")._plan.signs == ()


def test_ticked_signs_are_present_the_others_absent(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    _screen(interview, "history_of_cancer", "significant_trauma")
    answers = interview.answers
    assert answers["history_of_cancer"] == answers["significant_trauma"] == "present"
    assert answers["fever"] == answers["numbness_saddle"] == "absent"


def test_rules_asked_later_add_no_warning_signs(
    shipped: Assessor, shipped_kb: KnowledgeBase
) -> None:
    # A compartment syndrome, an Achilles rupture or a cancer with neurological symptoms needs
    # several answers of a kind nobody is asked first; their questions come as follow-ups.
    later = {r.id for r in shipped_kb.raw.triage.rules if not r.asked_first}
    assert {"compartment_syndrome", "suspected_achilles_rupture"} <= later
    interview = Interview(shipped)
    _l5_body_map(interview)
    listed = {o.value for o in interview.step.options}
    assert "thoracic_back_pain" not in listed
    assert "history_of_cancer" in listed  # a red flag itself, listed whatever its rule
    # Pain out of proportion too (session 22): the key finding of a compartment syndrome, it was
    # two unasked answers from its rule (with an onset in exercise), so never asked as a
    # follow-up; listed, its tick brings the question of how it began.
    assert "pain_out_of_proportion_left" in listed
    # A swollen calf is a red flag itself (the NHS's sign of a DVT, urgent alone): listed, so
    # that the breathlessness that makes it an emergency can follow.
    assert "calf_swollen_left" in listed


def test_a_swollen_calf_brings_the_breathlessness_question(shipped: Assessor) -> None:
    """NHS: symptoms of a DVT with breathlessness or chest pain → 999 or A&E. Neither answer
    alone fires the rule, so the swollen calf is on the screen and breathlessness follows it,
    before the follow-ups of a new leg weakness use up the budget."""
    interview = Interview(shipped)
    _start(interview, ("me", "51_to_70", "female", "under_2_weeks", "gradual"))
    interview.mark(["calf_left"], {"calf_left": ["pain"]})
    _screen(interview, "calf_swollen_left")
    asked = []
    while (
        interview.step.phase == "follow_up" and interview.step.finding != "breathless_or_chest_pain"
    ):
        asked.append(interview.step.finding)
        interview.answer("absent")
    assert interview.step.finding == "breathless_or_chest_pain", asked
    after = interview.answer("present")
    assert after.kind == "emergency"
    assert "dvt_with_breathlessness" in {a.id for a in after.alerts}


@pytest.mark.parametrize(
    ("finding", "rule"),
    [
        ("numbness_saddle", "ces_saddle_sensory_change"),
        ("new_bladder_dysfunction", "ces_new_bladder_dysfunction"),
        ("new_bowel_incontinence", "ces_new_bowel_incontinence"),
    ],
)
def test_cauda_equina_answer_shows_emergency_at_once(
    shipped: Assessor, finding: str, rule: str
) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    step = _screen(interview, finding)
    assert step.kind == "emergency"
    assert rule in {a.id for a in step.alerts}
    assert "emergency department" in step.text
    assert all("emergency department" in a.plain for a in step.alerts)
    assert [o.value for o in step.options] == ["continue", "stop"]
    # Continuing goes on (the risk factors, then the questions); the same emergency is not
    # shown again.
    after = interview.answer("continue")
    while after.kind in ("background", "signs"):
        after = interview.answer("none")
    assert after.kind in ("question", "done") and after.phase != "warning_signs"
    assert interview.progress().urgency == "emergency"


def test_stopping_at_an_emergency_keeps_it_in_the_assessment(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _start(interview)
    step = interview.mark(["saddle", "calf_left"], {"saddle": ["numbness"], "calf_left": ["pain"]})
    assert step.kind == "emergency"
    assert "ces_saddle_sensory_change" in {a.id for a in step.alerts}
    done = interview.answer("stop")
    assert done.kind == "done" and done.reason == "stopped"
    assessment = interview.assessment()
    assert assessment.urgency == "emergency"
    assert "ces_saddle_sensory_change" in {f.id for f in assessment.red_flags}
    assert interview.warning_signs_unanswered()  # the rest were never asked: safety-net them


def test_back_from_an_emergency_undoes_the_answer_that_raised_it(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    _screen(interview, "numbness_saddle")
    assert interview.step.kind == "emergency"
    step = interview.back()
    assert step.kind == "warning_signs"
    assert "numbness_saddle" not in interview.answers
    assert interview.progress().urgency != "emergency"


@pytest.mark.parametrize("pain", ["back_pain", "pain_buttock_left"])
def test_one_answer_from_an_emergency_is_asked_first(shipped: Assessor, pain: str) -> None:
    """A fever: back or buttock pain with it would be an emergency (a spinal infection), so
    those are asked next, before the most informative question; they are not on the screen,
    which lists only the warning signs themselves."""
    interview = Interview(shipped)
    _start(interview)
    interview.mark(["calf_left"], {"calf_left": ["pain"]})
    assert "back_pain" not in {o.value for o in interview.step.options}
    _screen(interview, "fever")
    asked = []
    while interview.step.phase == "follow_up" and interview.step.finding != pain:
        asked.append(interview.step.finding)
        interview.answer("absent")
    step = interview.step
    assert step.phase == "follow_up" and step.finding == pain
    assert step.side in (None, "left")
    after = interview.answer("present")
    assert after.kind == "emergency"
    assert "fever_with_back_pain" in {a.id for a in after.alerts}


# ── the questions about the complaint ───────────────────────────────────────────────────────


def test_every_question_about_one_leg_names_it_and_no_two_read_the_same(
    shipped_kb: KnowledgeBase,
) -> None:
    static = plan(shipped_kb, "self_check")  # what every self-check interview asks from
    texts: dict[str, set[str]] = {}
    for name, (plain, _) in static.texts.items():
        side = static.instances[name].side
        if side is not None:
            assert side in plain.lower(), plain
        texts.setdefault(plain, set()).add(name)
    # Only twins (the same question under two ids) share words, and they share the answer.
    assert all(len(v) == 1 or set(static.twins[next(iter(v))]) for v in texts.values())


@pytest.mark.parametrize("places", [{"heel_left": ["pain"]}, {"calf_right": ["pain", "numbness"]}])
def test_an_interview_names_sides_and_never_repeats_a_question(
    shipped: Assessor, shipped_kb: KnowledgeBase, places: dict[str, list[str]]
) -> None:
    catalogue = {row["id"]: row["red_flag"] for row in findings_catalogue(shipped_kb)}
    interview = Interview(shipped)
    _start(interview)
    interview.mark(list(places), places)
    _screen(interview)
    seen: list[str] = []
    while interview.step.kind == "question":
        step = interview.step
        seen.append(step.text)
        if step.side is not None:
            assert f"{step.side} " in step.text.lower(), step.text
        assert step.red_flag == catalogue[step.finding or ""]  # as the catalogue marks it
        interview.answer("absent" if len(seen) % 2 else "unknown")
    assert len(seen) == len(set(seen))
    assert len(seen) <= interview.max_questions


# ── back, don't know, stop ──────────────────────────────────────────────────────────────────


def test_back_undoes_one_answer_at_a_time(shipped: Assessor) -> None:
    interview = Interview(shipped)
    with pytest.raises(CaseError, match="nothing to go back to"):
        interview.back()
    _l5_body_map(interview)
    _screen(interview)
    first = interview.step
    interview.answer("absent")
    assert first.finding in interview.answers
    assert interview.back() == first
    assert first.finding not in interview.answers
    assert interview.back().kind == "signs"
    assert interview.back().kind == "background"
    assert interview.back().kind == "warning_signs"
    assert interview.back().kind == "feelings"


def test_dont_know_changes_nothing(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    _screen(interview)
    before = interview.progress()
    case_before = interview.assessor.differential(interview.case())
    first = interview.step.finding
    interview.answer("unknown")
    after = interview.progress()
    case_after = interview.assessor.differential(interview.case())
    assert interview.answers[first or ""] == "unknown"
    assert case_after.sites == case_before.sites and case_after.origin == case_before.origin
    assert after.leading_probability == before.leading_probability
    assert interview.step.finding != first  # asked once only


def _tiny_to_screen(interview: Interview, side: str = "left") -> None:
    while interview.step.phase == "start":
        interview.answer(interview.step.options[-1].value)
    interview.answer(side)
    interview.answer("first_web_space")
    interview.answer("numbness")


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        ({"max_questions": 0}, "max_questions"),
        ({"confident": 0.0}, "confident"),
        ({"min_gain": float("inf")}, "nothing_left"),
    ],
)
def test_stop_rule(tiny: Assessor, options: dict[str, float], reason: str) -> None:
    interview = Interview(tiny, **options)  # type: ignore[arg-type]
    _tiny_to_screen(interview)
    step = interview.step
    assert step.kind == "warning_signs"
    assert [o.value for o in step.options] == ["bladder_dysfunction", "none"]  # the one sign
    done = interview.answer("none")  # the tiny knowledge base has no risk-factor checklist
    assert done.kind == "done" and done.reason == reason


def test_one_question_then_the_change_floor_may_stop_it(tiny: Assessor) -> None:
    interview = Interview(tiny, change_floor=2.0)  # no answer is that likely to change it
    _tiny_to_screen(interview)
    assert interview.answer("none").kind == "question"  # MIN_QUESTIONS: one all the same
    done = interview.answer("unknown")
    assert done.kind == "done" and done.reason == "nothing_left"


def test_a_run_of_dont_know_answers_ends_it(shipped: Assessor) -> None:
    # Each "don't know" changes nothing, so a fifth question would be no more useful.
    interview = Interview(shipped, change_floor=0.0, unsure_run=4)
    _l5_body_map(interview)
    _screen(interview)
    asked = 0
    while interview.step.kind == "question":
        interview.answer("unknown")
        asked += 1
    assert interview.step.reason == "unsure"  # not "nothing left": the person did not know
    assert asked == 4


def test_interview_ends_within_max_questions(tiny: Assessor) -> None:
    interview = Interview(tiny, max_questions=3, change_floor=0.0)
    _tiny_to_screen(interview, "right")
    interview.answer("none")
    count = 0
    while interview.step.kind == "question":
        interview.answer("present")
        count += 1
    assert interview.step.reason in ("max_questions", "confident", "nothing_left", "unsure")
    assert count <= 3
    assert interview.assessment().answers == {
        k: v for k, v in interview.answers.items() if v != "unknown"
    }


def test_quit_keeps_the_answers_so_far(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    done = interview.quit()
    assert done.kind == "done" and done.reason == "quit"
    document = interview.case_document()
    assert document["setting"] == "self_check"
    assert document["answers"]["numbness_lateral_leg_left"] == "present"
    assert "numbness_saddle" in interview.warning_signs_unanswered()
    with pytest.raises(CaseError, match="over"):
        interview.answer("absent")


def test_clinician_questions_offer_grades(shipped: Assessor) -> None:
    interview = Interview(shipped, setting="clinician")
    _l5_body_map(interview)
    signs = interview.warning_signs()
    assert "reduced_anal_tone" in signs and "strength_great_toe_extension_left" in signs
    listed = [o.value for o in interview.step.options]
    assert "reduced_anal_tone" in listed
    assert "strength_great_toe_extension_left" not in listed  # graded: asked on its own
    _screen(interview)
    while interview.step.finding != "strength_great_toe_extension_left":
        assert interview.step.phase == "warning_signs"
        interview.answer("5")
    step = interview.step
    assert [o.value for o in step.options] == ["5", "4", "3", "2", "1", "0", "unknown"]
    assert step.text.startswith("Left side: ")
    assert interview.answer("2").kind == "emergency"  # MRC ≤ 2: severe motor deficit


# ── the terminal door ───────────────────────────────────────────────────────────────────────


def _step(kind: str, values: list[str]) -> Step:
    from nervepath.interview.steps import Option

    phase = "start" if kind in ("for_whom", "age") else "body_map"
    multiple = kind in ("regions", "feelings", "warning_signs")
    return Step(
        kind,  # type: ignore[arg-type]
        phase,  # type: ignore[arg-type]
        "",
        tuple(Option(v, v) for v in values),
        multiple=multiple,
        exclusive="none" if kind == "warning_signs" else None,
    )


def test_parse_reply() -> None:
    yes_no = _step("question", ["present", "absent", "unknown"])
    assert parse_reply(yes_no, " Y ") == ["present"]
    assert parse_reply(yes_no, "no") == ["absent"]
    assert parse_reply(yes_no, "Don’t know") == ["unknown"]
    with pytest.raises(ValueError, match="y \\(yes\\)"):
        parse_reply(yes_no, "maybe")
    graded = _step("question", ["5", "4", "3", "unknown"])
    assert parse_reply(graded, "4") == ["4"]
    assert parse_reply(graded, "d") == ["unknown"]
    with pytest.raises(ValueError, match="one of 5, 4, 3"):
        parse_reply(graded, "7")
    regions = _step("regions", ["heel", "calf", "shin"])
    assert parse_reply(regions, "1, 3") == ["heel", "shin"]
    assert parse_reply(regions, "calf") == ["calf"]
    with pytest.raises(ValueError, match="1 to 3"):
        parse_reply(regions, "4")
    assert parse_reply(_step("side", ["left", "right", "both"]), "3") == ["both"]
    assert parse_reply(_step("age", ["under_40", "40_to_50", "unknown"]), "2") == ["40_to_50"]
    with pytest.raises(ValueError, match="number from 1 to 2"):
        parse_reply(_step("for_whom", ["me", "someone_else"]), "3")
    signs = _step("warning_signs", ["fever", "numbness_saddle", "none"])
    assert parse_reply(signs, "0") == parse_reply(signs, "none") == ["none"]
    assert parse_reply(signs, "2 1") == ["numbness_saddle", "fever"]
    assert parse_reply(_step("emergency", ["continue", "stop"]), "s") == ["stop"]
    with pytest.raises(ValueError, match="please type"):
        parse_reply(yes_no, "   ")


_TERMINAL_START = ["1", "2", "1", "2", "2"]  # me, 40 to 50, female, 2 to 12 weeks, gradually


def _words(output: str) -> str:
    """The text on screen with panel borders and line breaks taken out."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", output).split())


def _run(kb: KnowledgeBase, lines: list[str], save: Path | None = None) -> tuple[int, str]:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    replies = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(replies)
        except StopIteration:
            raise EOFError from None

    status = run_interview(kb=kb, console=console, read=read, save=save)
    output = console.file.getvalue()  # type: ignore[attr-defined]
    return status, output


def test_terminal_re_asks_on_bad_input_and_ends_on_eof(shipped_kb: KnowledgeBase) -> None:
    lines = ["x", *_TERMINAL_START, "middle", "1", "99", "17 1", "2 1", "1", "perhaps"]
    status, output = _run(shipped_kb, lines)
    assert status == 0
    assert "Sorry, I did not understand that: type a number from 1 to 2" in output
    assert "Sorry, I did not understand that: type 1 (left), 2 (right) or 3 (both)" in output
    assert "'99' is not on the list" in output
    assert "'perhaps' is not on the list" in output
    assert "What do you feel in the outer side of your left lower leg?" in output
    assert "end of input" in output and "Traceback" not in output
    assert "Not checked" in output  # the warning signs were never answered
    assert "a leg getting weaker quickly, or a foot turning cold and pale." in _words(output)


def test_terminal_shows_the_emergency_before_the_next_question(
    shipped_kb: KnowledgeBase, tmp_path: Path
) -> None:
    save = tmp_path / "case.json"
    lines = [*_TERMINAL_START, "1", "17 1", "1 2", "1 2", "1", "s"]  # the screen: saddle numb
    status, output = _run(shipped_kb, lines, save=save)
    assert status == 0
    emergency = output.index("EMERGENCY: go to an emergency department (A&E) now")
    assert "Stopped after the emergency warning." in output[emergency:]
    assert "Question 2" not in output
    # Every word of what to do now is on screen, none cut off by the panel.
    words = _words(output[emergency:])
    rule = {r.id: r for r in shipped_kb.raw.triage.rules}["ces_saddle_sensory_change"]
    assert " ".join(rule.plain.split()) in words
    assert save.exists() and '"numbness_saddle": "present"' in save.read_text()


def test_terminal_ctrl_c_cancels_without_a_traceback(shipped_kb: KnowledgeBase) -> None:
    console = Console(file=io.StringIO(), width=100, color_system=None)
    replies = iter([*_TERMINAL_START, "1", "31", "2"])  # the saddle area feels numb

    def read(prompt: str) -> str:
        try:
            return next(replies)
        except StopIteration:
            raise KeyboardInterrupt from None

    assert run_interview(kb=shipped_kb, console=console, read=read) == 130
    output = console.file.getvalue()  # type: ignore[attr-defined]
    assert "Interview cancelled" in output
    # Cancelled at the emergency: it is said once more on the way out.
    assert output.rstrip().endswith(
        "Your answers need emergency care: go to an emergency department (A&E) now."
    )


def test_pregnancy_is_never_a_question_for_a_man(shipped: Assessor) -> None:
    """Pregnancy is self-check (a person knows it), but only a woman can have it (only_sex):
    the adaptive questions leave it out for a man, and keep it when the sex is a woman's,
    "other" or not given."""
    interview = Interview(shipped)
    name = "pregnant_or_recent_birth"
    assert name in shipped.candidates("self_check", {})
    assert not interview._chooser.for_sex(name, "male")
    assert all(interview._chooser.for_sex(name, sex) for sex in ("female", "other", None))
    assert interview._chooser.for_sex("back_pain", "male")


# ── the stop rule reads the result's ranking ────────────────────────────────────────────────


def _l5_after_screen(assessor: Assessor, **options: float) -> Interview:
    interview = Interview(assessor, **options)  # type: ignore[arg-type]
    _l5_body_map(interview)
    _screen(interview)
    return interview


def _differential(assessor: Assessor, answers: dict[str, str]) -> Differential:
    return assessor.differential(Case(setting="self_check", answers=answers))


def test_confident_means_a_site_explains_the_answers_not_only_is_likely(
    shipped: Assessor,
) -> None:
    """``confident`` reads what the result ranks by: a site likely to be there but not to
    explain the answers leaves the interview going."""
    d = _differential(shipped, _l5_after_screen(shipped).answers)
    explains, likely = max(d.explains.values()), max(p for _, p in d.sites)
    assert explains < likely - 1e-3  # here the two readings differ
    going = _l5_after_screen(shipped, confident=(explains + likely) / 2)
    assert going.step.kind == "question"
    done = _l5_after_screen(shipped, confident=explains - 1e-9).step
    assert done.kind == "done" and done.reason == "confident"


def test_the_chance_of_a_change_is_that_the_results_top_three_change(shipped: Assessor) -> None:
    """The look-ahead's chance of changing the top three is the chance that the answer
    changes the top three of the result itself (``explains`` order, as ``differential``
    ranks after that answer), exactly; read by the posteriors it would differ here."""
    interview = _l5_after_screen(shipped)
    # A painful heel: both knees are among the likeliest sites by their prior alone and
    # explain none of it, so here the two readings differ (the look-ahead reads any answers).
    answers = {"pain_heel_left": "present"}
    d = _differential(shipped, answers)
    top = adaptive.result_top(d.sites, d.explains)
    targets = plan(shipped.kb, "self_check").targets
    scores = rank_questions(
        shipped.compiled,
        d.evidence,
        candidates=[
            c
            for c in shipped.candidates("self_check", d.evidence)
            if shipped.kb.finding_instances_by_name[c].id not in shipped.kb.triaged_findings
        ],
        targets=targets,
    )[: adaptive.LOOKAHEAD]

    def by_posterior(sites: Iterable[tuple[str, float]]) -> frozenset[str]:
        ranked = sorted(sites, key=lambda t: -t[1])[:3]
        return frozenset(n for n, p in ranked if p >= adaptive.PLAUSIBLE)

    differs = False
    for score in scores:
        states = shipped.kb.findings[shipped.kb.finding_instances_by_name[score.finding].id].states
        result = posterior = 0.0
        for value, p, after in zip(
            states, score.state_probabilities, score.state_posteriors, strict=True
        ):
            if p <= 0.0:
                continue  # an answer that cannot be given
            then = _differential(shipped, {**answers, score.finding: value})
            result += p * (adaptive.result_top(then.sites, then.explains) != top)
            was = by_posterior(zip(targets, after, strict=True)) != by_posterior(d.sites)
            posterior += p * was
        change = interview._chooser.change(d, score, enough=math.inf)
        assert change == pytest.approx(result, abs=1e-12)
        differs |= abs(result - posterior) > 1e-6
    assert differs


def test_the_change_may_stop_counting_once_it_is_enough(shipped: Assessor) -> None:
    """``enough`` only cuts the sum short once it is reached: the decisions stay the same."""
    interview = _l5_after_screen(shipped)
    d = _differential(shipped, {k: v for k, v in interview.answers.items() if v != "unknown"})
    scores = rank_questions(
        shipped.compiled,
        d.evidence,
        candidates=shipped.candidates("self_check", d.evidence),
        targets=plan(shipped.kb, "self_check").targets,
    )[: adaptive.LOOKAHEAD]
    for score in scores:
        full = interview._chooser.change(d, score, enough=math.inf)
        for enough in (0.0, 0.2, 0.5):
            cut = interview._chooser.change(d, score, enough=enough)
            assert cut <= full + 1e-15
            assert (cut >= enough and cut > 0) == (full >= enough and full > 0)


# ── the other leg's twin of a question ──────────────────────────────────────────────────────


def test_each_lateral_question_knows_its_other_legs_twin(shipped: Assessor) -> None:
    mirrors = plan(shipped.kb, "self_check").mirrors
    assert mirrors["pain_first_steps_morning_left"] == "pain_first_steps_morning_right"
    assert all(mirrors[twin] == name for name, twin in mirrors.items())
    assert "back_pain" not in mirrors  # midline: one question


def _both_heels(assessor: Assessor) -> Interview:
    interview = Interview(assessor)
    _start(interview)
    interview.mark(["heel_left", "heel_right"], {"heel_left": ["pain"], "heel_right": ["pain"]})
    _screen(interview)
    return interview


def _asked_answering_no(interview: Interview) -> list[str]:
    asked = []
    while interview.step.kind == "question":
        asked.append(interview.step.finding or "")
        interview.answer("absent")
    return asked


def test_the_other_legs_twin_is_asked_only_if_it_may_change_the_result(
    shipped: Assessor, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both heels hurt: "do your first steps in the morning hurt your left heel?" — no. The
    same about the right heel comes next only while its answer may still change the result
    with a chance of ``MIRROR_CHANGE``; never when nothing could be worth asking it twice."""
    mirrors = plan(shipped.kb, "self_check").mirrors
    asked = _asked_answering_no(_both_heels(shipped))
    first = asked[0]
    assert first in mirrors and asked[1] == mirrors[first]  # here the right heel may differ
    monkeypatch.setattr(adaptive, "MIRROR_CHANGE", math.inf)
    once = _asked_answering_no(_both_heels(shipped))
    assert once[0] == first
    assert not any(mirrors.get(name) in once for name in once)  # no leg asked twice
