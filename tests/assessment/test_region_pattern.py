"""A stocking is one person's pattern (issue #14): a polyneuropathy's (or the cord's) rate per
person reaches the foot's regions through a pattern node (derivation.yaml › region_pattern),
so a whole stocking weighs about as the pattern does, not as its rate to the power of the
regions, and the pattern felt without a modelled lesion has a rate of its own."""

from __future__ import annotations

import pytest

from nervepath.assessment.case import Case, Patient
from nervepath.assessment.service import Assessor
from nervepath.knowledge.model import KnowledgeBase

TOES = ("great_toe", "middle_toes", "little_toe")


@pytest.fixture(scope="module")
def assessor(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


def _odds(p: float) -> float:
    return p / (1 - p)


def _ratio(assessor: Assessor, answers: dict[str, str], site: str) -> float:
    def p(given: dict[str, str]) -> float:
        case = Case(setting="clinician", patient=Patient(age=60), answers=given)
        return dict(assessor.differential(case).sites)[site]

    return _odds(p(answers)) / _odds(p({}))


def _stocking(kb: KnowledgeBase, quality: str) -> dict[str, str]:
    regions = [r.id for r in kb.raw.anatomy.regions if "stocking" in r.tags]
    return {f"{quality}_{r}_{s}": "present" for r in regions for s in ("left", "right")}


def test_a_stocking_of_both_feet_weighs_as_the_pattern_person_for_person(
    shipped_kb: KnowledgeBase, assessor: Assessor
) -> None:
    """(0.50 + π)/π for the numbness pattern (π = 0.1 × 0.03 / 0.70), not the 3,300 of 22
    regions multiplied (knowledge base 0.1.12); adding the toes to the whole stocking adds
    almost nothing, since the pattern explains them all."""
    pattern = next(h for h in shipped_kb.hidden if h.name == "numbness_stocking_pattern")
    link = dict(pattern.parents)["polyneuropathy"].value
    pi = next(h for h in shipped_kb.hidden if h.name == "numbness_stocking_background")
    pi = pi.probability.value
    whole = _ratio(assessor, _stocking(shipped_kb, "numbness"), "polyneuropathy")
    assert whole < (link + pi) / pi * 1.2
    toes = {f"numbness_{t}_{s}": "present" for t in TOES for s in ("left", "right")}
    assert _ratio(assessor, toes, "polyneuropathy") == pytest.approx(whole, rel=0.2)


def test_a_region_alone_keeps_its_background_rate(shipped_kb: KnowledgeBase) -> None:
    """The pattern's background takes a share of a region's background, and so do the leaks of
    the nerve territories that hold it (the heel: tarsal tunnel and sural); the region's own
    leak the rest: together the quality's leak, as before the pattern."""
    pattern = next(h for h in shipped_kb.hidden if h.name == "numbness_stocking_pattern")
    region = next(i for i in shipped_kb.finding_instances if i.name == "numbness_heel_left")
    links = dict((p, link.distribution[1]) for p, link in region.parents)
    given = links[pattern.name]
    own = shipped_kb.findings["numbness_heel"].leak[0]
    quality = next(q for q in shipped_kb.raw.derivation.sensory_qualities if q.id == "numbness")
    background = next(h for h in shipped_kb.hidden if h.name == "numbness_stocking_background")
    miss = 1 - background.probability.value * given
    territories = [h for h in shipped_kb.hidden if h.kind == "territory" and h.name in links]
    assert len(territories) == 2
    for h in territories:
        miss *= 1 - h.probability.value * links[h.name]
    assert 1 - own * miss == pytest.approx(quality.leak.value)
    assert "polyneuropathy" not in {p for p, _ in region.parents}


def test_a_pattern_is_never_ranked_and_its_site_explains_what_it_produces(
    shipped_kb: KnowledgeBase, assessor: Assessor
) -> None:
    case = Case(setting="clinician", answers=_stocking(shipped_kb, "burning"))
    d = assessor.differential(case)
    names = {name for name, _ in d.sites}
    assert not any(name.endswith("_pattern") for name in names)
    assert d.sites[0][0] == "polyneuropathy"
    # Ranked by what it explains: the stocking is all it was given, and it explains it.
    assert d.explains["polyneuropathy"] == pytest.approx(dict(d.sites)["polyneuropathy"], rel=0.05)
