"""The interview's start questions and its wording of one side, read from the knowledge base.

The start asks who the self-check is for, the age, the sex, how long and how it started.
The age bands are the knowledge base's own (its ``age_band`` findings' limits), so a band
answers every age finding exactly; the sex answers the sex findings, which are never asked;
how long and how it started answer the tempo findings that exist (``onset_within_2_weeks``,
``symptoms_over_3_months``, ``sudden_onset``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from nervepath.knowledge.catalogue import UNKNOWN
from nervepath.knowledge.model import KnowledgeBase

__all__ = [
    "START_KEYS",
    "StartQuestion",
    "age_band",
    "place_words",
    "sided",
    "start_answers",
    "start_questions",
]

START_KEYS: Final = ("for_whom", "age", "sex", "duration", "onset")
_NOT_SAY = "rather not say"

# How long → the tempo findings (tempo.yaml): under 2 weeks, 2 to 12 weeks, over 3 months.
_DURATION: Final = {
    "under_2_weeks": {"onset_within_2_weeks": "present", "symptoms_over_3_months": "absent"},
    "2_to_12_weeks": {"onset_within_2_weeks": "absent", "symptoms_over_3_months": "absent"},
    "over_3_months": {"onset_within_2_weeks": "absent", "symptoms_over_3_months": "present"},
}
_ONSET: Final = {"sudden": {"sudden_onset": "present"}, "gradual": {"sudden_onset": "absent"}}


@dataclass(frozen=True)
class StartQuestion:
    key: str  # for_whom | age | sex | duration | onset
    text: str
    options: tuple[tuple[str, str], ...]  # (value, label)
    for_them: str = ""  # the text when answering for someone else ("How old are they?")

    def worded(self, for_whom: str | None) -> str:
        return self.for_them if for_whom == "someone_else" and self.for_them else self.text


def _age_limits(kb: KnowledgeBase) -> list[int]:
    limits: set[int] = set()
    for f in kb.raw.findings:
        if f.age_band is not None:
            limits |= {x for x in (f.age_band.at_least, f.age_band.below) if x is not None}
    return sorted(limits)


def _age_bands(kb: KnowledgeBase) -> list[tuple[str, str, int, int | None]]:
    """(value, label, first age, first age after) for each band between the KB's limits."""
    limits = _age_limits(kb)
    bands: list[tuple[str, str, int, int | None]] = []
    for low, high in zip([0, *limits], [*limits, None], strict=True):
        if high is None:
            bands.append((f"{low}_and_over", f"{low} or over", low, None))
        elif low == 0:
            bands.append((f"under_{high}", f"under {high}", low, high))
        else:
            bands.append((f"{low}_to_{high - 1}", f"{low} to {high - 1}", low, high))
    return bands


def start_questions(kb: KnowledgeBase) -> tuple[StartQuestion, ...]:
    """The start, in order; every one but "who" allows not saying (answered don't know)."""
    ages = tuple((value, label) for value, label, _, _ in _age_bands(kb))
    return (
        StartQuestion(
            "for_whom",
            "Who is this self-check for?",
            (("me", "me"), ("someone_else", "someone else (I am answering for them)")),
        ),
        StartQuestion("age", "How old are you?", (*ages, (UNKNOWN, _NOT_SAY)), "How old are they?"),
        StartQuestion(
            "sex",
            "What is your sex?",
            (("female", "female"), ("male", "male"), ("other", "other"), (UNKNOWN, _NOT_SAY)),
            "What is their sex?",
        ),
        StartQuestion(
            "duration",
            "How long have you had these symptoms?",
            (
                ("under_2_weeks", "less than 2 weeks"),
                ("2_to_12_weeks", "2 to 12 weeks"),
                ("over_3_months", "more than 3 months"),
                (UNKNOWN, "don't know"),
            ),
            # From here on the questions say "you": the person answers them for the other.
            "How long have they had these symptoms? From here on, answer each question for them.",
        ),
        StartQuestion(
            "onset",
            "How did it start?",
            (
                ("sudden", "suddenly, at a moment I can name"),
                ("gradual", "gradually"),
                (UNKNOWN, "don't know"),
            ),
        ),
    )


def age_band(kb: KnowledgeBase, age: int) -> str:
    """The start's age value for an age in years."""
    return next(
        v for v, _, low, high in _age_bands(kb) if age >= low and (high is None or age < high)
    )


def start_answers(kb: KnowledgeBase, start: Mapping[str, str]) -> dict[str, str]:
    """The findings the start answers: age findings from the band, sex findings from the sex
    (none for "other" or not saying), tempo from how long and how it started (only findings
    the knowledge base has)."""
    out: dict[str, str] = {}
    band = next((b for b in _age_bands(kb) if b[0] == start.get("age")), None)
    if band is not None:
        _, _, low, high = band
        for f in kb.raw.findings:
            if f.age_band is None:
                continue
            inside = (f.age_band.at_least is None or low >= f.age_band.at_least) and (
                f.age_band.below is None or (high is not None and high <= f.age_band.below)
            )
            out[f.id] = "present" if inside else "absent"
    for f in kb.raw.findings:
        state = f.patient_state(None, start.get("sex"))
        if state is not None:
            out[f.id] = state
    out |= _DURATION.get(start.get("duration", ""), {})
    out |= _ONSET.get(start.get("onset", ""), {})
    return {k: v for k, v in out.items() if k in kb.findings}


_BODY: Final = (
    r"(?:foot|feet|heel|toes?|ankle|leg|lower leg|calf|shin|knee|kneecap|thigh|hip|groin|"
    r"buttock|sole|arch|side)"
)
_THIS = re.compile(rf"\b(?:this|that) (?={_BODY}\b)")
_YOUR = re.compile(rf"\byour (?=(?:[\w-]+,? ){{0,4}}{_BODY}\b)")


def sided(text: str, side: str | None, *, clinician: bool = False) -> str:
    """The text of a question about one leg, naming the leg in words ("your left heel")."""
    if side is None:
        return text
    if clinician:
        return text if side in text.lower() else f"{side.capitalize()} side: {text}"
    if _THIS.search(text):
        return _THIS.sub(f"your {side} ", text, count=1)
    if _YOUR.search(text):
        return _YOUR.sub(f"your {side} ", text, count=1)
    return f"Your {side} leg: {text}"


def place_words(name: str, side: str | None) -> str:
    """A body-map place in words, its side named: "the bottom of your left heel"."""
    out = sided(name, side)
    return out if side is None or side in out else f"{name} ({side} side)"
