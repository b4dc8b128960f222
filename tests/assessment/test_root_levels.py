"""A degenerative narrowing compresses one root: a sign of one root does not make another likelier.

Foraminal and lateral-recess stenosis (like a disc herniation, commit 01825fe) compress the root
that leaves or passes the narrowed level, one root in a patient (evidence §2.1: "single-root
radicular pain"). Until session 20 each was one cause reaching L3, L4, L5 and S1 as independent
links, so a sign of the L4 root raised the L5 root through it: at 70 a positive femoral stretch
test raised L5 by +1.13 in log odds, a weak great toe raised L4 by +0.78.
"""

from __future__ import annotations

import pytest
from sites_support import probability as _p
from sites_support import ranked_sites


def _odds_ratio(answers: dict[str, str], site: str, age: int) -> float:
    before = _p(ranked_sites({}, age), site, "right")
    after = _p(ranked_sites(answers, age), site, "right")
    return (after / (1 - after)) / (before / (1 - before))


@pytest.mark.parametrize("age", [50, 70])
def test_a_femoral_stretch_test_raises_the_upper_roots_not_l5(age: int) -> None:
    answers = {"femoral_stretch_test_right": "present"}
    assert _odds_ratio(answers, "l3_root", age) > 5
    assert _odds_ratio(answers, "l4_root", age) > 5
    assert _odds_ratio(answers, "l5_root", age) < 1.15


@pytest.mark.parametrize("age", [50, 70])
def test_a_weak_great_toe_raises_l5_not_the_roots_above(age: int) -> None:
    answers = {"strength_great_toe_extension_right": "4"}
    assert _odds_ratio(answers, "l5_root", age) > 3
    assert _odds_ratio(answers, "l4_root", age) < 1.15
    assert _odds_ratio(answers, "l3_root", age) < 1.15
