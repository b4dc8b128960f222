"""Soft-evidence variants through a calibrated tree equal full propagations."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.engine import CompiledNetwork, FindingNode, HiddenNode, Network, compile_network
from nervepath.engine.evidence import absorb
from nervepath.engine.junction import LOG_ZERO, propagate
from nervepath.engine.soft_evidence import soft_evidence, soft_evidence_terms
from synthetic import realistic_cases


def _check(compiled: CompiledNetwork, evidence: dict[int, int], rows: np.ndarray) -> None:
    everything = (1 << compiled.n_hidden) - 1
    absorbed = absorb(compiled, evidence, everything)
    tree = absorbed.tree
    targets = [int(v) for v in absorbed.hidden_variables]
    width = absorbed.log_unary.shape[1]
    padded = np.zeros((len(rows), width))
    padded[:, : compiled.n_hidden] = rows
    base = propagate(tree, absorbed.static, absorbed.log_unary)
    log_z, conditional = soft_evidence(
        tree, base.potentials, base.present[0, absorbed.hidden_columns], padded, targets
    )
    full = propagate(tree, absorbed.static, absorbed.log_unary + padded)
    assert np.abs(log_z - (full.log_z - base.log_z[0])).max() <= 1e-10
    assert np.abs(conditional - full.present[:, absorbed.hidden_columns]).max() <= 1e-10


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_candidate_rows_on_realistic_cases(
    seed: int, realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    for evidence in realistic_cases(realistic, 6, seed=seed):
        unanswered = [f for f in range(len(realistic.findings)) if f not in evidence]
        rows = np.stack([realistic_compiled.log_cumulative[f][0] for f in unanswered[:120]])
        _check(realistic_compiled, evidence, rows)


def test_arbitrary_rows_with_zeros_and_several_factors(
    realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    rng = np.random.default_rng(3)
    evidence = realistic_cases(realistic, 3, seed=8)[2]
    rows = np.where(rng.random((40, len(realistic.hidden))) < 0.08, rng.uniform(-3, 1, (40, 95)), 0)
    rows[0, 5] = LOG_ZERO
    rows[1] = 0.0
    _check(realistic_compiled, evidence, rows)


def test_forest_of_independent_parts() -> None:
    """Left and right legs with nothing in common: rows touching one or both."""
    hidden = (
        HiddenNode("disc_left", prior=0.1),
        HiddenNode("disc_right", prior=0.2),
        HiddenNode("root_left", leak=0.01, parents=((0, 0.8),)),
        HiddenNode("root_right", leak=0.02, parents=((1, 0.7),)),
    )
    findings = (
        FindingNode("pain_left", ("absent", "present"), (0.9, 0.1), ((2, (0.2, 0.8)),)),
        FindingNode("pain_right", ("absent", "present"), (0.9, 0.1), ((3, (0.3, 0.7)),)),
        FindingNode(
            "both", ("absent", "present"), (0.95, 0.05), ((2, (0.5, 0.5)), (3, (0.4, 0.6)))
        ),
    )
    compiled = compile_network(Network(hidden, findings))
    rows = np.stack([compiled.log_cumulative[f][0] for f in range(3)] + [np.zeros(4)])
    _check(compiled, {0: 1}, rows)
    _check(compiled, {}, rows)


def test_rows_in_small_chunks(
    monkeypatch: pytest.MonkeyPatch, realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    """Chunking the rows (to bound memory on large trees) changes nothing."""
    import nervepath.engine.soft_evidence as module

    monkeypatch.setattr(module, "_MAX_ENTRIES", 256)
    evidence = realistic_cases(realistic, 2, seed=6)[1]
    unanswered = [f for f in range(len(realistic.findings)) if f not in evidence]
    rows = np.stack([realistic_compiled.log_cumulative[f][0] for f in unanswered[:60]])
    _check(realistic_compiled, evidence, rows)


@pytest.mark.parametrize("broadcast_min", [2, 1 << 30])
def test_home_factors_row_by_row_or_broadcast(
    monkeypatch: pytest.MonkeyPatch,
    realistic: Network,
    realistic_compiled: CompiledNetwork,
    broadcast_min: int,
) -> None:
    """The home factors multiplied row by row over the trailing block (few rows per chunk)
    or broadcast over the rows give the same results."""
    import nervepath.engine.soft_evidence as module

    monkeypatch.setattr(module, "_MAX_ENTRIES", 512)
    monkeypatch.setattr(module, "_BROADCAST_MIN", broadcast_min)
    evidence = realistic_cases(realistic, 3, seed=11)[2]
    unanswered = [f for f in range(len(realistic.findings)) if f not in evidence]
    rows = np.stack([realistic_compiled.log_cumulative[f][0] for f in unanswered[:40]])
    _check(realistic_compiled, evidence, rows)


def test_several_calibrations_at_once_equal_one_at_a_time(
    monkeypatch: pytest.MonkeyPatch, realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    """The rows through several calibrations of one tree (split terms) in one call give, for
    each, exactly what a call of its own gives, chunked or not, and match propagations."""
    import nervepath.engine.soft_evidence as module

    rng = np.random.default_rng(5)
    evidence = realistic_cases(realistic, 3, seed=4)[1]
    absorbed = absorb(realistic_compiled, evidence, (1 << realistic_compiled.n_hidden) - 1)
    tree = absorbed.tree
    targets = [int(v) for v in absorbed.hidden_variables]
    width = absorbed.log_unary.shape[1]
    # Three calibrations: the evidence alone, and with random soft evidence on a few nodes.
    unary = np.repeat(absorbed.log_unary, 3, axis=0)
    for b in (1, 2):
        nodes = rng.choice(len(targets), 6, replace=False)
        unary[b, [targets[j] for j in nodes]] += rng.uniform(-2, 2, 6)
    base = propagate(tree, absorbed.static, unary)
    unanswered = [f for f in range(len(realistic.findings)) if f not in evidence]
    rows = np.zeros((50, width))
    rows[:, : realistic_compiled.n_hidden] = [
        realistic_compiled.log_cumulative[f][0] for f in unanswered[:50]
    ]
    calibrations = [
        [np.ascontiguousarray(p[..., b : b + 1]) for p in base.potentials] for b in range(3)
    ]
    present = [base.present[b, absorbed.hidden_columns] for b in range(3)]
    for limit in (1 << 20, 256):
        monkeypatch.setattr(module, "_MAX_ENTRIES", limit)
        together = soft_evidence_terms(tree, calibrations, present, rows, targets)
        for b, (log_z, conditional) in enumerate(together):
            alone = soft_evidence(tree, calibrations[b], present[b], rows, targets)
            assert np.array_equal(log_z, alone[0]) and np.array_equal(conditional, alone[1])
            full = propagate(tree, absorbed.static, unary[b : b + 1] + rows)
            assert np.abs(log_z - (full.log_z - base.log_z[b])).max() <= 1e-10
            assert np.abs(conditional - full.present[:, absorbed.hidden_columns]).max() <= 1e-10
