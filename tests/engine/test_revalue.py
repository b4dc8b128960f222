"""A compiled network given a case's age-banded leaks equals the network compiled afresh."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from nervepath.engine.build import build_network
from nervepath.engine.compiled import CompiledNetwork, compile_network
from nervepath.engine.inference import infer
from nervepath.engine.network import NetworkError
from nervepath.engine.revalue import revalue
from nervepath.knowledge.ages import bands_of_age
from nervepath.knowledge.model import KnowledgeBase
from synthetic import realistic_cases


@pytest.fixture(scope="module")
def base(shipped_kb: KnowledgeBase) -> CompiledNetwork:
    return compile_network(build_network(shipped_kb))


def _arrays(c: CompiledNetwork) -> list[np.ndarray]:
    out = [c.root_log_odds, c.root_log_absent, c.normal_leak, c.prior_marginals]
    out += list(c.leak_log_cumulative)
    out += [t for tables in c.finding_tables for t in tables]
    for layout in c.layouts:
        out += [t for chains in layout.finding_chains for chain in chains for t in chain]
    return out


@pytest.mark.parametrize("age", [30, 75])
def test_revaluing_for_an_age_equals_compiling_that_ages_network(
    shipped_kb: KnowledgeBase, base: CompiledNetwork, age: int
) -> None:
    network = build_network(
        shipped_kb, ages=shipped_kb.aged(bands_of_age(shipped_kb.age_bands, age))
    )
    assert network != base.network  # the ankle jerk, vibration and pulse leaks differ
    fresh, revalued = compile_network(network), revalue(base, network)
    ours, theirs = _arrays(revalued), _arrays(fresh)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(a, b)
    for evidence in realistic_cases(network, 5, seed=3):
        np.testing.assert_allclose(
            infer(revalued, evidence).marginals, infer(fresh, evidence).marginals, atol=1e-12
        )


def test_revaluing_refuses_another_structure(base: CompiledNetwork) -> None:
    first = base.network.findings[0]
    moved = replace(first, parents=first.parents[:-1])
    other = replace(base.network, findings=(moved, *base.network.findings[1:]))
    with pytest.raises(NetworkError, match=f"finding {first.name}: only its leak may change"):
        revalue(base, other)
