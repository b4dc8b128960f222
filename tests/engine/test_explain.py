"""Leave-one-out contributions against brute-force recomputation."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest
from engine_oracles import brute_force, network_and_evidence
from hypothesis import given, settings

from nervepath.engine import (
    CompiledNetwork,
    FindingNode,
    HiddenNode,
    Network,
    explain,
    infer,
)
from synthetic import realistic_cases


def _logit(p: float) -> float:
    return math.log(p) - math.log1p(-p)


@settings(max_examples=120, deadline=None)
@given(network_and_evidence())
def test_leave_one_out_matches_brute_force(case: tuple[Network, dict[int, int]]) -> None:
    network, evidence = case
    full, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        return
    nodes = list(range(len(network.hidden)))
    for explanation, v in zip(explain(network, evidence, nodes), nodes, strict=True):
        assert explanation.node == network.hidden[v].name
        assert explanation.probability == pytest.approx(full[v], abs=1e-9)
        assert len(explanation.contributions) == len(evidence)
        if not 1e-9 < full[v] < 1 - 1e-9:
            continue
        for contribution in explanation.contributions:
            f = network.finding_index[contribution.finding]
            assert contribution.state == network.findings[f].states[evidence[f]]
            without, _ = brute_force(network, {g: k for g, k in evidence.items() if g != f})
            if not 1e-9 < without[v] < 1 - 1e-9:
                continue
            expected = _logit(full[v]) - _logit(without[v])
            assert contribution.log_odds_change == pytest.approx(expected, abs=1e-7, rel=1e-7)


def test_contributions_add_up_for_conditionally_independent_findings() -> None:
    """A root with findings that depend only on it: contributions are log-likelihood
    ratios and sum to the total change of log-odds from the prior."""
    root = HiddenNode("disc", prior=0.05)
    findings = (
        FindingNode("pain", ("absent", "present"), (0.9, 0.1), ((0, (0.2, 0.8)),)),
        FindingNode("slr", ("absent", "present"), (0.95, 0.05), ((0, (0.4, 0.6)),)),
        FindingNode("strength", ("5", "4", "3"), (0.97, 0.02, 0.01), ((0, (0.5, 0.3, 0.2)),)),
    )
    network = Network((root,), findings)
    evidence = {"pain": "present", "slr": "absent", "strength": "4"}
    (explanation,) = explain(network, evidence, ["disc"])
    total = sum(c.log_odds_change for c in explanation.contributions)
    assert total == pytest.approx(explanation.log_odds - _logit(0.05), abs=1e-12)
    by_name = {c.finding: c.log_odds_change for c in explanation.contributions}
    assert by_name["pain"] == pytest.approx(math.log((1 - 0.9 * 0.2) / 0.1), abs=1e-12)
    changes = [abs(c.log_odds_change) for c in explanation.contributions]
    assert changes == sorted(changes, reverse=True)


def test_realistic_explanations_match_posterior(
    realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    evidence = realistic_cases(realistic, 5, seed=5)[4]
    sites = [i for i, node in enumerate(realistic.hidden) if not node.is_root]
    posterior = infer(realistic_compiled, evidence)
    explanations = explain(realistic_compiled, evidence, sites)
    assert [e.node for e in explanations] == [realistic.hidden[v].name for v in sites]
    for explanation, v in zip(explanations, sites, strict=True):
        assert explanation.probability == pytest.approx(posterior.marginals[v], abs=1e-12)
        assert len(explanation.contributions) == len(evidence)
    # Spot-check a few contributions against a fresh inference without the finding.
    explanation = explanations[int(np.argmax([e.probability for e in explanations]))]
    v = realistic.hidden_index[explanation.node]
    for contribution in explanation.contributions[:3]:
        f = realistic.finding_index[contribution.finding]
        without = infer(realistic_compiled, {g: k for g, k in evidence.items() if g != f})
        expected = _logit(posterior.marginals[v]) - _logit(without.marginals[v])
        assert contribution.log_odds_change == pytest.approx(expected, abs=1e-6)


def test_no_evidence_means_no_contributions() -> None:
    network = Network((HiddenNode("h", prior=0.2),), ())
    (explanation,) = explain(network, {}, [0])
    assert explanation.contributions == ()
    assert explanation.probability == pytest.approx(0.2)


def test_chunked_rows_give_the_same_explanations(
    monkeypatch: pytest.MonkeyPatch, realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    """Large trees are explained a few rows at a time; the result does not change."""
    module = importlib.import_module("nervepath.engine.explain")  # the package's
    # attribute of that name is the function

    evidence = realistic_cases(realistic, 3, seed=1)[2]
    nodes = [0, 60, 70]
    whole = explain(realistic_compiled, evidence, nodes)
    monkeypatch.setattr(module, "_MAX_ENTRIES", 1)
    for a, b in zip(explain(realistic_compiled, evidence, nodes), whole, strict=True):
        assert a.probability == pytest.approx(b.probability, abs=1e-12)
        changes = {c.finding: c.log_odds_change for c in b.contributions}
        for c in a.contributions:
            assert c.log_odds_change == pytest.approx(changes[c.finding], abs=1e-9)
