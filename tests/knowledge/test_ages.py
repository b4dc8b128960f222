"""Leaks given per age band: validation, and the mixture that stands in when the age is unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge.ages import bands_answered, bands_of_age
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

_MIX = """
age_mix:
  - {below: 60, share: {value: 0.7, estimate: {rationale: "fixture: most people are younger"}}}
  - {at_least: 60, share: {value: 0.3, estimate: {rationale: "fixture: the rest are older"}}}
"""
_YOUNG = '{value: {reduced: 0.05, absent: 0.02}, estimate: {rationale: "fixture: rare when young"}}'
_OLD = '{value: {reduced: 0.15, absent: 0.25}, estimate: {rationale: "fixture: common when old"}}'


def _reflex(first: str = "below: 60", second: str = "at_least: 60") -> str:
    return f"""
leak_overrides:
  - finding: reflex_achilles
    leak_by_age:
      - {{{first}, leak_grades: {_YOUNG}}}
      - {{{second}, leak_grades: {_OLD}}}
"""


def _load_with(root: Path, derivation_yaml: str) -> KnowledgeBase:
    path = root / "derivation.yaml"
    path.write_text(path.read_text(encoding="utf-8") + derivation_yaml, encoding="utf-8")
    return load_knowledge_base(root)


def test_an_age_banded_leak_is_the_bands_mixture_with_the_age_unknown(kb_copy: Path) -> None:
    kb = _load_with(kb_copy, _MIX + _reflex())
    young, old = (0.93, 0.0, 0.05, 0.02), (0.6, 0.0, 0.15, 0.25)  # normal, brisk, reduced, absent
    reflex = kb.findings["reflex_achilles"]
    assert [list(band) for band in reflex.by_age] == [pytest.approx(young), pytest.approx(old)]
    assert reflex.leak == pytest.approx(
        [0.7 * y + 0.3 * o for y, o in zip(young, old, strict=True)]
    )
    assert (
        kb.aged(bands_of_age(kb.age_bands, 35)).finding_leaks["reflex_achilles"] == reflex.by_age[0]
    )
    assert (
        kb.aged(bands_of_age(kb.age_bands, 75)).finding_leaks["reflex_achilles"] == reflex.by_age[1]
    )
    assert kb.aged(frozenset({0, 1})).finding_leaks["reflex_achilles"] == pytest.approx(reflex.leak)


@pytest.mark.parametrize(
    ("first", "second", "refused"),
    [
        ("below: 60", "at_least: 61", r"leak_by_age › 1 › at_least: found 61, expected 60"),
        ("below: 60", "at_least: 50", r"leak_by_age › 1 › at_least: found 50, expected 60"),
        ("at_least: 18, below: 60", "at_least: 60", r"leak_by_age › 0 › at_least: found 18"),
        (
            "below: 60",
            "at_least: 60, below: 90",
            r"leak_by_age › 1 › below: found 90, expected none",
        ),
    ],
)
def test_age_bands_with_a_gap_or_an_overlap_are_refused(
    kb_copy: Path, first: str, second: str, refused: str
) -> None:
    with pytest.raises(KnowledgeBaseError, match=refused) as raised:
        _load_with(kb_copy, _MIX + _reflex(first, second))
    assert "leak_overrides" in str(raised.value)  # the error names where it is


def test_a_band_limit_the_population_does_not_have_is_refused(kb_copy: Path) -> None:
    refused = r"reflex_achilles › leak_by_age › 0 › below: found 50, expected one of the age_mix"
    with pytest.raises(KnowledgeBaseError, match=refused):
        _load_with(kb_copy, _MIX + _reflex("below: 50", "at_least: 50"))


def test_age_shares_that_do_not_add_up_to_one_are_refused(kb_copy: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match=r"age_mix › share: found a total of 1.1"):
        _load_with(kb_copy, _MIX.replace("0.3", "0.4") + _reflex())


def test_a_finding_with_a_leak_and_a_banded_leak_is_refused(kb_copy: Path) -> None:
    path = kb_copy / "findings" / "all.yaml"
    text = path.read_text(encoding="utf-8")
    banded = (
        "leak: {value: 0.2, source: {ref: study, locator: specificity}}\n"
        "    leak_by_age: [{leak: {value: 0.2, source: {ref: study, locator: specificity}}}]"
    )
    path.write_text(
        text.replace("leak: {value: 0.2, source: {ref: study, locator: specificity}}", banded),
        encoding="utf-8",
    )
    with pytest.raises(KnowledgeBaseError, match=r"straight_leg_raise.*'leak_by_age' or a single"):
        _load_with(kb_copy, _MIX)


def test_the_self_checks_age_answers_leave_the_bands_of_their_range(
    shipped_kb: KnowledgeBase,
) -> None:
    bands = shipped_kb.age_bands
    findings = shipped_kb.raw.findings
    over_50_not_70 = {"age_over_50": "present", "age_over_70": "absent"}
    left = bands_answered(bands, findings, over_50_not_70)
    assert {(bands[i].at_least, bands[i].below) for i in left} == {(51, 60), (60, 71)}
    assert bands_answered(bands, findings, {}) == frozenset(range(len(bands)))
    assert bands_answered(bands, findings, {"age_over_70": "present"}) == bands_of_age(bands, 80)


def test_the_shipped_age_mix_agrees_with_the_age_findings_leaks(shipped_kb: KnowledgeBase) -> None:
    """The population's shares are those the age findings' own leaks give."""
    bands = shipped_kb.age_bands
    for f in shipped_kb.raw.findings:
        if f.age_band is None or f.leak is None:
            continue
        inside = sum(b.share for b in bands if f.age_band.holds(b.at_least))
        assert inside == pytest.approx(f.leak.value, abs=0.005), f.id


def test_an_age_finding_whose_limit_the_population_does_not_have_is_refused(
    kb_copy: Path,
) -> None:
    """The self-check answers age findings, not ages: their limits must be the population's,
    or an answered range would cut an age band in two."""
    path = kb_copy / "findings" / "all.yaml"
    path.write_text(
        path.read_text(encoding="utf-8")
        + """  - id: age_over_50
    category: history
    lateral: false
    age_band: {at_least: 51}
    question: Are you over 50 years old?
    clinician_text: Age over 50
    settings: [self_check, clinician]
    leak: {value: 0.5, estimate: {rationale: "fixture: half the people are over 50"}}
""",
        encoding="utf-8",
    )
    refused = r"age_over_50 › age_band › at_least: found 51, expected one of the age_mix limits"
    with pytest.raises(KnowledgeBaseError, match=refused):
        _load_with(kb_copy, _MIX)


def test_a_band_with_a_grade_the_scale_does_not_have_is_refused(kb_copy: Path) -> None:
    refused = r"leak_overrides › reflex_achilles › leak_by_age.1.leak_grades.gone: found grade"
    with pytest.raises(KnowledgeBaseError, match=refused):
        _load_with(kb_copy, _MIX + _reflex().replace("absent: 0.25", "gone: 0.25"))
