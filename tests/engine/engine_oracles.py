"""Independent oracles for the engine tests: brute-force enumeration and pyAgrum.

Nothing here uses the engine's own tables: the noisy-OR and noisy-MAX semantics are
re-implemented from their definitions, so that a shared misunderstanding would show.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping

import numpy as np
import numpy.typing as npt
import pyagrum as gum
from hypothesis import strategies as st

from nervepath.engine.network import FindingNode, HiddenNode, Network

FloatArray = npt.NDArray[np.float64]


def joint_weights(network: Network, evidence: Mapping[int, int]) -> tuple[FloatArray, FloatArray]:
    """Every hidden configuration (rows of 0/1) and ``P(configuration, evidence)``."""
    n = len(network.hidden)
    configurations = np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.int64)
    weights = np.ones(len(configurations))
    for i, node in enumerate(network.hidden):
        if node.is_root:
            p1 = np.full(len(configurations), node.prior)
        else:
            p0 = np.full(len(configurations), 1.0 - node.leak)
            for parent, link in node.parents:
                p0 = p0 * np.where(configurations[:, parent] == 1, 1.0 - link, 1.0)
            p1 = 1.0 - p0
        weights *= np.where(configurations[:, i] == 1, p1, 1.0 - p1)
    for f, k in evidence.items():
        finding = network.findings[f]

        def below(state: int, finding: FindingNode = finding) -> FloatArray:
            if state < 0:
                return np.zeros(len(configurations))
            value = np.full(len(configurations), sum(finding.leak[: state + 1]))
            for parent, q in finding.parents:
                value = value * np.where(configurations[:, parent] == 1, sum(q[: state + 1]), 1.0)
            return value

        upper = np.ones(len(configurations)) if k == len(finding.states) - 1 else below(k)
        weights *= np.maximum(upper - below(k - 1), 0.0)
    return configurations, weights


def brute_force(network: Network, evidence: Mapping[int, int]) -> tuple[FloatArray, float]:
    """``P(h = 1 | e)`` for every hidden node and ``log P(e)`` (``-inf`` if impossible)."""
    configurations, weights = joint_weights(network, evidence)
    total = float(weights.sum())
    if total <= 0.0:
        return np.full(len(network.hidden), np.nan), -math.inf
    return (weights @ configurations) / total, math.log(total)


def brute_all_absent(network: Network, evidence: Mapping[int, int], nodes: Iterable[int]) -> float:
    configurations, weights = joint_weights(network, evidence)
    chosen = list(nodes)
    mask = np.all(configurations[:, chosen] == 0, axis=1) if chosen else np.ones(len(weights), bool)
    return float(weights[mask].sum() / weights.sum())


# --- pyAgrum -------------------------------------------------------------------------


def gum_network(network: Network) -> gum.BayesNet:
    """The network built directly through pyAgrum's API, CPT row by CPT row."""
    bn = gum.BayesNet("nervepath")
    for node in network.hidden:
        bn.add(gum.LabelizedVariable(node.name, node.name, ["absent", "present"]))
    for finding in network.findings:
        bn.add(gum.LabelizedVariable(finding.name, finding.name, list(finding.states)))
    names = [node.name for node in network.hidden]
    for node in network.hidden:
        for parent, _ in node.parents:
            bn.addArc(names[parent], node.name)
    for finding in network.findings:
        for parent, _ in finding.parents:
            bn.addArc(names[parent], finding.name)
    for node in network.hidden:
        _fill_hidden(bn, node, names)
    for finding in network.findings:
        _fill_finding(bn, finding, names)
    return bn


def _fill_hidden(bn: gum.BayesNet, node: HiddenNode, names: list[str]) -> None:
    if node.is_root:
        bn.cpt(node.name).fillWith([1.0 - float(node.prior or 0.0), float(node.prior or 0.0)])
        return
    parents = [names[p] for p, _ in node.parents]
    for states in itertools.product((0, 1), repeat=len(parents)):
        absent = 1.0 - node.leak
        for (_, link), on in zip(node.parents, states, strict=True):
            absent *= (1.0 - link) if on else 1.0
        bn.cpt(node.name)[dict(zip(parents, states, strict=True))] = [absent, 1.0 - absent]


def _fill_finding(bn: gum.BayesNet, finding: FindingNode, names: list[str]) -> None:
    parents = [names[p] for p, _ in finding.parents]
    for states in itertools.product((0, 1), repeat=len(parents)):
        cumulative = np.cumsum(finding.leak)
        for (_, q), on in zip(finding.parents, states, strict=True):
            if on:
                cumulative = cumulative * np.cumsum(q)
        cumulative[-1] = 1.0
        row = np.maximum(np.diff(cumulative, prepend=0.0), 0.0)
        bn.cpt(finding.name)[dict(zip(parents, states, strict=True))] = row.tolist()


def gum_inference(bn: gum.BayesNet, network: Network) -> gum.LazyPropagation:
    engine = gum.LazyPropagation(bn)
    engine.setTargets({node.name for node in network.hidden})
    return engine


