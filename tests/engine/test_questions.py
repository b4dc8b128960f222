"""Expected information gain against brute-force recomputation, and the stop rule."""

from __future__ import annotations

import dataclasses
import math
from unittest.mock import patch

import numpy as np
import pytest
from engine_oracles import brute_all_absent, brute_force, network_and_evidence
from hypothesis import given, settings
from hypothesis import strategies as st

from nervepath.engine import (
    CompiledNetwork,
    FindingNode,
    HiddenNode,
    Network,
    NetworkError,
    QuestionScore,
    infer,
    rank_questions,
    should_stop,
)
from nervepath.engine import questions as questions_module
from nervepath.engine import split as split_module
from nervepath.engine.split import split_terms
from synthetic import random_network, realistic_cases


def _entropy(p: float) -> float:
    return -sum(x * math.log(x) for x in (p, 1.0 - p) if x > 0.0)


def _uncertainty(
    network: Network, evidence: dict[int, int], targets: list[int], groups: list[list[int]]
) -> float:
    """The targets' entropies plus each group's "some member present", by brute force."""
    marginals, _ = brute_force(network, evidence)
    total = sum(_entropy(marginals[h]) for h in targets)
    return total + sum(_entropy(brute_all_absent(network, evidence, g)) for g in groups)


def _brute_gain(
    network: Network,
    evidence: dict[int, int],
    f: int,
    targets: list[int],
    groups: list[list[int]] | None = None,
) -> tuple[float, list[float]]:
    _, log_evidence = brute_force(network, evidence)
    before = _uncertainty(network, evidence, targets, groups or [])
    after = 0.0
    probabilities: list[float] = []
    for k in range(len(network.findings[f].states)):
        _, log_joint = brute_force(network, {**evidence, f: k})
        p = math.exp(log_joint - log_evidence) if log_joint > -math.inf else 0.0
        probabilities.append(p)
        if p > 0.0:
            after += p * _uncertainty(network, {**evidence, f: k}, targets, groups or [])
    return before - after, probabilities


@settings(max_examples=100, deadline=None)
@given(network_and_evidence(), st.data())
def test_gain_matches_brute_force(
    case: tuple[Network, dict[int, int]], data: st.DataObject
) -> None:
    """With origin groups too: each one's "some member present" joins the uncertainty."""
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    node = st.integers(0, len(network.hidden) - 1)
    targets = data.draw(st.lists(node, unique=True, min_size=1))
    groups = data.draw(st.lists(st.lists(node, unique=True, min_size=1, max_size=3), max_size=3))
    scores = rank_questions(network, evidence, targets=targets, groups=groups)
    assert {s.finding for s in scores} == {
        f.name for i, f in enumerate(network.findings) if i not in evidence
    }
    rounded = [round(s.expected_information_gain, 9) for s in scores]
    assert rounded == sorted(rounded, reverse=True)
    for score in scores:
        assert score.expected_information_gain >= 0.0
        assert sum(score.state_probabilities) == pytest.approx(1.0, abs=1e-12)
        f = network.finding_index[score.finding]
        gain, probabilities = _brute_gain(network, evidence, f, targets, groups)
        assert score.expected_information_gain == pytest.approx(max(gain, 0.0), abs=1e-9)
        assert np.allclose(score.state_probabilities, probabilities, atol=1e-9)


@settings(max_examples=60, deadline=None)
@given(network_and_evidence(), st.data())
def test_state_posteriors_match_brute_force(
    case: tuple[Network, dict[int, int]], data: st.DataObject
) -> None:
    """Each state's ``P(t = 1 | e, f = k)``, as the interview reads them to see whether an
    answer changes the leading targets."""
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    node = st.integers(0, len(network.hidden) - 1)
    targets = data.draw(st.lists(node, unique=True, min_size=1))
    for score in rank_questions(network, evidence, targets=targets):
        f = network.finding_index[score.finding]
        assert len(score.state_posteriors) == len(network.findings[f].states)
        for k, (p, given_k) in enumerate(
            zip(score.state_probabilities, score.state_posteriors, strict=True)
        ):
            if p < 1e-9:
                continue
            marginals, _ = brute_force(network, {**evidence, f: k})
            assert np.allclose(given_k, [marginals[t] for t in targets], atol=1e-7)


