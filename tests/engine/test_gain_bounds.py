"""The bound on a question's gain, and the head of the ranking that it lets ``top`` score alone."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from engine_oracles import joint_weights, network_and_evidence
from hypothesis import given, settings
from hypothesis import strategies as st

from nervepath.assessment.case import to_evidence
from nervepath.assessment.service import Assessor
from nervepath.engine import FindingNode, Network, QuestionScore, compile_network, rank_questions
from nervepath.engine import questions as questions_module
from nervepath.engine.gain_bounds import gain_bounds
from nervepath.evaluation.published import labelled, load_published_cases
from nervepath.knowledge.model import KnowledgeBase

CASES = Path(__file__).resolve().parents[1] / "published" / "cases"


def _states(finding: FindingNode, configurations: np.ndarray) -> np.ndarray:
    """``P(f = k | configuration)``: noisy-MAX over the present parents."""
    cumulative = np.tile(np.cumsum(finding.leak), (len(configurations), 1))
    for parent, q in finding.parents:
        on = configurations[:, parent] == 1
        cumulative[on] *= np.cumsum(q)
    return np.diff(cumulative, axis=1, prepend=0.0)


def _entropy(p: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, -p * np.log(p), 0.0) + np.where(p < 1, -(1 - p) * np.log1p(-p), 0.0)
    return np.asarray(terms)


@settings(max_examples=100, deadline=None)
@given(network_and_evidence(), st.data())
def test_bound_is_at_least_the_gain(
    case: tuple[Network, dict[int, int]], data: st.DataObject
) -> None:
    """By brute force: every unanswered finding's gain about the targets and groups is within
    its bound, given the exact posteriors the ranking reads off its tree for the nodes it
    reads, and only the marginals for the others."""
    network, evidence = case
    configurations, weights = joint_weights(network, evidence)
    if weights.sum() <= 0.0:
        return
    weights = weights / weights.sum()
    node = st.integers(0, len(network.hidden) - 1)
    targets = data.draw(st.lists(node, unique=True, min_size=1))
    groups = data.draw(st.lists(st.lists(node, unique=True, min_size=1, max_size=3), max_size=2))
    read = sorted(data.draw(st.sets(node)))
    events = [[t] for t in targets] + groups
    # Each event's indicator over the configurations ("some member present").
    happens = np.array([configurations[:, e].max(axis=1) for e in events])  # (E, C)
    marginals = weights @ configurations
    chances = happens @ weights
    given_absent = np.array(
        [
            (weights * (1 - h)) @ configurations / max(float(weights @ (1 - h)), 1e-300)
            for h in happens
        ]
    )
    compiled = compile_network(network)
    findings = [f for f in range(len(network.findings)) if f not in evidence]
    bounds = gain_bounds(
        compiled, findings, events, chances, marginals, read, given_absent[:, read]
    )
    for f, bound in zip(findings, bounds, strict=True):
        joint = weights[:, None] * _states(network.findings[f], configurations)  # (C, K)
        p_state = joint.sum(axis=0)
        gain = 0.0
        for h, chance in zip(happens, chances, strict=True):
            with np.errstate(divide="ignore", invalid="ignore"):
                given = np.where(p_state > 0, (joint * h[:, None]).sum(0) / p_state, 0)
            gain += float(_entropy(np.array(chance)) - p_state @ _entropy(given))
        assert gain <= bound + 1e-9


def _order(score: QuestionScore) -> tuple[float, str]:
    return (-round(score.expected_information_gain, 9), score.finding)


def _head(full: tuple[QuestionScore, ...], top: int, apart: set[str]) -> list[QuestionScore]:
    """The exhaustive ranking's ``top`` best of ``apart`` and of the others, in its order."""
    inside = [s for s in full if s.finding in apart][:top]
    outside = [s for s in full if s.finding not in apart][:top]
    return sorted(inside + outside, key=_order)


