"""Wide abnormal findings as signed terms: exact, and guarded against cancellation."""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pytest
from engine_oracles import brute_all_absent, brute_force, network_and_evidence
from hypothesis import given, settings
from hypothesis import strategies as st

import nervepath.engine.inference as inference
import nervepath.engine.questions as questions
from nervepath.assessment.case import to_evidence
from nervepath.engine import (
    FindingNode,
    HiddenNode,
    Network,
    compile_network,
    explain,
    infer,
    probabilities_all_absent,
    rank_questions,
)
from nervepath.engine import split as split_module
from nervepath.engine.build import build_network
from nervepath.engine.evidence import evidence_indices, planned_size
from nervepath.engine.inference import _split_posterior
from nervepath.engine.split import MAX_CANCELLATION, Terms, combine, split_terms
from nervepath.evaluation.labelled import load_labelled_cases
from nervepath.knowledge.model import KnowledgeBase

TOLERANCE = 1e-9
explain_module = sys.modules["nervepath.engine.explain"]  # the package exports the function
VIGNETTES = Path(__file__).parents[1] / "vignettes" / "vignettes.jsonl"


@contextmanager
def split_everything() -> Iterator[None]:
    """Split every abnormal finding that has a parent (up to the usual three), even where
    the tables would be less work (the ranking's choice)."""
    with (
        patch.object(split_module, "SPLIT_MIN_PARENTS", 1),
        patch.object(
            questions, "cheapest_split", lambda compiled, e, _=0: split_terms(compiled, e)
        ),
    ):
        yield


@settings(max_examples=200, deadline=None)
@given(network_and_evidence())
def test_split_posterior_matches_brute_force(case: tuple[Network, dict[int, int]]) -> None:
    network, evidence = case
    expected, log_evidence = brute_force(network, evidence)
    compiled = compile_network(network)
    with split_everything():
        terms = split_terms(compiled, evidence)
    if terms is None or log_evidence == -math.inf:
        return
    result = _split_posterior(compiled, evidence, terms)
    if result is None:  # cancelled too much: the tables answer (tested below)
        return
    marginals, log_z = result
    assert np.abs(np.clip(marginals, 0.0, 1.0) - expected).max() <= TOLERANCE
    assert log_z == pytest.approx(log_evidence, abs=TOLERANCE)


@settings(max_examples=100, deadline=None)
@given(network_and_evidence(), st.data())
def test_split_origin_groups_match_brute_force(
    case: tuple[Network, dict[int, int]], data: st.DataObject
) -> None:
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    n = len(network.hidden)
    groups = data.draw(st.lists(st.lists(st.integers(0, n - 1), unique=True), max_size=4))
    with split_everything():
        got = probabilities_all_absent(network, evidence, groups)
    for group, value in zip(groups, got, strict=True):
        assert value == pytest.approx(brute_all_absent(network, evidence, group), abs=TOLERANCE)


@settings(max_examples=60, deadline=None)
@given(network_and_evidence(), st.data())
def test_split_ranking_equals_table_ranking(
    case: tuple[Network, dict[int, int]], data: st.DataObject
) -> None:
    """With and without origin groups (sets of hidden nodes) beside the targets."""
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    node = st.integers(0, len(network.hidden) - 1)
    groups = data.draw(st.lists(st.lists(node, unique=True, min_size=1, max_size=3), max_size=3))
    compiled = compile_network(network)
    with patch.object(questions, "cheapest_split", lambda *_: None):
        tables = rank_questions(compiled, evidence, groups=groups)
    with split_everything():
        split = rank_questions(compiled, evidence, groups=groups)
    expected = {s.finding: s for s in tables}
    for score in split:
        other = expected[score.finding]
        assert score.expected_information_gain == pytest.approx(
            other.expected_information_gain, abs=TOLERANCE
        )
        assert np.allclose(score.state_probabilities, other.state_probabilities, atol=TOLERANCE)


