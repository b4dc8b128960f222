"""A whole interview through a real pseudo-terminal: ``python -m nervepath interview`` answered
as a person with a classic left L5 radiculopathy would answer (disc herniation: back and leg
pain down the outer leg to the top of the foot, numbness there, weak big-toe lift, worse
sitting and coughing, no red flag; Harrison's 19th ed., evidence §1.1 and §1.6).

Each question is looked up by the words on the screen, so the test reads the interview the
way a person does. No timing assertions: the engine may be slow while it is being optimised.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest

from nervepath.assessment.case import parse_case
from nervepath.assessment.service import assess
from nervepath.interview.plan import QUALITIES
from nervepath.interview.start import sided
from nervepath.knowledge.catalogue import findings_catalogue
from nervepath.knowledge.model import KnowledgeBase

pexpect = pytest.importorskip("pexpect")

TIMEOUT = 900  # seconds per step: generous, the engine may be slow while being optimised
ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
PROMPT = r"\n> "
QUESTION = re.compile(r"Question (\d+) ·[^\n]*\n(?:[^\n]*A&E[^\n]*\n)?([^\n]+)\n")

# The intended picture, by finding id; anything not named is answered by ``intended``.
L5_PAIN = {"buttock", "posterior_thigh", "lateral_thigh", "lateral_leg", "shin", "dorsum_of_foot"}
L5_SENSORY = {"lateral_leg", "dorsum_of_foot", "first_web_space", "great_toe"}
L5_ANSWERS = {
    "back_pain": "y",
    "pain_lower_back": "y",
    "leg_pain_worse_than_back_left": "y",
    "leg_pain_worse_cough_sneeze_left": "y",
    "pain_worse_sitting": "y",
    "difficulty_great_toe_extension_left": "y",
    "difficulty_ankle_dorsiflexion_left": "d",
    "difficulty_hip_abduction_left": "d",
    "sudden_onset": "d",
    "smoker": "d",
}


def intended(finding: str) -> str:
    """y / n / d for a left L5 radiculopathy without red flags, aged 45."""
    if finding in L5_ANSWERS:
        return L5_ANSWERS[finding]
    for quality in QUALITIES:
        if finding.startswith(f"{quality}_"):
            where = finding.removeprefix(f"{quality}_")
            if not where.endswith("_left"):
                return "n"  # nothing on the right, in the saddle area or the back skin
            region = where.removesuffix("_left")
            if quality == "pain":
                return "y" if region in L5_PAIN else "n"
            if quality in ("numbness", "pins_and_needles", "tingling"):
                return "y" if region in L5_SENSORY else "n"
            return "n"
    return "n"  # every red flag, and everything that belongs to another picture


def _clean(text: str) -> str:
    return ANSI.sub("", text).replace("\r", "")


def _numbers(screen: str) -> dict[str, str]:
    """The numbered options on screen: label → number."""
    return {
        m.group(2).strip(): m.group(1)
        for m in re.finditer(r"^\s+(\d+)\s{2}(.+)$", screen, flags=re.MULTILINE)
    }


def test_left_l5_interview_in_a_terminal(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    by_words: dict[str, str] = {}  # the words on screen, each leg named: finding instance
    for row in findings_catalogue(shipped_kb, "self_check"):
        by_words.setdefault(sided(row["question"], row["side"]), row["id"])
    saved = tmp_path / "case.json"
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb", "COLUMNS": "250", "LINES": "60"}
    child = pexpect.spawn(
        sys.executable,
        ["-m", "nervepath", "interview", "--setting", "self_check", "--save", str(saved)],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(60, 250),
    )
    try:
        # The start: for me, aged 45, male, for 2 to 12 weeks, started gradually.
        for question, answer in (
            ("Who is this self-check for?", "me"),
            ("How old are you?", "40 to 50"),
            ("What is your sex?", "male"),
            ("How long have you had these symptoms?", "2 to 12 weeks"),
            ("How did it start?", "gradually"),
        ):
            child.expect(PROMPT)
            screen = _clean(child.before)
            assert question in screen, screen
            child.sendline(_numbers(screen)[answer])
        child.expect(PROMPT)
        assert "Which side hurts?" in _clean(child.before)
        child.sendline("1")  # left
        child.expect(PROMPT)
        regions = _numbers(_clean(child.before))
        child.sendline(
            f"{regions['the outer side of your lower leg']} {regions['the top of your foot']}"
        )
        # What is felt in each place, one place at a time, each with its side in words.
        for place in ("the top of your left foot", "the outer side of your left lower leg"):
            child.expect(PROMPT)
            screen = _clean(child.before)
            assert f"What do you feel in {place}?" in screen, screen
            qualities = _numbers(screen)
            child.sendline(f"{qualities['pain']} {qualities['numbness']}")
        # Every warning sign on one screen: this person has none of them.
        child.expect(PROMPT)
        screen = _clean(child.before)
        signs = _numbers(screen)
        assert "Type 0 (none of these)" in screen and len(signs) >= 15
        assert all(intended(by_words[label]) == "n" for label in signs)
        child.sendline("0")
        # Then the risk factors on one checklist: none of them either.
        child.expect(PROMPT)
        screen = _clean(child.before)
        assert "Do any of these apply to you?" in screen and "Type 0 (none of these)" in screen
        child.sendline("0")
        # And the rare signs a person notices: none.
        child.expect(PROMPT)
        screen = _clean(child.before)
        assert "Have you noticed any of these?" in screen and "Type 0 (none of these)" in screen
        child.sendline("0")

        asked: list[tuple[int, str, str]] = []
        while child.expect([PROMPT, "Saved the answers to"]) == 0:
            screen = _clean(child.before)
            assert "EMERGENCY" not in screen, screen
            match = QUESTION.search(screen)
            assert match is not None, f"no question on screen:\n{screen}"
            number, line = int(match.group(1)), match.group(2).strip()
            finding = by_words.get(line)
            assert finding is not None, f"question not in the catalogue: {line!r}"
            reply = intended(finding)
            asked.append((number, finding, reply))
            child.sendline(reply)
        final = _clean(child.before)
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
    assert child.exitstatus == 0, final

    # The questions after the screen and the two checklists (questions 1 to 3), numbered one
    # by one; none the same.
    assert [n for n, _, _ in asked] == list(range(4, len(asked) + 4))
    assert len({f for _, f, _ in asked}) == len(asked) <= 14
    print(f"\nleft L5 interview: {len(asked)} questions: {[f for _, f, _ in asked]}")

    # The screen: not an emergency, and the L5 root on the left leads.
    assert "EMERGENCY" not in final
    assert "ROUTINE: arrange to see a clinician in the coming weeks." in final
    site_rows = [line for line in final.splitlines() if "nerve root in the lower back" in line]
    assert site_rows and "the L5 nerve root in the lower back" in site_rows[0]
    assert re.search(r"the L5 nerve root in the lower back\s+left\s", site_rows[0])

    # The saved case: re-assessing it gives the same answer.
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert document["setting"] == "self_check"
    assert document["answers"]["numbness_lateral_leg_left"] == "present"
    assert all(document["answers"][f] == {"y": "present", "n": "absent",
                                          "d": "unknown"}[r] for _, f, r in asked)  # fmt: skip
    assessment = assess(parse_case(document))
    assert (assessment.sites[0].id, assessment.sites[0].side) == ("l5_root", "left")
    assert assessment.urgency == "routine"
    assert assessment.urgency != "emergency"
