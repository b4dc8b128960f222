"""The random-network generator has the shape of nervepath's network and is seeded."""

from __future__ import annotations

from collections import Counter

import numpy as np

from synthetic import (
    random_case,
    random_network,
    realistic_cases,
    realistic_network,
)


def test_realistic_shape() -> None:
    network = realistic_network(seed=1)
    roots = [n for n in network.hidden if n.is_root]
    sites = [n for n in network.hidden if not n.is_root]
    assert len(roots) == 50 and len(sites) == 45 and len(network.findings) == 550
    assert all(1e-4 <= (n.prior or 0.0) <= 0.15 for n in roots)
    assert all(1 <= len(n.parents) <= 6 and 0.001 <= n.leak <= 0.01 for n in sites)
    children = Counter(p for n in sites for p, _ in n.parents)
    assert np.median([children[i] for i, n in enumerate(network.hidden) if n.is_root]) <= 3
    assert all(1 <= len(f.parents) <= 12 for f in network.findings)
    graded = [f for f in network.findings if len(f.states) > 2]
    assert len(graded) == 40 and all(4 <= len(f.states) <= 6 for f in graded)
    parent_kinds = {network.hidden[p].is_root for f in network.findings for p, _ in f.parents}
    assert parent_kinds == {True, False}


def test_seeded() -> None:
    assert realistic_network(seed=3) == realistic_network(seed=3)
    assert realistic_network(seed=3) != realistic_network(seed=4)
    assert random_network(2) == random_network(2)


def test_cases() -> None:
    network = realistic_network(seed=0)
    cases = realistic_cases(network, 60, seed=0)
    assert cases == realistic_cases(network, 60, seed=0)
    for evidence in cases:
        abnormal = sum(1 for k in evidence.values() if k > 0)
        assert 5 <= len(evidence) <= 80 and 1 <= abnormal <= 25
    rng = np.random.default_rng(0)
    evidence = random_case(network, rng, observed=30, abnormal=12)
    assert len(evidence) == 30 and sum(1 for k in evidence.values() if k) == 12
