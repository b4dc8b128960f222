"""Recommendations: the emergency department first in an emergency, the separating examination
and the imaging guidance for an L5 picture, and plain words for a self-check."""

from __future__ import annotations

import re
from collections.abc import Sequence

import pytest

from nervepath.assessment.recommend import RECOMMENDATION_KINDS, Recommendation, recommend
from nervepath.assessment.triage import URGENCY_LEVELS, triage
from nervepath.errors import CaseError
from nervepath.knowledge.model import KnowledgeBase

L5_PICTURE = [
    ("l5_root_left", 0.62),
    ("common_peroneal_nerve_left", 0.14),
    ("sciatic_nerve_left", 0.04),
    ("s1_root_left", 0.03),
]

# Words a person doing a self-check should not meet without explanation.
JARGON = re.compile(
    r"radicul|myotom|dermatom|\bMRC\b|neuropath|isch(a)?emi|\bEMG\b|\bNCS\b|paraesthe|"
    r"anaesthe|sphincter|bilateral|lumbar|cauda equina|\bABI\b|brachial|\bHLA|\bCES\b|spondyl|"
    r"claudicat|tendinopath|fasciitis|metatars|plantar|calcane|perianal|perineal|peroneal|"
    r"gluteal|malleol|posterior|proximal|distal|pathology|malignan|idiopathic|syndrome",
    re.IGNORECASE,
)


def _texts(recommendations: Sequence[Recommendation]) -> list[str]:
    return [r.text for r in recommendations]


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_emergency_puts_the_emergency_department_first(
    shipped_kb: KnowledgeBase, setting: str
) -> None:
    result = triage(shipped_kb, {"numbness_saddle": "present"}, dict(L5_PICTURE))
    out = recommend(
        shipped_kb,
        setting=setting,
        urgency=result.urgency,
        red_flags=result.red_flags,
        ranked_sites=L5_PICTURE,
    )
    assert out[0].kind == "care"
    assert "emergency department" in out[0].text.lower()
    assert out[0].source_ref == "girft_ces2023"
    assert any("MRI" in r.text and r.kind == "imaging" for r in out)
    assert not any("not routinely indicated" in t or "not needed" in t for t in _texts(out))


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_emergency_from_the_probabilities_alone_also_goes_first(
    shipped_kb: KnowledgeBase, setting: str
) -> None:
    ranked = [("cauda_equina", 0.3), ("l5_root_left", 0.3)]
    out = recommend(
        shipped_kb, setting=setting, urgency="emergency", red_flags=(), ranked_sites=ranked
    )
    assert "emergency department" in out[0].text.lower()
    assert any(r.kind == "imaging" and "MRI" in r.text for r in out)


def test_l5_picture_for_a_clinician(shipped_kb: KnowledgeBase) -> None:
    out = recommend(
        shipped_kb, setting="clinician", urgency="routine", red_flags=(), ranked_sites=L5_PICTURE
    )
    exams = [r for r in out if r.kind == "examination"]
    assert any("inversion" in r.text and "hip abduction" in r.text for r in exams)
    imaging = [r for r in out if r.kind == "imaging"]
    not_routine = [r for r in imaging if "not routinely indicated" in r.text]
    assert not_routine and not_routine[0].source_ref == "nice_ng59"
    assert "without red flags" in not_routine[0].text
    assert any(r.source_ref == "acr_low_back_pain2021" and "6 weeks" in r.text for r in imaging)
    kinds = [RECOMMENDATION_KINDS.index(r.kind) for r in out[1:]]
    assert kinds == sorted(kinds)


def test_no_routine_imaging_never_stands_beside_a_red_flag(shipped_kb: KnowledgeBase) -> None:
    result = triage(
        shipped_kb, {"history_of_cancer": "present", "back_pain": "present"}, dict(L5_PICTURE)
    )
    assert result.urgency == "urgent"
    out = recommend(
        shipped_kb,
        setting="clinician",
        urgency=result.urgency,
        red_flags=result.red_flags,
        ranked_sites=L5_PICTURE,
    )
    assert not any("not routinely indicated" in t for t in _texts(out))
    assert any(r.kind == "imaging" and "variant 7" in r.text for r in out)


def test_self_check_gets_the_leading_site_only_and_no_examinations(
    shipped_kb: KnowledgeBase,
) -> None:
    out = recommend(
        shipped_kb, setting="self_check", urgency="routine", red_flags=(), ranked_sites=L5_PICTURE
    )
    assert not any(r.kind == "examination" for r in out)
    assert not any("knee" in t and "crossing" in t for t in _texts(out))  # peroneal advice
    assert any("scan" in t and "not needed" in t for t in _texts(out))


def test_self_check_wording_has_no_jargon(shipped_kb: KnowledgeBase) -> None:
    sites = [(h.name, 0.9) for h in shipped_kb.hidden if h.kind == "site"]
    every = triage(
        shipped_kb,
        {
            i.name: "present"
            for i in shipped_kb.finding_instances
            if shipped_kb.findings[i.id].red_flag or i.id == "numbness_saddle"
        },
        {},
    )
    assert len(every.red_flags) >= 15
    texts: list[str] = []
    for urgency in URGENCY_LEVELS:
        for site in sites:
            for flags in ((), every.red_flags):
                out = recommend(
                    shipped_kb,
                    setting="self_check",
                    urgency=urgency,
                    red_flags=flags,
                    ranked_sites=[site],
                )
                texts.extend(_texts(out))
    texts.extend(f.plain for f in every.red_flags)
    texts.extend(b.plain for b in shipped_kb.raw.triage.baselines)
    texts.append(shipped_kb.raw.triage.default.plain)
    for text in sorted(set(texts)):
        assert not JARGON.search(text), text


