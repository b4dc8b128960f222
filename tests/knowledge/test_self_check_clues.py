"""What people can find out about their own leg is asked in the self-check; what needs an
examiner is not (issue #14: the self-check's gap to the clinician on the published cases)."""

from __future__ import annotations

import pytest

from nervepath.knowledge.model import KnowledgeBase

# Clues a person can report or try alone, each with the way it is asked.
SELF_REPORTED = [
    "foot_drop",  # the foot slaps down or the toes catch when walking
    "leg_pain_worse_cough_sneeze",
    "difficulty_ankle_dorsiflexion",  # lifting the front of the foot, walking on the heel
    "difficulty_ankle_plantarflexion",  # walking on tiptoe
    "difficulty_knee_extension",  # the knee gives way, stairs, rising from a chair
    "difficulty_hip_flexion",  # lifting the leg into a car
    "numbness_lateral_thigh",  # a numb patch on the outer thigh
    "numbness_anterolateral_thigh",
    "calf_wasting",  # a visibly thinner calf or thigh
    "thigh_wasting",
    "lumbar_flexion_painful_restricted",
    "unable_to_bear_weight",
    "limp",
]

# What carried the clinician setting's lead on the tuning half in session 19: strength
# grades, reflexes, pin-prick, stretch tests and pulses, none of which a person can honestly
# give about themselves; their plain-words twins are the self-reported clues above.
EXAMINER_ONLY = [
    "strength_ankle_dorsiflexion",
    "strength_knee_extension",
    "reflex_achilles",
    "reflex_patellar",
    "sensory_loss_lateral_thigh",
    "straight_leg_raise",
    "femoral_stretch_test",
    "reduced_foot_pulses",
]


@pytest.mark.parametrize("finding", SELF_REPORTED)
def test_a_clue_a_person_can_give_is_asked_in_plain_words(
    shipped_kb: KnowledgeBase, finding: str
) -> None:
    f = shipped_kb.findings[finding]
    assert "self_check" in f.settings and f.asked
    assert not f.question.startswith("("), "a self-check question is not an examiner's note"


@pytest.mark.parametrize("finding", EXAMINER_ONLY)
def test_an_examination_finding_stays_with_the_clinician(
    shipped_kb: KnowledgeBase, finding: str
) -> None:
    assert set(shipped_kb.findings[finding].settings) == {"clinician"}


def test_heel_and_tiptoe_walking_are_the_self_tests_of_the_ankle(
    shipped_kb: KnowledgeBase,
) -> None:
    assert "heel" in shipped_kb.findings["difficulty_ankle_dorsiflexion"].question
    assert "tiptoe" in shipped_kb.findings["difficulty_ankle_plantarflexion"].question