def _same(head: tuple[QuestionScore, ...], expected: list[QuestionScore]) -> None:
    assert [s.finding for s in head] == [s.finding for s in expected]
    for mine, theirs in zip(head, expected, strict=True):
        assert mine.expected_information_gain == pytest.approx(
            theirs.expected_information_gain, abs=1e-9
        )
        assert np.allclose(mine.state_probabilities, theirs.state_probabilities, atol=1e-9)
        assert np.allclose(mine.state_posteriors, theirs.state_posteriors, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(network_and_evidence(), st.data())
def test_top_is_the_head_of_the_whole_ranking(
    case: tuple[Network, dict[int, int]], data: st.DataObject
) -> None:
    network, evidence = case
    if joint_weights(network, evidence)[1].sum() <= 0.0:
        return
    node = st.integers(0, len(network.hidden) - 1)
    targets = data.draw(st.lists(node, unique=True, min_size=1))
    groups = data.draw(st.lists(st.lists(node, unique=True, min_size=1, max_size=3), max_size=2))
    top = data.draw(st.integers(1, 4))
    names = [f.name for i, f in enumerate(network.findings) if i not in evidence]
    apart = set(data.draw(st.lists(st.sampled_from(names), unique=True))) if names else set()
    full = rank_questions(network, evidence, targets=targets, groups=groups)
    with patch.object(questions_module, "BOUND_FROM", 0):  # bounded however small the tree
        head = rank_questions(
            network, evidence, targets=targets, groups=groups, top=top, apart=sorted(apart)
        )
    _same(head, _head(full, top, apart))


# Published tuning cases: the four slowest clinician ones (seconds of ranking each), and some
# ordinary ones of both settings.
SLOW = [
    "conus_medullaris_intramedullary_schwannoma_backache_then_weak_numb_legs_incontinence_27f",
    "stenosis_achondroplasia_ossified_ligamentum_flavum_l1_l5_75f",
    "guillain_barre_after_decompression_for_lumbar_stenosis_70m",
    "spinal_dural_av_fistula_polyneuropathy_like_stocking_paresthesia_57m",
]
ORDINARY = [
    "acute_leg_ischaemia_labelled_sciatica_by_gp",
    "ces_pyogenic_epidural_abscess_bilateral_weakness_incontinence",
    "meralgia_delayed_diagnosis_labelled_l4_5_disc",
    "s1_l5s1_disc_burning_posterior_leg_lateral_foot_numbness_young",
]


@pytest.fixture(scope="module")
def assessor(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


def _check_case(assessor: Assessor, prefix: str, setting: str) -> None:
    kb = assessor.kb
    [case] = [c for c in load_published_cases(CASES, kb=kb) if c.id.startswith(prefix)]
    evidence = to_evidence(kb, labelled(case, setting).case)
    candidates = assessor.candidates(setting, evidence)
    red = [c for c in candidates if kb.finding_instances_by_name[c].id in kb.red_flag_findings]
    sites = [h.name for h in kb.hidden if h.kind == "site"]
    full = assessor.best_questions(setting, evidence, top=None)
    # The top 10, bounded whatever the tree's size, on the network of the case's age
    # answers (best_questions' default); the service's call as it is.
    network = assessor.compiled_for(evidence)
    with patch.object(questions_module, "BOUND_FROM", 0):
        head = rank_questions(network, evidence, candidates=candidates, targets=sites, top=10)
    _same(head, _head(full, 10, set()))
    _same(assessor.best_questions(setting, evidence), _head(full, 5, set(red)))


@pytest.mark.parametrize("setting", ["clinician", "self_check"])
@pytest.mark.parametrize("prefix", ORDINARY)
def test_top_on_published_cases(assessor: Assessor, prefix: str, setting: str) -> None:
    """The service's ranking (top 5 warning signs and top 5 others) and the issue's top 10
    equal the exhaustive ranking's, to 1e-9."""
    _check_case(assessor, prefix, setting)


@pytest.mark.slow
@pytest.mark.parametrize("prefix", SLOW)
def test_top_on_the_slowest_published_cases(assessor: Assessor, prefix: str) -> None:
    _check_case(assessor, prefix, "clinician")
