"""Signs that come with age weigh less in older patients: an absent ankle jerk, reduced
vibration at the big toe and a faint foot pulse take their age band's leak (knowledge/ages.py),
for a stated age or for the self-check's age answers; with no age, the population's mixture."""

from __future__ import annotations

import math

import pytest

from nervepath.assessment.case import Case, Patient, to_evidence
from nervepath.assessment.service import Assessor
from nervepath.engine.compiled import CompiledNetwork
from nervepath.interview.start import age_band, start_answers
from nervepath.knowledge.model import KnowledgeBase

ANKLE = "reflex_achilles_left"


@pytest.fixture(scope="module")
def assessor(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


def _odds(p: float) -> float:
    return p / (1.0 - p)


def _ratio(assessor: Assessor, age: int | None, answers: dict[str, str], site: str) -> float:
    """How many times the answers multiply the site's odds at this age."""

    def p(given: dict[str, str]) -> float:
        case = Case(setting="clinician", patient=Patient(age=age), answers=given)
        return dict(assessor.differential(case).sites)[site]

    return _odds(p(answers)) / _odds(p({}))


@pytest.mark.parametrize("site", ["s1_root_left", "polyneuropathy"])
def test_an_absent_ankle_jerk_counts_less_at_75_than_at_35(assessor: Assessor, site: str) -> None:
    absent = {"reflex_achilles_left": "absent"}
    young, old = _ratio(assessor, 35, absent, site), _ratio(assessor, 75, absent, site)
    # Absent in 23 % of healthy people over 60 (Vrancken 2006), rarely below: at 75 it says
    # much less for the S1 root, or for a polyneuropathy, than at 35.
    assert old < young / 1.5
    assert old > 1.0  # still some evidence


def test_a_faint_foot_pulse_counts_less_for_arterial_disease_at_75(assessor: Assessor) -> None:
    faint = {"reduced_foot_pulses_left": "present"}
    site = "peripheral_arterial_disease_left"
    assert _ratio(assessor, 75, faint, site) < _ratio(assessor, 35, faint, site) / 1.5


def test_the_self_checks_age_answer_gives_the_leaks_of_a_stated_age(
    assessor: Assessor, shipped_kb: KnowledgeBase
) -> None:
    # "71 or over" answers the age findings; no age is stated, yet the network is the 75's.
    answered = start_answers(shipped_kb, {"age": age_band(shipped_kb, 75)})
    evidence = to_evidence(shipped_kb, Case(setting="self_check", answers=answered))
    assert assessor.compiled_for(evidence) is assessor.compiled_for({}, age=75)
    assert assessor.compiled_for({}) is assessor.compiled  # age unknown: the mixture
    # "51 to 70" straddles the ankle jerk's limit at 60: a mixture of the two bands' leaks.
    middle = start_answers(shipped_kb, {"age": age_band(shipped_kb, 65)})
    mixed = assessor.compiled_for(to_evidence(shipped_kb, Case(answers=middle)))
    absent = [_leak(c, ANKLE)[3] for c in (assessor.compiled_for({}, age=a) for a in (55, 65))]
    assert absent[0] < _leak(mixed, ANKLE)[3] < absent[1]


def test_with_no_age_the_ankle_jerk_leak_is_the_population_mixture(
    assessor: Assessor, shipped_kb: KnowledgeBase
) -> None:
    bands = shipped_kb.age_bands
    by_band = [_leak(assessor.compiled_for({}, age=b.at_least), ANKLE) for b in bands]
    unknown = _leak(assessor.compiled, ANKLE)
    for k in range(4):
        mixture = sum(b.share * leak[k] for b, leak in zip(bands, by_band, strict=True))
        assert math.isclose(unknown[k], mixture, abs_tol=1e-12)


def _leak(compiled: CompiledNetwork, name: str) -> tuple[float, ...]:
    return compiled.network.findings[compiled.network.finding_index[name]].leak
