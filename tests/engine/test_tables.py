"""Chained noisy-OR / noisy-MAX factors equal the tables they replace; both layouts agree."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from engine_oracles import brute_force, network_and_evidence
from hypothesis import given, settings

from nervepath.engine import CompiledNetwork, Network, compile_network
from nervepath.engine.evidence import _absorb
from nervepath.engine.junction import MERGE_LIMIT, REFINE_SIZE, propagate
from nervepath.engine.tables import chain_factors, family_table, finding_tables, or_chain_factors
from synthetic import random_network, realistic_cases


def _contract(factors: list[tuple[tuple[int, ...], np.ndarray]], keep: list[int]) -> np.ndarray:
    """Sum the product of factors over every variable not in ``keep``."""
    letters = {}
    for ids, _ in factors:
        for v in ids:
            letters.setdefault(v, chr(ord("a") + len(letters)))
    inputs = ",".join("".join(letters[v] for v in ids) for ids, _ in factors)
    output = "".join(letters[v] for v in keep)
    return np.einsum(f"{inputs}->{output}", *[t for _, t in factors])


def test_noisy_max_chain_equals_table() -> None:
    network = random_network(3, hidden=8, findings=30, max_parents=6, graded_fraction=0.5)
    checked = 0
    for finding in network.findings:
        m = len(finding.parents)
        if m < 2:
            continue
        parents = [p for p, _ in finding.parents]
        rng = np.random.default_rng(m)
        order = [int(p) for p in rng.permutation(parents)]
        tables = finding_tables(finding)
        for k in range(1, len(finding.states)):
            chain = chain_factors(finding, k, order)
            auxiliary = [100 + j for j in range(m - 1)]
            ids = [(order[0], auxiliary[0])]
            ids += [(order[j], auxiliary[j - 1], auxiliary[j]) for j in range(1, m - 1)]
            ids.append((order[-1], auxiliary[-1]))
            got = _contract(list(zip(ids, chain, strict=True)), sorted(parents))
            assert np.abs(got - tables[k - 1]).max() <= 1e-14
            checked += 1
    assert checked > 10


def test_noisy_or_chain_equals_table() -> None:
    network = random_network(5, hidden=16, findings=1, max_parents=6)
    checked = 0
    for i, node in enumerate(network.hidden):
        if len(node.parents) < 2:
            continue
        order = [p for p, _ in reversed(node.parents)]
        factors = or_chain_factors(node, i, order, 100)
        ids, table = family_table(node, i)
        got = _contract(list(factors), list(ids))
        assert np.abs(got - table).max() <= 1e-14
        checked += 1
    assert checked >= 3


def _infer_in_layout(
    compiled: CompiledNetwork, evidence: dict[int, int], layout: int
) -> np.ndarray:
    absorbed = _absorb(compiled, compiled.layouts[layout], evidence, 0, MERGE_LIMIT, REFINE_SIZE)
    marginals = np.array(compiled.prior_marginals)
    if absorbed.tree.variables:
        result = propagate(absorbed.tree, absorbed.static, absorbed.log_unary)
        marginals[absorbed.hidden_variables] = result.present[0, absorbed.hidden_columns]
    return marginals


@settings(max_examples=150, deadline=None)
@given(network_and_evidence())
def test_chain_layout_matches_brute_force(case: tuple[Network, dict[int, int]]) -> None:
    network, evidence = case
    expected, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        return
    compiled = compile_network(network)
    for layout in range(len(compiled.layouts)):
        got = _infer_in_layout(compiled, evidence, layout)
        assert np.abs(got - expected).max() <= 1e-9


@pytest.mark.parametrize("seed", [0, 1])
def test_layouts_agree_on_realistic_cases(
    seed: int, realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    for evidence in realistic_cases(realistic, 25, seed=seed):
        first = _infer_in_layout(realistic_compiled, evidence, 0)
        second = _infer_in_layout(realistic_compiled, evidence, 1)
        assert np.abs(first - second).max() <= 1e-12


def test_every_configuration_of_a_chain_is_a_probability() -> None:
    network = random_network(9, hidden=7, findings=12, max_parents=5, graded_fraction=1.0)
    for finding in network.findings:
        if len(finding.parents) < 2:
            continue
        order = [p for p, _ in finding.parents]
        for configuration in itertools.product((0, 1), repeat=len(order)):
            total = 0.0
            for k in range(1, len(finding.states)):
                chain = chain_factors(finding, k, order)
                vector = chain[0][configuration[0]]
                for j in range(1, len(order) - 1):
                    vector = vector @ chain[j][configuration[j]]
                total += float(vector @ chain[-1][configuration[-1]])
            assert 0.0 <= total <= 1.0 + 1e-12