def gum_posterior(
    engine: gum.LazyPropagation, network: Network, evidence: Mapping[int, int]
) -> FloatArray:
    engine.eraseAllEvidence()
    engine.setEvidence(
        {network.findings[f].name: network.findings[f].states[k] for f, k in evidence.items()}
    )
    engine.makeInference()
    return np.array([engine.posterior(node.name)[1] for node in network.hidden])


# --- hypothesis strategies -----------------------------------------------------------

# Probabilities are kept at or above 1e-4 (or exactly 0 or 1) so that the plain
# float arithmetic of the brute-force oracle stays accurate to far below 1e-9.
_probability = st.one_of(st.floats(1e-4, 1.0), st.sampled_from([0.0, 1.0, 0.5, 1e-4]))


def _distribution(draw: st.DrawFn, n_states: int, *, normal_positive: bool) -> tuple[float, ...]:
    weights = [float(draw(st.integers(0, 50))) for _ in range(n_states)]
    if normal_positive:
        weights[0] = max(weights[0], 1.0)
    if sum(weights) <= 0.0:
        weights[0] = 1.0
    total = sum(weights)
    values = [w / total for w in weights]
    values[0] = max(0.0, 1.0 - sum(values[1:]))
    return tuple(values)


@st.composite
def networks(draw: st.DrawFn, max_hidden: int = 7, max_findings: int = 6) -> Network:
    """Small multi-layer networks with binary and graded findings."""
    n_hidden = draw(st.integers(1, max_hidden))
    hidden: list[HiddenNode] = []
    for i in range(n_hidden):
        parents = (
            draw(st.lists(st.integers(0, i - 1), unique=True, max_size=min(i, 4))) if i else []
        )
        if not parents:
            hidden.append(HiddenNode(f"h{i}", prior=draw(st.floats(1e-4, 0.999))))
            continue
        links = tuple((p, draw(_probability)) for p in sorted(parents))
        leak = (
            draw(st.sampled_from([0.0, 0.01, 0.2]))
            if draw(st.booleans())
            else draw(st.floats(1e-4, 0.9))
        )
        hidden.append(HiddenNode(f"h{i}", leak=leak, parents=links))
    findings: list[FindingNode] = []
    for j in range(draw(st.integers(1, max_findings))):
        n_states = draw(st.sampled_from([2, 2, 3, 4, 6]))
        states = ("absent", "present") if n_states == 2 else tuple(f"g{k}" for k in range(n_states))
        parents = draw(
            st.lists(
                st.integers(0, n_hidden - 1), unique=True, min_size=1, max_size=min(5, n_hidden)
            )
        )
        leak = _distribution(draw, n_states, normal_positive=True)
        links = tuple(
            (p, _distribution(draw, n_states, normal_positive=False)) for p in sorted(parents)
        )
        findings.append(FindingNode(f"f{j}", states, leak, links))
    return Network(tuple(hidden), tuple(findings))


@st.composite
def network_and_evidence(draw: st.DrawFn, max_hidden: int = 7) -> tuple[Network, dict[int, int]]:
    network = draw(networks(max_hidden=max_hidden))
    chosen = draw(st.lists(st.integers(0, len(network.findings) - 1), unique=True))
    evidence = {f: draw(st.integers(0, len(network.findings[f].states) - 1)) for f in chosen}
    return network, evidence


def brute_explains(
    network: Network,
    evidence: Mapping[int, int],
    group: Iterable[int],
    counted: Iterable[int],
    expressions: Mapping[int, Iterable[int]] | None = None,
) -> float:
    """``P(some node of group present, and the group, a parent of one or one's expression
    produces a counted abnormal finding | e)``.

    From the definition: that no member ``g`` of the family produces finding ``f`` has
    probability ``q_g(normal)`` when ``g`` is present, and then ``f`` is as if ``g`` were
    absent; so the complement's joint is the network's with those links made normal,
    weighted by ``q_g(normal)`` per present member and finding.
    """
    configurations, weights = joint_weights(network, evidence)
    total = float(weights.sum())
    nodes = set(group)
    family = nodes | {p for v in nodes for p, _ in network.hidden[v].parents}
    family |= {w for v in nodes for w in (expressions or {}).get(v, ())}
    abnormal = [f for f, k in evidence.items() if k != 0 and f in set(counted)]
    findings = list(network.findings)
    silent = np.ones(len(configurations))
    for f in abnormal:
        finding = findings[f]
        links = []
        for parent, q in finding.parents:
            if parent in family:
                silent *= np.where(configurations[:, parent] == 1, q[0], 1.0)
                q = (1.0,) + (0.0,) * (len(q) - 1)
            links.append((parent, q))
        findings[f] = FindingNode(finding.name, finding.states, finding.leak, tuple(links))
    quiet = Network(network.hidden, tuple(findings))
    _, quiet_weights = joint_weights(quiet, evidence)
    present = configurations[:, sorted(nodes)].max(axis=1) == 1
    return float(weights[present].sum() - (quiet_weights * silent)[present].sum()) / total
