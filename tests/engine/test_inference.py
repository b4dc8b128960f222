"""Exact posteriors against brute-force enumeration and pyAgrum, and their properties."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyagrum as gum
import pytest
from engine_oracles import (
    brute_all_absent,
    brute_force,
    gum_inference,
    gum_network,
    gum_posterior,
    network_and_evidence,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from nervepath.engine import (
    CompiledNetwork,
    FindingNode,
    HiddenNode,
    ImpossibleEvidenceError,
    Network,
    NetworkError,
    compile_network,
    infer,
    probabilities_all_absent,
    probability_all_absent,
    to_xmlbif,
)
from synthetic import (
    random_case,
    random_network,
    realistic_cases,
    realistic_network,
)

TOLERANCE = 1e-9


@settings(max_examples=300, deadline=None)
@given(network_and_evidence())
def test_matches_brute_force(case: tuple[Network, dict[int, int]]) -> None:
    network, evidence = case
    expected, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        with pytest.raises(ImpossibleEvidenceError):
            infer(network, evidence)
        return
    posterior = infer(network, evidence)
    assert np.abs(posterior.marginals - expected).max() <= TOLERANCE
    assert posterior.log_evidence == pytest.approx(log_evidence, abs=TOLERANCE)


@settings(max_examples=60, deadline=None)
@given(network_and_evidence(max_hidden=8))
def test_matches_pyagrum_lazy_propagation(case: tuple[Network, dict[int, int]]) -> None:
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    expected = gum_posterior(gum_inference(gum_network(network), network), network, evidence)
    assert np.abs(infer(network, evidence).marginals - expected).max() <= TOLERANCE


@pytest.mark.slow
def test_realistic_network_matches_pyagrum(
    realistic: Network, realistic_compiled: CompiledNetwork, realistic_gum: gum.LazyPropagation
) -> None:
    """Hundreds of cases from few to many answers (5–80) and abnormal findings (1–25)."""
    worst = 0.0
    for evidence in realistic_cases(realistic, 250, seed=7):
        expected = gum_posterior(realistic_gum, realistic, evidence)
        worst = max(
            worst, float(np.abs(infer(realistic_compiled, evidence).marginals - expected).max())
        )
    assert worst <= TOLERANCE


def test_many_abnormal_findings_match_pyagrum(
    realistic: Network, realistic_compiled: CompiledNetwork, realistic_gum: gum.LazyPropagation
) -> None:
    """The regime where Quickscore fails: 15–25 abnormal findings."""
    rng = np.random.default_rng(11)
    for _ in range(20):
        evidence = random_case(
            realistic, rng, observed=int(rng.integers(25, 80)), abnormal=int(rng.integers(15, 26))
        )
        expected = gum_posterior(realistic_gum, realistic, evidence)
        assert np.abs(infer(realistic_compiled, evidence).marginals - expected).max() <= TOLERANCE


def test_dense_network_matches_pyagrum(tmp_path: Path) -> None:
    """Findings with ~6 parents each, like the knowledge base's: large trees, chains."""
    network = realistic_network(seed=2, extra_parents=5.0)
    path = tmp_path / "dense.bifxml"
    path.write_text(to_xmlbif(network))
    oracle = gum_inference(gum.loadBN(str(path)), network)
    compiled = compile_network(network)
    rng = np.random.default_rng(5)
    for _ in range(12):
        evidence = random_case(
            network, rng, observed=int(rng.integers(5, 40)), abnormal=int(rng.integers(1, 9))
        )
        expected = gum_posterior(oracle, network, evidence)
        assert np.abs(infer(compiled, evidence).marginals - expected).max() <= TOLERANCE


@settings(max_examples=100, deadline=None)
@given(network_and_evidence(), st.randoms(use_true_random=False))
def test_properties(case: tuple[Network, dict[int, int]], rnd: object) -> None:
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    compiled = compile_network(network)
    posterior = infer(compiled, evidence)
    assert np.all((posterior.marginals >= 0.0) & (posterior.marginals <= 1.0))
    # Order of the evidence is irrelevant.
    items = list(evidence.items())
    rnd.shuffle(items)  # type: ignore[attr-defined]
    shuffled = infer(compiled, dict(items))
    assert np.abs(shuffled.marginals - posterior.marginals).max() <= 1e-12
    # Names and indices say the same thing.
    named = {network.findings[f].name: network.findings[f].states[k] for f, k in evidence.items()}
    assert np.array_equal(infer(compiled, named).marginals, posterior.marginals)
    # The result is read-only and the evidence untouched.
    assert not posterior.marginals.flags.writeable
    assert dict(items) == evidence


