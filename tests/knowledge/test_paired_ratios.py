"""Published ratios for a sign read on both legs at once, which ``likelihood_ratios.yaml``
(one finding answered) cannot state: the shipped model must reproduce them within the same
0.67–1.5× of the value that ``kb check`` allows where no interval is published."""

from __future__ import annotations

import pytest

from nervepath.assessment.calibration import TOLERANCE
from nervepath.assessment.case import Case, Patient
from nervepath.assessment.service import Assessor
from nervepath.knowledge.model import KnowledgeBase


def _odds(kb: KnowledgeBase, target: str, answers: dict[str, str], age: int) -> float:
    case = Case(setting="clinician", patient=Patient(age=age), answers=answers)
    d = Assessor(kb).differential(case)
    p = dict((*d.sites, *d.causes))[target]
    return p / (1 - p)


@pytest.mark.parametrize("age", [45, 70])
def test_both_ankle_jerks_absent_carry_the_published_ratio_for_polyneuropathy(
    shipped_kb: KnowledgeBase, age: int
) -> None:
    # Chew 2022 (references.yaml › chew2022): both ankle jerks absent, LR+ 7.6 among
    # patients referred for nerve conduction studies.
    both_absent = {"reflex_achilles_left": "absent", "reflex_achilles_right": "absent"}
    implied = _odds(shipped_kb, "polyneuropathy", both_absent, age) / _odds(
        shipped_kb, "polyneuropathy", {}, age
    )
    assert TOLERANCE[0] * 7.6 <= implied <= TOLERANCE[1] * 7.6