def test_group_certainly_present() -> None:
    """A group made certain by the evidence adds no uncertainty before or after."""
    hidden = (
        HiddenNode("a", prior=0.3),
        HiddenNode("b", prior=0.4),
        HiddenNode("c", leak=0.05, parents=((0, 0.7), (1, 0.6))),
    )
    sure = FindingNode("sure", ("absent", "present"), (1.0, 0.0), ((0, (0.2, 0.8)),))
    graded = FindingNode("graded", ("0", "1", "2"), (0.9, 0.08, 0.02), ((2, (0.3, 0.3, 0.4)),))
    other = FindingNode("other", ("absent", "present"), (0.95, 0.05), ((1, (0.4, 0.6)),))
    network = Network(hidden, (sure, graded, other))
    evidence = {0: 1}  # "sure" present: "a" certainly present
    groups = [[0], [1, 2]]
    for split in (False, True):
        with (
            patch.object(split_module, "SPLIT_MIN_PARENTS", 1 if split else 99),
            patch.object(
                questions_module,
                "cheapest_split",
                lambda compiled, e, _=0: split_terms(compiled, e),
            ),
        ):
            scores = rank_questions(network, evidence, targets=[2], groups=groups)
        for score in scores:
            f = network.finding_index[score.finding]
            gain, probabilities = _brute_gain(network, evidence, f, [2], groups)
            assert score.expected_information_gain == pytest.approx(gain, abs=1e-9)
            assert np.allclose(score.state_probabilities, probabilities, atol=1e-9)


def test_realistic_ranking_spot_checks(
    realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    """Every candidate of a realistic case; three re-derived from fresh inferences."""
    evidence = realistic_cases(realistic, 4, seed=2)[3]
    sites = [i for i, node in enumerate(realistic.hidden) if not node.is_root]
    scores = rank_questions(realistic_compiled, evidence, targets=sites)
    assert len(scores) == len(realistic.findings) - len(evidence)
    base = infer(realistic_compiled, evidence)
    before = sum(_entropy(base.marginals[h]) for h in sites)
    for score in (scores[0], scores[len(scores) // 2], scores[-1]):
        f = realistic.finding_index[score.finding]
        after = 0.0
        for k, p in enumerate(score.state_probabilities):
            branch = infer(realistic_compiled, {**evidence, f: k})
            expected_p = math.exp(branch.log_evidence - base.log_evidence)
            assert p == pytest.approx(expected_p, abs=1e-9)
            after += p * sum(_entropy(branch.marginals[h]) for h in sites)
        assert score.expected_information_gain == pytest.approx(before - after, abs=1e-9)


def test_candidates_and_names() -> None:
    network = random_network(4, hidden=5, findings=6)
    scores = rank_questions(network, {"f0": "absent"}, targets=["h1", "h3"], candidates=["f2", 4])
    assert {s.finding for s in scores} == {"f2", "f4"}
    repeated = rank_questions(network, {}, candidates=["f2", 2, "f4", 4, "f2"])
    assert [s.finding for s in repeated].count("f2") == 1 and len(repeated) == 2
    assert rank_questions(network, {}, candidates=[]) == ()
    assert rank_questions(network, {0: 1}, candidates=[0]) == ()
    with pytest.raises(NetworkError):
        rank_questions(network, {}, candidates=["nope"])
    with pytest.raises(NetworkError):
        rank_questions(network, {}, targets=["nope"])


def test_stop_rule() -> None:
    scores = (QuestionScore("a", 0.2, (0.5, 0.5)), QuestionScore("b", 0.001, (0.9, 0.1)))
    assert not should_stop(scores, [0.4, 0.3])
    assert should_stop(scores, [0.97, 0.3])
    assert should_stop(scores[1:], [0.4])
    assert should_stop((), [0.4])
    assert not should_stop(scores, [0.97], confident=0.99)
    assert should_stop(scores, [0.4], min_gain=0.5)


def test_twin_findings_share_rows_and_scores() -> None:
    """Findings with the same parents and links (one row pushed for both) score alike,
    and as when each is ranked alone."""
    network = random_network(7, hidden=6, findings=5)
    twin = dataclasses.replace(network.findings[2], name="twin_of_f2")
    twinned = Network(network.hidden, (*network.findings, twin))
    evidence = {0: 1, 1: 0}
    scores = {s.finding: s for s in rank_questions(twinned, evidence)}
    assert scores["twin_of_f2"].expected_information_gain == pytest.approx(
        scores["f2"].expected_information_gain, abs=1e-14
    )
    for name in ("f2", "twin_of_f2", "f3"):
        (alone,) = rank_questions(twinned, evidence, candidates=[name])
        assert alone.expected_information_gain == pytest.approx(
            scores[name].expected_information_gain, abs=1e-12
        )
        assert np.allclose(alone.state_probabilities, scores[name].state_probabilities, atol=1e-12)