@settings(max_examples=100, deadline=None)
@given(network_and_evidence())
def test_searched_split_of_four_equals_brute_force_and_tables(
    case: tuple[Network, dict[int, int]],
) -> None:
    """The search's fourth finding (``inference.WIDER_SPLIT``, 16 terms), forced here for
    every finding with a parent: posteriors as brute force, ranking as the tables."""
    network, evidence = case
    expected, log_evidence = brute_force(network, evidence)
    if log_evidence == -math.inf:
        return
    compiled = compile_network(network)
    with (
        patch.object(inference, "SPLIT_CANDIDATE_PARENTS", 1),
        patch.object(inference, "WIDER_FROM", 0),
    ):
        terms = inference._cheapest_split(compiled, evidence, (1 << len(network.hidden)) - 1)
        split = rank_questions(compiled, evidence)
    assert terms is None or len(terms.findings) <= inference.WIDER_SPLIT
    if terms is not None:
        result = _split_posterior(compiled, evidence, terms)
        if result is not None:  # else cancelled too much: the tables answer
            assert np.abs(np.clip(result[0], 0.0, 1.0) - expected).max() <= TOLERANCE
            assert result[1] == pytest.approx(log_evidence, abs=TOLERANCE)
    with patch.object(questions, "cheapest_split", lambda *_: None):
        tables = {s.finding: s for s in rank_questions(compiled, evidence)}
    for score in split:
        other = tables[score.finding]
        assert score.expected_information_gain == pytest.approx(
            other.expected_information_gain, abs=TOLERANCE
        )
        assert np.allclose(score.state_probabilities, other.state_probabilities, atol=TOLERANCE)


def test_a_fourth_finding_is_split_where_three_leave_a_large_tree() -> None:
    """Four findings over all 14 roots and a narrow one: split three, one wide finding is left
    joining them all; allowed a fourth (``inference.WIDER_FROM`` reached), the search splits
    all four wide ones (16 terms), exactly."""
    hidden = tuple(HiddenNode(f"h{i}", prior=0.1 + 0.02 * i) for i in range(14))
    wide = [tuple((i, (0.3 + 0.01 * j, 0.7 - 0.01 * j)) for i in range(14)) for j in range(4)]
    narrow = tuple((i, (0.4, 0.6)) for i in range(5))
    findings = tuple(
        FindingNode(f"f{j}", ("absent", "present"), (0.9, 0.1), parents)
        for j, parents in enumerate([*wide, narrow])
    )
    network = Network(hidden, findings)
    compiled = compile_network(network)
    evidence = {j: 1 for j in range(5)}
    everything = (1 << len(hidden)) - 1
    with patch.object(inference, "WIDER_FROM", 1 << 60):
        three = inference._cheapest_split(compiled, evidence, everything)
    with patch.object(inference, "WIDER_FROM", 0):
        four = inference._cheapest_split(compiled, evidence, everything)
    assert three is not None and len(three.findings) == split_module.SPLIT_MAX
    assert four is not None and sorted(four.findings) == [0, 1, 2, 3]
    got = _split_posterior(compiled, evidence, four)
    assert got is not None
    expected, log_evidence = brute_force(network, evidence)
    assert np.abs(got[0] - expected).max() <= TOLERANCE
    assert got[1] == pytest.approx(log_evidence, abs=TOLERANCE)


@settings(max_examples=100, deadline=None)
@given(network_and_evidence())
def test_split_explanations_equal_table_explanations(case: tuple[Network, dict[int, int]]) -> None:
    network, evidence = case
    if brute_force(network, evidence)[1] == -math.inf:
        return
    compiled = compile_network(network)
    nodes = range(len(network.hidden))
    with patch.object(explain_module, "split_for_rows", lambda *_: None):
        tables = explain(compiled, evidence, nodes)
    with split_everything():
        split = explain(compiled, evidence, nodes)
    for mine, theirs in zip(split, tables, strict=True):
        assert mine.probability == pytest.approx(theirs.probability, abs=TOLERANCE)
        expected = {c.finding: c.log_odds_change for c in theirs.contributions}
        assert len(mine.contributions) == len(expected)
        for contribution in mine.contributions:
            change = expected[contribution.finding]
            if math.isfinite(change):
                assert contribution.log_odds_change == pytest.approx(change, abs=1e-8)
            else:
                assert contribution.log_odds_change == change