def test_clinician_wording_is_clinical(shipped_kb: KnowledgeBase) -> None:
    out = recommend(
        shipped_kb, setting="clinician", urgency="routine", red_flags=(), ranked_sites=L5_PICTURE
    )
    assert any(JARGON.search(t) for t in _texts(out))


def test_every_recommendation_cites_a_known_reference(shipped_kb: KnowledgeBase) -> None:
    references = shipped_kb.references
    every = triage(
        shipped_kb,
        {
            i.name: "present"
            for i in shipped_kb.finding_instances
            if shipped_kb.findings[i.id].red_flag
        },
        {},
    )
    for setting in ("self_check", "clinician"):
        for urgency in URGENCY_LEVELS:
            out = recommend(
                shipped_kb,
                setting=setting,
                urgency=urgency,
                red_flags=every.red_flags,
                ranked_sites=L5_PICTURE,
            )
            assert out
            for r in out:
                assert r.kind in RECOMMENDATION_KINDS
                assert r.citation == references[r.source_ref].citation


def test_self_care_for_heel_pain(shipped_kb: KnowledgeBase) -> None:
    ranked = [("plantar_fascia_right", 0.85), ("tibial_nerve_tarsal_tunnel_right", 0.1)]
    result = triage(shipped_kb, {}, dict(ranked))
    assert result.urgency == "self_care"
    out = recommend(
        shipped_kb, setting="self_check", urgency="self_care", red_flags=(), ranked_sites=ranked
    )
    assert out[0].kind == "self_care"
    assert any("stretch" in t for t in _texts(out))
    assert not any("emergency" in t.lower() for t in _texts(out))


def test_arterial_picture_asks_for_the_ankle_brachial_index(shipped_kb: KnowledgeBase) -> None:
    ranked = [("peripheral_arterial_disease_left", 0.7), ("multilevel_stenosis", 0.2)]
    out = recommend(
        shipped_kb, setting="clinician", urgency="routine", red_flags=(), ranked_sites=ranked
    )
    assert any(r.kind == "test" and "Ankle-brachial index" in r.text for r in out)
    assert any(r.kind == "examination" and "Neurogenic vs vascular" in r.text for r in out)


def test_recommendations_are_deduplicated(shipped_kb: KnowledgeBase) -> None:
    out = recommend(
        shipped_kb,
        setting="clinician",
        urgency="routine",
        red_flags=(),
        ranked_sites=[("l5_root_left", 0.5), ("l5_root_right", 0.4), ("s1_root_left", 0.3)],
    )
    keys = [(r.kind, r.text) for r in out]
    assert len(keys) == len(set(keys))


def test_bad_arguments_are_refused(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match="setting 'patient'"):
        recommend(shipped_kb, setting="patient", urgency="routine", red_flags=(), ranked_sites=[])
    with pytest.raises(CaseError, match="'soon' is not a level"):
        recommend(shipped_kb, setting="clinician", urgency="soon", red_flags=(), ranked_sites=[])
    with pytest.raises(CaseError, match="'l5_rot_left' is not a site"):
        recommend(
            shipped_kb,
            setting="clinician",
            urgency="routine",
            red_flags=(),
            ranked_sites=[("l5_rot_left", 0.5)],
        )


def test_tiny_base(tiny_kb: KnowledgeBase) -> None:
    ranked = [("l5_root_left", 0.7), ("peroneal_nerve_left", 0.2)]
    result = triage(tiny_kb, {"bladder_dysfunction": "present"}, dict(ranked))
    out = recommend(
        tiny_kb,
        setting="clinician",
        urgency=result.urgency,
        red_flags=result.red_flags,
        ranked_sites=ranked,
    )
    assert _texts(out) == [
        "Same-day emergency assessment.",
        "Emergency MRI.",
        "Test the muscles supplied by the root but not the nerve.",
    ]
    routine = recommend(
        tiny_kb, setting="self_check", urgency="routine", red_flags=(), ranked_sites=ranked
    )
    assert _texts(routine) == [
        "See your GP within weeks.",
        "See a physiotherapist.",
        "No scan is needed now.",
    ]


def test_a_routine_result_says_when_to_get_help_urgently(shipped_kb: KnowledgeBase) -> None:
    ranked = [("l5_root_left", 0.6), ("s1_root_left", 0.2)]
    out = recommend(
        shipped_kb, setting="self_check", urgency="routine", red_flags=(), ranked_sites=ranked
    )
    texts = _texts(out)
    assert texts[0].startswith("Book to see your GP")  # what to do now comes first
    net = next(t for t in texts if t.startswith("Get help urgently"))
    assert "bladder" in net and "both legs" in net and "emergency department" in net
