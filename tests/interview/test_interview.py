"""The interview state machine: the body map, warning signs first, an emergency shown at once,
back undoes, "don't know" changes nothing, the stop rule; and the terminal door's parsing."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from rich.console import Console

from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError
from nervepath.interview.machine import Interview, Step
from nervepath.interview.terminal import parse_reply, run_interview
from nervepath.knowledge.model import KnowledgeBase


@pytest.fixture(scope="module")
def shipped(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


@pytest.fixture(scope="module")
def tiny(tiny_kb: KnowledgeBase) -> Assessor:
    return Assessor(tiny_kb)


def _l5_body_map(interview: Interview) -> None:
    interview.answer("left")
    interview.answer("lateral_leg", "dorsum_of_foot")
    interview.answer("pain", "numbness")


def _answer_warning_signs(interview: Interview, value: str = "absent") -> list[str]:
    asked = []
    while interview.step.kind == "question" and interview.step.phase == "warning_signs":
        asked.append(interview.step.finding or "")
        interview.answer(value)
    return asked


# ── where it hurts ──────────────────────────────────────────────────────────────────────────


def test_body_map_answers_quality_region_side(shipped: Assessor) -> None:
    interview = Interview(shipped)
    assert interview.step.kind == "side"
    assert [o.value for o in interview.step.options] == ["left", "right", "both"]
    interview.answer("both")
    regions = interview.step
    assert regions.kind == "regions" and regions.multiple
    groups = [o.group for o in regions.options]
    assert groups == sorted(groups, key=["foot", "ankle", "leg", "knee", "thigh", "hip",
                                         "pelvis", "back"].index)  # fmt: skip
    assert {"heel", "lateral_leg", "saddle", "lower_back"} <= {o.value for o in regions.options}
    interview.answer("heel", "lower_back")
    qualities = [o.value for o in interview.step.options]
    assert "pain" in qualities and "weakness" not in qualities  # no weakness of heel or back
    interview.answer("pain")
    assert interview.answers == {
        "pain_heel_left": "present",
        "pain_heel_right": "present",
        "pain_lower_back": "present",
        "back_pain": "present",  # worded the same as pain_lower_back: one answer
    }


def test_bad_answers_are_rejected_and_change_nothing(shipped: Assessor) -> None:
    interview = Interview(shipped)
    with pytest.raises(CaseError, match="'middle' is not an answer"):
        interview.answer("middle")
    with pytest.raises(CaseError, match="choose one answer"):
        interview.answer("left", "right")
    interview.answer("left")
    with pytest.raises(CaseError, match="did you mean lateral_leg"):
        interview.answer("lateral_leggg")
    assert interview.step.kind == "regions" and interview.answers == {}


# ── warning signs first ─────────────────────────────────────────────────────────────────────


def test_red_flags_are_asked_first_cauda_equina_first(
    shipped: Assessor, shipped_kb: KnowledgeBase
) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
    assert interview.step.phase == "warning_signs"
    # Saddle numbness is derived from the body map's regions, yet it is a warning sign.
    assert interview.step.finding == "numbness_saddle" and interview.step.red_flag
    asked = _answer_warning_signs(interview)
    flagged = {
        i.name
        for i in shipped_kb.finding_instances
        if shipped_kb.findings[i.id].red_flag
        and "self_check" in shipped_kb.findings[i.id].settings
        and i.side in (None, "left")
    }
    assert flagged <= set(interview.answers)
    assert asked[:3] == ["numbness_saddle", "pins_and_needles_saddle", "tingling_saddle"]
    assert "foot_drop_left" in asked and "foot_drop_right" not in asked
    assert "pain_lower_back" not in asked  # answered with its twin back_pain
    assert interview.step.kind in ("question", "done")
    assert interview.step.phase != "warning_signs"
    assert interview.warning_signs_unanswered() == ()


def test_rules_asked_later_add_no_warning_signs(
    shipped: Assessor, shipped_kb: KnowledgeBase
) -> None:
    # A compartment syndrome, an Achilles rupture or a cancer with neurological symptoms needs
    # several answers of a kind nobody is asked first; their questions come as follow-ups.
    later = {r.id for r in shipped_kb.raw.triage.rules if not r.asked_first}
    assert {"compartment_syndrome", "suspected_achilles_rupture"} <= later
    interview = Interview(shipped)
    _l5_body_map(interview)
    asked = set(_answer_warning_signs(interview))
    for name in ("pain_out_of_proportion_left", "calf_swollen_left", "thoracic_back_pain"):
        assert name not in asked
    assert "history_of_cancer" in asked  # a red flag itself, asked first whatever its rule


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
    while interview.step.finding != finding:
        interview.answer("absent")
    step = interview.answer("present")
    assert step.kind == "emergency"
    assert rule in {a.id for a in step.alerts}
    assert "emergency department" in step.text
    assert all("emergency department" in a.plain for a in step.alerts)
    assert [o.value for o in step.options] == ["continue", "stop"]
    # Continuing goes back to the warning signs; the same emergency is not shown again.
    after = interview.answer("continue")
    assert after.kind == "question" and after.phase == "warning_signs"
    assert interview.progress().urgency == "emergency"
    interview.answer("absent")
    assert interview.step.kind != "emergency"


def test_stopping_at_an_emergency_keeps_it_in_the_assessment(shipped: Assessor) -> None:
    interview = Interview(shipped)
    interview.answer("both")
    interview.answer("saddle", "calf")
    step = interview.answer("numbness")  # the body map alone: numb saddle area
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
    interview.answer("present")  # numbness_saddle
    assert interview.step.kind == "emergency"
    step = interview.back()
    assert step.finding == "numbness_saddle"
    assert "numbness_saddle" not in interview.answers
    assert interview.progress().urgency != "emergency"


def test_one_answer_from_an_emergency_is_asked_first(shipped: Assessor) -> None:
    """Back pain with symptoms in both legs: a new deficit would make it suspected cauda
    equina, so a deficit question comes before the most informative one."""
    interview = Interview(shipped)
    interview.answer("left")
    interview.answer("calf")
    interview.answer("pain")
    while interview.step.phase == "warning_signs":
        finding = interview.step.finding
        present = finding in ("back_pain", "bilateral_leg_symptoms")
        interview.answer("present" if present else "absent")
    step = interview.step
    assert step.phase == "follow_up" and step.finding is not None
    assert step.side in (None, "left", "right")
    assert interview.answer("present").kind == "emergency"


def test_fever_with_back_pain_is_an_emergency_at_once(shipped: Assessor) -> None:
    interview = Interview(shipped)
    interview.answer("left")
    interview.answer("calf")
    interview.answer("pain")
    while interview.step.phase == "warning_signs":
        finding = interview.step.finding
        interview.answer("present" if finding in ("fever", "back_pain") else "absent")
    assert interview.step.kind == "emergency"
    assert "fever_with_back_pain" in {a.id for a in interview.step.alerts}


# ── back, don't know, stop ──────────────────────────────────────────────────────────────────


def test_back_undoes_one_answer_at_a_time(shipped: Assessor) -> None:
    interview = Interview(shipped)
    with pytest.raises(CaseError, match="nothing to go back to"):
        interview.back()
    _l5_body_map(interview)
    first = interview.step
    interview.answer("absent")
    second = interview.step
    assert second.finding != first.finding and first.finding in interview.answers
    assert interview.back() == first
    assert first.finding not in interview.answers
    assert interview.back().kind == "qualities"
    assert interview.answers == {}
    interview.back()
    interview.back()
    assert interview.step.kind == "side" and not interview.can_go_back


def test_dont_know_changes_nothing(shipped: Assessor) -> None:
    interview = Interview(shipped)
    _l5_body_map(interview)
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
    assert first in interview.warning_signs_unanswered()  # but a red flag left unchecked


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
    interview.answer("left")
    interview.answer("first_web_space")
    interview.answer("numbness")
    assert interview.step.finding == "bladder_dysfunction"  # the fixture's one red flag
    done = interview.answer("absent")
    assert done.kind == "done" and done.reason == reason


def test_interview_ends_within_max_questions(tiny: Assessor) -> None:
    interview = Interview(tiny, max_questions=3)
    interview.answer("right")
    interview.answer("first_web_space", "dorsum_of_foot")
    interview.answer("numbness")
    count = 0
    while interview.step.kind == "question":
        interview.answer("present" if interview.step.phase == "adaptive" else "absent")
        count += 1
    assert interview.step.reason in ("max_questions", "confident", "nothing_left")
    assert count <= 1 + 3  # the red flag, then at most max_questions
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
    while interview.step.finding != "strength_great_toe_extension_left":
        graded = interview.step.options[0].value == "5"
        interview.answer("5" if graded else "absent")
    step = interview.step
    assert [o.value for o in step.options] == ["5", "4", "3", "2", "1", "0", "unknown"]
    assert step.text != step.plain  # the clinician's wording, with the plain one alongside
    assert interview.answer("2").kind == "emergency"  # MRC ≤ 2: severe motor deficit


# ── the terminal door ───────────────────────────────────────────────────────────────────────


def _step(kind: str, values: list[str]) -> Step:
    from nervepath.interview.machine import Option

    return Step(kind, "body_map", "", tuple(Option(v, v) for v in values))  # type: ignore[arg-type]


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
    assert parse_reply(_step("emergency", ["continue", "stop"]), "s") == ["stop"]
    with pytest.raises(ValueError, match="please type"):
        parse_reply(yes_no, "   ")


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
    status, output = _run(shipped_kb, ["middle", "1", "99", "17 1", "2 1", "perhaps", "b"])
    assert status == 0
    assert "Sorry, I did not understand that: type 1 (left), 2 (right) or 3 (both)" in output
    assert "'99' is not on the list" in output
    assert "type y (yes), n (no) or d (don't know)" in output
    assert "end of input" in output and "Traceback" not in output
    assert "Not checked" in output  # the warning signs were never answered
    assert "a leg getting weaker quickly, or a foot turning cold and pale." in _words(output)


def test_terminal_shows_the_emergency_before_the_next_question(
    shipped_kb: KnowledgeBase, tmp_path: Path
) -> None:
    save = tmp_path / "case.json"
    status, output = _run(shipped_kb, ["1", "17 1", "1 2", "y", "s"], save=save)
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
    replies = iter(["1", "31", "2"])  # the saddle area feels numb: an emergency

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