def test_terms_of_a_graded_finding() -> None:
    """``P(Y = k) = F(k) − F(k − 1)``: two terms, the second negative; ``F(K − 1) = 1``."""
    hidden = (HiddenNode("h", prior=0.3),)
    grade = FindingNode("g", ("5", "4", "3"), (0.9, 0.08, 0.02), ((0, (0.2, 0.3, 0.5)),))
    compiled = compile_network(Network(hidden, (grade,)))
    with split_everything():
        middle = split_terms(compiled, {0: 1})
        worst = split_terms(compiled, {0: 2})
    assert middle is not None and worst is not None
    assert middle.signs.tolist() == [1.0, -1.0]
    # Term 0 is F(1) = C_leak(1) C_h(1)^h; term 1 is F(0) = C_leak(0) C_h(0)^h.
    assert np.exp(middle.log_constants).tolist() == pytest.approx([0.98, 0.9])
    assert np.exp(middle.log_rows[:, 0]).tolist() == pytest.approx([0.5, 0.2])
    # The most severe state: F(2) = 1 adds nothing.
    assert worst.log_rows[0, 0] == 0.0 and worst.log_constants[0] == 0.0


def test_combine_refuses_heavy_cancellation() -> None:
    terms = Terms((0,), np.zeros((2, 1)), np.zeros(2), np.array([1.0, -1.0]))
    fine = combine(np.array([0.0, math.log(0.5)]), terms)
    assert fine is not None
    weights, log_total = fine
    assert weights.tolist() == pytest.approx([2.0, -1.0])
    assert float(log_total) == pytest.approx(math.log(0.5))
    tiny = 1.0 / (10 * MAX_CANCELLATION)
    assert combine(np.array([0.0, math.log1p(-tiny)]), terms) is None
    assert combine(np.array([0.0, 0.0]), terms) is None  # not positive


def test_unlikely_wide_finding_falls_back_to_tables() -> None:
    """A finding present against the odds (P ≈ 5e-8) would cancel: the tables answer."""
    hidden = (HiddenNode("a", prior=0.5), HiddenNode("b", prior=0.5))
    link = (1 - 1e-7, 1e-7)
    rare = FindingNode("rare", ("absent", "present"), (1 - 1e-8, 1e-8), ((0, link), (1, link)))
    network = Network(hidden, (rare,))
    compiled = compile_network(network)
    evidence = {0: 1}
    with split_everything():
        terms = split_terms(compiled, evidence)
        assert terms is not None
        assert _split_posterior(compiled, evidence, terms) is None
        posterior = infer(compiled, evidence)
    expected, _ = brute_force(network, evidence)
    assert np.abs(posterior.marginals - expected).max() <= TOLERANCE


def test_split_pays_only_where_the_tables_are_larger() -> None:
    """One finding with six parents: split, a tree of six 2-entry cliques twice (24 entries)
    beats its 64-entry table; with another abnormal finding on the same six, the split tree
    holds that table too and costs twice the work."""
    hidden = tuple(HiddenNode(f"h{i}", prior=0.2) for i in range(6))
    links = tuple((i, (0.4, 0.6)) for i in range(6))
    wide = FindingNode("wide", ("absent", "present"), (0.9, 0.1), links)
    same = FindingNode("same", ("absent", "present"), (0.8, 0.2), links)
    compiled = compile_network(Network(hidden, (wide, same)))
    with patch.object(split_module, "SPLIT_MAX", 1), split_everything():
        alone = split_terms(compiled, {0: 1})
        both = split_terms(compiled, {0: 1, 1: 1})
    assert alone is not None and both is not None
    assert inference.split_pays(compiled, {0: 1}, alone)
    assert not inference.split_pays(compiled, {0: 1, 1: 1}, both)


def test_group_absent_cancelling_stays_split() -> None:
    """With ``a`` absent the finding's two terms cancel (``P ≈ 1e-7``), with the evidence
    alone they do not: the origin groups keep the split terms (no tables), and are exact."""
    hidden = (HiddenNode("a", prior=0.5), HiddenNode("b", prior=0.2))
    wide = FindingNode("wide", ("absent", "present"), (1 - 1e-7, 1e-7), ((0, (0.1, 0.9)),))
    other = FindingNode("other", ("absent", "present"), (0.9, 0.1), ((1, (0.3, 0.7)),))
    network = Network(hidden, (wide, other))
    compiled = compile_network(network)
    evidence = {0: 1, 1: 1}
    groups = [[0], [1], [0, 1]]
    with split_everything():
        terms = split_terms(compiled, evidence)
        assert terms is not None
        got = inference._split_all_absent(compiled, evidence, groups, 0b11, terms)
        assert got is not None
        assert got == pytest.approx(probabilities_all_absent(compiled, evidence, groups), abs=1e-15)
    for group, value in zip(groups, got, strict=True):
        assert value == pytest.approx(brute_all_absent(network, evidence, group), abs=TOLERANCE)