def test_unknown_findings_change_nothing() -> None:
    """An unknown answer is simply absent from the evidence: no effect at all."""
    network = random_network(5, hidden=7, findings=9)
    compiled = compile_network(network)
    evidence = {0: 1, 3: 0}
    base = infer(compiled, evidence)
    for f in range(len(network.findings)):
        if f not in evidence:
            assert np.array_equal(infer(compiled, dict(evidence)).marginals, base.marginals)
    empty = infer(compiled, {})
    expected, _ = brute_force(network, {})
    assert np.abs(empty.marginals - expected).max() <= TOLERANCE
    assert empty.log_evidence == 0.0


def test_posterior_lookup_by_name() -> None:
    network = random_network(2, hidden=4, findings=3)
    posterior = infer(network, {0: 1})
    assert posterior["h2"] == posterior.probability(2) == posterior.marginals[2]
    assert posterior.as_dict()["h0"] == posterior.marginals[0]
    with pytest.raises(NetworkError):
        posterior.probability("nope")


@settings(max_examples=100, deadline=None)
@given(network_and_evidence(), st.data())
def test_probability_all_absent(case: tuple[Network, dict[int, int]], data: st.DataObject) -> None:
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    n = len(network.hidden)
    groups = data.draw(st.lists(st.lists(st.integers(0, n - 1), unique=True), max_size=4))
    got = probabilities_all_absent(network, evidence, groups)
    for group, value in zip(groups, got, strict=True):
        assert value == pytest.approx(brute_all_absent(network, evidence, group), abs=TOLERANCE)
    if groups:
        single = probability_all_absent(network, evidence, groups[0])
        assert single == pytest.approx(got[0], abs=1e-12)


def test_origin_group_probability_on_realistic_network(
    realistic: Network, realistic_compiled: CompiledNetwork, realistic_gum: gum.LazyPropagation
) -> None:
    """P(no site of a group present | e) against pyAgrum with the group forced absent."""
    evidence = realistic_cases(realistic, 3, seed=3)[2]
    sites = [i for i, node in enumerate(realistic.hidden) if not node.is_root]
    group = sites[:5]
    got = probability_all_absent(
        realistic_compiled, evidence, [realistic.hidden[i].name for i in group]
    )
    joint = gum.LazyPropagation(realistic_gum.BN())
    joint.addJointTarget({realistic.hidden[i].name for i in group})
    joint.setEvidence(
        {realistic.findings[f].name: realistic.findings[f].states[k] for f, k in evidence.items()}
    )
    joint.makeInference()
    table = joint.jointPosterior({realistic.hidden[i].name for i in group})
    expected = table[{realistic.hidden[i].name: 0 for i in group}]
    assert got == pytest.approx(expected, abs=TOLERANCE)


def test_impossible_evidence_raises() -> None:
    hidden = (HiddenNode("h", prior=0.5),)
    finding = FindingNode("f", ("absent", "present"), (1.0, 0.0), ((0, (0.0, 1.0)),))
    network = Network(hidden, (finding, FindingNode("g", ("absent", "present"), (1.0, 0.0), ())))
    assert infer(network, {0: 1}).marginals[0] == pytest.approx(1.0)
    with pytest.raises(ImpossibleEvidenceError):
        infer(network, {1: 1})


@pytest.mark.parametrize(
    "evidence",
    [{99: 0}, {0: 7}, {"nope": "present"}, {"f0": "maybe"}, {0: "present"}, {True: 0}],
)
def test_bad_evidence_is_rejected(evidence: dict[object, object]) -> None:
    network = random_network(1, hidden=3, findings=2, graded_fraction=0.0)
    with pytest.raises(NetworkError):
        infer(network, evidence)  # type: ignore[arg-type]
