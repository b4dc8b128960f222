"""A risk factor's copies (one per parent, answered together) against brute force.

The copies are ordinary single-parent findings, so posteriors need no oracle of their own
(``test_inference``'s cover them); what is new is that one answer sets them all, that an
explanation leaves them out together, and that the question ranking scores the answer as
a root ``R`` with ``P(R = k)`` its leak (module ``nervepath.engine.traits``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from engine_oracles import brute_all_absent, brute_force, networks
from hypothesis import given, settings
from hypothesis import strategies as st

from nervepath.engine import FindingNode, HiddenNode, Network, NetworkError, explain, rank_questions


def _entropy(p: float) -> float:
    return -sum(x * math.log(x) for x in (p, 1.0 - p) if x > 0.0)


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


@st.composite
def with_trait(draw: st.DrawFn) -> tuple[Network, dict[int, int], tuple[int, ...]]:
    """A random network with a risk factor ``r`` copied onto 2–3 of its hidden nodes, and
    evidence on its other findings (and, half the time, on ``r``)."""
    base = draw(networks(max_hidden=6, max_findings=4))
    n = len(base.hidden)
    parents = draw(st.lists(st.integers(0, n - 1), unique=True, min_size=min(2, n), max_size=3))
    leak_present = draw(st.floats(0.05, 0.9))
    copies = tuple(
        FindingNode(
            f"r__{base.hidden[p].name}",
            ("absent", "present"),
            (1.0 - leak_present, leak_present),
            ((p, (1.0 - q, q)),),
            answer="r",
        )
        for p in sorted(parents)
        for q in [draw(st.floats(0.0, 0.95))]
    )
    network = Network(base.hidden, base.findings + copies)
    first = len(base.findings)
    chosen = draw(st.lists(st.integers(0, first - 1), unique=True))
    evidence = {f: draw(st.integers(0, len(network.findings[f].states) - 1)) for f in chosen}
    if draw(st.booleans()):
        k = draw(st.integers(0, 1))
        evidence |= {first + i: k for i in range(len(copies))}
    return network, evidence, tuple(range(first, first + len(copies)))


def test_an_answer_sets_every_copy() -> None:
    hidden = (HiddenNode("stenosis", prior=0.1), HiddenNode("arteries", prior=0.05))
    copies = tuple(
        FindingNode(f"old__{h.name}", ("absent", "present"), (0.5, 0.5), ((i, (0.2, 0.8)),), "old")
        for i, h in enumerate(hidden)
    )
    network = Network(hidden, copies)
    assert network.evidence_indices({"old": "present"}) == {0: 1, 1: 1}
    with pytest.raises(NetworkError, match="different states or leaks"):
        Network(
            hidden,
            (
                copies[0],
                FindingNode("old__x", ("absent", "present"), (0.6, 0.4), ((1, (0.2, 0.8)),), "old"),
            ),
        )
    with pytest.raises(NetworkError, match="exactly one parent"):
        Network(
            hidden,
            (
                copies[0],
                FindingNode(
                    "old__x",
                    ("absent", "present"),
                    (0.5, 0.5),
                    ((0, (0.2, 0.8)), (1, (0.2, 0.8))),
                    "old",
                ),
            ),
        )


@settings(max_examples=80, deadline=None)
@given(with_trait())
def test_an_explanation_leaves_every_copy_out_at_once(
    case: tuple[Network, dict[int, int], tuple[int, ...]],
) -> None:
    network, evidence, _ = case
    full, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        return
    nodes = list(range(len(network.hidden)))
    answered = {network.findings[f].answered_as for f in evidence}
    for explanation, v in zip(explain(network, evidence, nodes), nodes, strict=True):
        assert sorted(c.finding for c in explanation.contributions) == sorted(answered)
        if not 1e-9 < full[v] < 1 - 1e-9:
            continue
        for contribution in explanation.contributions:
            left_out = set(network.answers[contribution.finding])
            without, _ = brute_force(
                network, {g: k for g, k in evidence.items() if g not in left_out}
            )
            if not 1e-9 < without[v] < 1 - 1e-9:
                continue
            expected = _logit(full[v]) - _logit(without[v])
            assert contribution.log_odds_change == pytest.approx(expected, abs=1e-7, rel=1e-7)


@settings(max_examples=80, deadline=None)
@given(with_trait(), st.data())
def test_a_risk_factor_is_scored_as_a_root(
    case: tuple[Network, dict[int, int], tuple[int, ...]], data: st.DataObject
) -> None:
    """``P(R = k | e) ∝ L(k) P(e | copies = k)``, and the gain is the mixture's entropy less
    the expected entropy given each answer, over the targets and the groups' events."""
    network, evidence, copies = case
    if copies[0] in evidence or brute_force(network, evidence)[1] == -math.inf:
        return
    node = st.integers(0, len(network.hidden) - 1)
    targets = data.draw(st.lists(node, unique=True, min_size=1))
    groups = data.draw(st.lists(st.lists(node, unique=True, min_size=1, max_size=3), max_size=2))
    scores = {
        s.finding: s for s in rank_questions(network, evidence, targets=targets, groups=groups)
    }
    assert "r" in scores and not any(network.findings[f].name in scores for f in copies)
    leak = network.findings[copies[0]].leak
    weights, columns = [], []
    for k in range(2):
        answered = {**evidence, **{c: k for c in copies}}
        _, log_joint = brute_force(network, answered)
        _, log_prior = brute_force(network, {c: k for c in copies})
        weights.append(leak[k] * math.exp(log_joint - log_prior) if log_joint > -math.inf else 0.0)
        marginals, _ = brute_force(network, answered) if weights[-1] > 0.0 else (None, None)
        columns.append(
            [marginals[t] for t in targets]
            + [1.0 - brute_all_absent(network, answered, g) for g in groups]
            if marginals is not None
            else [0.0] * (len(targets) + len(groups))
        )
    p = np.asarray(weights) / sum(weights)
    given_k = np.asarray(columns)
    mixed = p @ given_k
    gain = sum(map(_entropy, mixed)) - sum(p[k] * sum(map(_entropy, given_k[k])) for k in range(2))
    score = scores["r"]
    assert np.allclose(score.state_probabilities, p, atol=1e-9)
    assert score.expected_information_gain == pytest.approx(max(gain, 0.0), abs=1e-9)
    for k in range(2):
        if p[k] > 1e-9:
            assert np.allclose(score.state_posteriors[k], given_k[k][: len(targets)], atol=1e-7)