def test_vignettes_split_equals_tables(shipped_kb: KnowledgeBase) -> None:
    """The clinical vignettes, where splitting is the usual path, give the tables' answers."""
    compiled = compile_network(build_network(shipped_kb))
    cases = load_labelled_cases(VIGNETTES, kb=shipped_kb)
    split_used = 0
    for labelled in cases:
        evidence = evidence_indices(compiled, to_evidence(shipped_kb, labelled.case))
        terms = split_terms(compiled, evidence)
        if terms is None:
            continue
        result = _split_posterior(compiled, evidence, terms)
        assert result is not None, labelled.id
        split_used += 1
        with patch.object(inference, "split_terms", lambda *_: None):
            tables = infer(compiled, evidence)
        assert np.abs(np.clip(result[0], 0.0, 1.0) - tables.marginals).max() <= 1e-11, labelled.id
        assert result[1] == pytest.approx(tables.log_evidence, abs=1e-11)
        top = np.argsort(-tables.marginals)[:3].tolist()
        with patch.object(explain_module, "split_for_rows", lambda *_: None):
            expected = explain(compiled, evidence, top)
        for mine, theirs in zip(explain(compiled, evidence, top), expected, strict=True):
            changes = {c.finding: c.log_odds_change for c in theirs.contributions}
            for contribution in mine.contributions:
                assert contribution.log_odds_change == pytest.approx(
                    changes[contribution.finding], abs=1e-9
                )
    assert split_used >= len(cases) // 2  # most vignettes have back pain or are over 50


class _FellBack(Exception):
    """The ranking took the tables' path instead of the split terms'."""


def test_vignettes_origin_group_ranking_split_equals_tables(shipped_kb: KnowledgeBase) -> None:
    """The ranking over the sites and the origin groups, on vignettes with split findings."""
    compiled = compile_network(build_network(shipped_kb))
    sites = [h for h in shipped_kb.hidden if h.kind == "site"]
    origins = sorted({shipped_kb.sites[h.id].origin for h in sites})
    groups = [[h.name for h in sites if shipped_kb.sites[h.id].origin == o] for o in origins]
    checked = 0
    for labelled in load_labelled_cases(VIGNETTES, kb=shipped_kb):
        evidence = evidence_indices(compiled, to_evidence(shipped_kb, labelled.case))
        if split_terms(compiled, evidence) is None:
            continue
        candidates = [f.name for i, f in enumerate(compiled.network.findings) if i % 7 == 0]
        kwargs = {"targets": [h.name for h in sites], "candidates": candidates, "groups": groups}
        try:
            # The tables' path begins by absorbing the evidence into one tree.
            with patch.object(questions, "absorb", side_effect=_FellBack):
                split = rank_questions(compiled, evidence, **kwargs)
        except _FellBack:
            continue  # the tables were less work here (cheapest_split): nothing split to compare
        with patch.object(questions, "cheapest_split", lambda *_: None):
            tables = {s.finding: s for s in rank_questions(compiled, evidence, **kwargs)}
        for score in split:
            other = tables[score.finding]
            assert score.expected_information_gain == pytest.approx(
                other.expected_information_gain, abs=1e-9
            ), labelled.id
        checked += 1
        if checked == 4:
            break
    assert checked == 4


