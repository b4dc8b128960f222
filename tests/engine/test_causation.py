"""Probability that a node explains the evidence, against enumeration and between its paths."""

from __future__ import annotations

import importlib
import math

import pytest
from engine_oracles import brute_all_absent, brute_explains, brute_force, network_and_evidence
from hypothesis import given, settings
from hypothesis import strategies as st
from shipped_cases import LUMBAR_CASE

from nervepath.engine import (
    Network,
    causation,
    compile_network,
    explain,
    infer,
    inference,
    probabilities_all_absent,
    probabilities_causing,
)
from nervepath.engine.build import build_network
from nervepath.engine.split import split_terms
from nervepath.knowledge.model import KnowledgeBase


@settings(max_examples=150, deadline=None)
@given(network_and_evidence(), st.data())
def test_matches_enumeration(case: tuple[Network, dict[int, int]], data: st.DataObject) -> None:
    network, evidence = case
    full, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        return
    counted = data.draw(st.sets(st.sampled_from(range(len(network.findings)))))
    everyone = range(len(network.hidden))
    groups = [[v] for v in everyone] + data.draw(
        st.lists(
            st.lists(st.sampled_from(everyone), min_size=min(2, len(everyone)), unique=True),
            max_size=3,
        )
    )
    # A node's expressions (a site's region pattern) join its family: what they produce, it
    # produces.
    expressions = data.draw(
        st.dictionaries(
            st.sampled_from(everyone),
            st.lists(st.sampled_from(everyone), min_size=1, max_size=2, unique=True),
            max_size=2,
        )
    )
    for effects, own in ((None, None), (sorted(counted), None), (None, expressions)):
        got = probabilities_causing(network, evidence, groups, effects=effects, expressions=own)
        every = range(len(network.findings)) if effects is None else effects
        for group, value in zip(groups, got, strict=True):
            want = brute_explains(network, evidence, group, every, own)
            assert value.explains == pytest.approx(want, abs=1e-9)
            anyone = 1.0 - brute_all_absent(network, evidence, group)
            assert value.present == pytest.approx(anyone, abs=1e-9)
            if len(group) == 1:
                assert value.present == pytest.approx(full[group[0]], abs=1e-9)


@settings(max_examples=60, deadline=None)
@given(network_and_evidence())
def test_at_most_the_posterior_and_zero_without_an_abnormal_child(
    case: tuple[Network, dict[int, int]],
) -> None:
    network, evidence = case
    _, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        return
    nodes = list(range(len(network.hidden)))
    posterior = infer(network, evidence)
    produced: set[int] = set()
    for f, k in evidence.items():
        if k != 0:
            produced |= {p for p, _ in network.findings[f].parents}
    for v, causing in zip(
        nodes, probabilities_causing(network, evidence, [[v] for v in nodes]), strict=True
    ):
        value = causing.explains
        assert -1e-12 <= value <= posterior.probability(v) + 1e-12
        family = {v, *(p for p, _ in network.hidden[v].parents)}
        if not family & produced:
            assert value == 0.0


def test_split_and_tables_agree_on_the_shipped_network(
    shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clinical case with wide findings takes the split path; the tables give the same."""
    shipped_compiled = compile_network(build_network(shipped_kb))
    evidence = LUMBAR_CASE
    checked = shipped_compiled.network.evidence_indices(evidence)
    assert split_terms(shipped_compiled, checked) is not None
    names = [h.name for h in shipped_compiled.network.hidden]
    nodes = [[n] for n in names] + [names[::7], names[3::11]]
    split = probabilities_causing(shipped_compiled, evidence, nodes)
    assert max(c.explains for c in split) > 0.1
    # The groups' "some node present" is probabilities_all_absent's complement.
    absent = probabilities_all_absent(shipped_compiled, evidence, nodes[-2:])
    assert [c.present for c in split[-2:]] == pytest.approx([1 - a for a in absent], abs=1e-12)
    # The cheapest split, searched for when the rows are many (here forced), is as exact.
    monkeypatch.setattr(inference, "SEARCH_FROM", 0)
    searched = probabilities_causing(shipped_compiled, evidence, nodes)
    monkeypatch.setattr(causation, "split_for_rows", lambda *_: None)
    tables = probabilities_causing(shipped_compiled, evidence, nodes)
    for found in (split, searched):
        assert [c.present for c in found] == pytest.approx([c.present for c in tables], abs=1e-10)
        assert [c.explains for c in found] == pytest.approx([c.explains for c in tables], abs=1e-10)


def test_posterior_and_split_tree_shared_on_the_shipped_network(
    shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``causation`` reads every node's posterior from its own propagation, equal to infer's,
    and the split tree it hands on gives the explanations that explain builds for itself."""
    shipped_compiled = compile_network(build_network(shipped_kb))
    evidence = {**LUMBAR_CASE, "numbness_saddle": "absent"}
    index = shipped_compiled.network.hidden_index
    sites = [[index[h.name]] for h in shipped_kb.hidden if h.kind == "site"]
    found = causation.causation(shipped_compiled, evidence, sites)
    assert found.split is not None  # back_pain and symptoms_worse_walking are split
    posterior = infer(shipped_compiled, evidence).marginals
    assert found.marginals == pytest.approx(posterior, abs=1e-12)
    alone = probabilities_causing(shipped_compiled, evidence, sites)
    assert [c.explains for c in found.groups] == [c.explains for c in alone]
    held = set(found.split.absorbed.tree.variables)
    top = [v for [v] in sites if v in held][-5:]  # the sites the tree holds: it is used
    assert len(top) == 5
    own = explain(shipped_compiled, evidence, top)
    module = importlib.import_module("nervepath.engine.explain")  # not the function
    monkeypatch.setattr(module, "split_for_rows", None)  # the shared tree is used: not called
    shared = explain(shipped_compiled, evidence, top, tree=found.split)
    for a, b in zip(shared, own, strict=True):
        assert a.probability == pytest.approx(b.probability, abs=1e-12)
        changes = {c.finding: c.log_odds_change for c in b.contributions}
        assert [c.finding for c in a.contributions] == [c.finding for c in b.contributions]
        for c in a.contributions:
            assert c.log_odds_change == pytest.approx(changes[c.finding], abs=1e-9)