def test_split_pays_draft_is_reused_by_the_absorb_that_follows() -> None:
    """The tree planned by split_pays is drafted once: absorbing the evidence without the
    split findings then reuses it (and an ``extra`` inside the findings' closures adds
    nothing to draft), and the reused draft gives the same tree as a fresh one."""
    from nervepath.engine import evidence as evidence_module

    hidden = tuple(HiddenNode(f"h{i}", prior=0.2) for i in range(6))
    links = tuple((i, (0.4, 0.6)) for i in range(6))
    wide = FindingNode("wide", ("absent", "present"), (0.9, 0.1), links)
    narrow = FindingNode("narrow", ("absent", "present"), (0.8, 0.2), links[:2])
    compiled = compile_network(Network(hidden, (wide, narrow)))
    evidence = {0: 1, 1: 1}
    with patch.object(split_module, "SPLIT_MAX", 1), split_everything():
        terms = split_terms(compiled, evidence)
    assert terms is not None
    evidence_module._drafted.cache_clear()
    inference.split_pays(compiled, evidence, terms)
    misses = evidence_module._drafted.cache_info().misses
    reused = inference.absorb_terms(compiled, evidence, terms)
    assert evidence_module._drafted.cache_info().misses == misses
    evidence_module._drafted.cache_clear()
    fresh = inference.absorb_terms(compiled, evidence, terms)
    assert reused is not None and fresh is not None
    assert reused.tree.cliques == fresh.tree.cliques
    assert reused.constant == fresh.constant


def test_cheapest_split_weighs_subsets_and_narrower_findings() -> None:
    """Two wide findings on the same twelve parents and a narrow one on six others. The
    tables join the twelve (a 4096-entry clique); splitting one wide finding leaves the
    other's table; splitting both leaves twelve 2-entry cliques and the narrow one's
    64-entry table, four times (352 entries); splitting the narrow one too, eight times
    eighteen 2-entry cliques (288): the least work of the eight subsets."""
    hidden = tuple(HiddenNode(f"h{i}", prior=0.2) for i in range(18))
    first = tuple((i, (0.4, 0.6)) for i in range(12))
    wide_a = FindingNode("wide_a", ("absent", "present"), (0.9, 0.1), first)
    wide_b = FindingNode("wide_b", ("absent", "present"), (0.8, 0.2), first)
    narrow = FindingNode(
        "narrow", ("absent", "present"), (0.9, 0.1), tuple((i, (0.5, 0.5)) for i in range(12, 18))
    )
    compiled = compile_network(Network(hidden, (wide_a, wide_b, narrow)))
    evidence = {0: 1, 1: 1, 2: 1}
    chosen = inference.cheapest_split(compiled, evidence)
    subsets = [tuple(f for f in range(3) if (mask >> f) & 1) for mask in range(1 << 3)]

    def work(findings: tuple[int, ...]) -> int:
        if not findings:
            return planned_size(compiled, evidence)
        rest = {f: k for f, k in evidence.items() if f not in findings}
        extra = 0
        for f in findings:
            extra |= compiled.finding_scopes[f]
        return planned_size(compiled, rest, extra) << len(findings)

    least = min(work(s) for s in subsets)
    assert work(() if chosen is None else chosen.findings) == least
    assert chosen is not None and 2 in chosen.findings  # the narrow one is weighed too


def test_cheapest_split_never_more_work_than_the_widest(shipped_kb: KnowledgeBase) -> None:
    """On the vignettes the chosen split is never more work than the widest findings split
    or the tables (the two choices :func:`split_pays` had), and it ranks as the tables do."""
    compiled = compile_network(build_network(shipped_kb))
    extra = 0
    for f in range(len(compiled.network.findings)):
        extra |= compiled.finding_scopes[f]

    def work(evidence: dict[int, int], terms: Terms | None) -> int:
        if terms is None:
            return planned_size(compiled, evidence, extra)
        rest = {f: k for f, k in evidence.items() if f not in terms.findings}
        wider = extra
        for f in terms.findings:
            wider |= compiled.finding_scopes[f]
        return planned_size(compiled, rest, wider) * len(terms.signs)

    fewer = 0
    for labelled in load_labelled_cases(VIGNETTES, kb=shipped_kb):
        evidence = evidence_indices(compiled, to_evidence(shipped_kb, labelled.case))
        chosen = work(evidence, inference.cheapest_split(compiled, evidence, extra))
        widest = split_terms(compiled, evidence)
        before = min(work(evidence, None), work(evidence, widest))
        assert chosen <= before, labelled.id
        fewer += chosen < before
    assert fewer > 0
