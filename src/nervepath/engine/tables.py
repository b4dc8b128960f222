"""Noisy-OR and noisy-MAX factors as tables: whole, or as a chain of small ones.

A hidden node ``x`` with parents ``pa`` (noisy-OR with leak; Pearl 1988 §4.3.2)::

    P(x = 0 | pa) = (1 − leak) ∏_i (1 − p_i)^pa_i

and an abnormal observation ``Y = k ≥ 1`` of a finding (noisy-MAX; Díez 1993)::

    P(Y = k | pa) = F(k) − F(k − 1),   F(k) = C_leak(k) ∏_i C_i(k)^pa_i,

tabulated over the ``2^m`` parent configurations as ``F(k) · (−expm1(log F(k−1) −
log F(k)))`` so that small differences keep their relative accuracy.

With many parents the table, and the clique it forces, is too large: ``back_pain``
may have twenty. Then ``P(Y = k | pa)`` is decomposed sequentially (Heckerman &
Breese 1996, the "temporal" transformation of causal independence; Zhang & Poole
1996): ``Y = max(Y_leak, Y_1, …, Y_m)`` is built one parent at a time through binary
auxiliaries ``s_j ∈ {below, at}`` ("the maximum so far is < k" or "= k"; above ``k`` is
impossible given ``Y = k``)::

    P(s_0)               = (C_leak(k − 1), q_leak(k))
    P(s_j | s_{j−1}, x_j) = identity if x_j = 0, else
                            below → below: C_j(k − 1),  below → at: q_j(k),  at → at: C_j(k)
    P(Y = k | pa)        = P(s_m = at)

Summing ``s_0`` into the first factor and fixing ``s_m = at`` in the last leaves ``m``
factors of two or three binary variables and ``m − 1`` auxiliaries, all non-negative
(unlike the multiplicative factorisation of Díez & Galán 2003, whose negative terms
cancel when the auxiliary is eliminated late), so exactness is kept.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from nervepath.engine.junction import LOG_ZERO
from nervepath.engine.network import FindingNode, HiddenNode

__all__ = [
    "chain_factors",
    "family_table",
    "finding_tables",
    "log_or_zero",
    "or_chain_factors",
]

FloatArray = npt.NDArray[np.float64]


def log_or_zero(value: float) -> float:
    """``log value``, or :data:`LOG_ZERO` for 0."""
    return math.log(value) if value > 0.0 else LOG_ZERO


def _configurations(m: int) -> npt.NDArray[np.float64]:
    """Rows are the ``2^m`` parent configurations, first parent most significant."""
    return ((np.arange(1 << m)[:, None] >> np.arange(m)[::-1]) & 1).astype(np.float64)


def _select_sum(configurations: FloatArray, logs: FloatArray) -> FloatArray:
    """``Σ_i x_i · logs_i`` per configuration, with ``0 · (−inf) = 0`` (unlike a matmul)."""
    total: FloatArray = np.where(configurations > 0.0, logs, 0.0).sum(axis=1)
    return total


def family_table(node: HiddenNode, index: int) -> tuple[tuple[int, ...], FloatArray]:
    """``P(x | parents)`` of a noisy-OR node with axes (sorted parents…, x)."""
    ordered = sorted(node.parents)
    m = len(ordered)
    links = np.array([p for _, p in ordered])
    configurations = _configurations(m)
    with np.errstate(divide="ignore"):
        log_absent = math.log1p(-node.leak) + _select_sum(configurations, np.log1p(-links))
    absent = np.exp(log_absent)
    present = -np.expm1(log_absent)
    table = np.stack([absent, present], axis=1).reshape((2,) * (m + 1))
    return (*(p for p, _ in ordered), index), table


def finding_tables(finding: FindingNode) -> tuple[FloatArray, ...]:
    """``P(Y = k | parents)`` for ``k = 1 … K−1``, each with one axis per sorted parent."""
    ordered = sorted(finding.parents)
    m = len(ordered)
    configurations = _configurations(m)
    cumulative = [np.cumsum(finding.leak)] + [np.cumsum(q) for _, q in ordered]
    n_states = len(finding.states)
    tables: list[FloatArray] = []
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = [
            math.log(min(1.0, float(cumulative[0][k])))
            + _select_sum(configurations, np.log(np.minimum(1.0, [c[k] for c in cumulative[1:]])))
            if k < n_states - 1
            else np.zeros(1 << m)
            for k in range(n_states)
        ]
        for k in range(1, n_states):
            upper = np.exp(logs[k])
            ratio = -np.expm1(logs[k - 1] - logs[k])
            table = np.where(upper > 0.0, upper * ratio, 0.0)
            tables.append(np.clip(table, 0.0, 1.0).reshape((2,) * m))
    return tuple(tables)


def chain_factors(finding: FindingNode, state: int, order: Sequence[int]) -> tuple[FloatArray, ...]:
    """The sequential decomposition of ``P(Y = state | pa)``, ``state ≥ 1``, ``m ≥ 2``.

    Parents are taken in ``order`` (hidden indices) as ``x_1 … x_m``. The ``m`` tables
    have axes ``(x_1, s_1)``, then ``(x_j, s_{j−1}, s_j)``, then ``(x_m, s_{m−1})``:
    ascending variable ids when the auxiliaries get ids above every hidden node, in
    order.
    """
    k = state
    links = dict(finding.parents)
    ordered = [(p, links[p]) for p in order]
    leak = np.cumsum(finding.leak)
    start = np.array([min(1.0, float(leak[k - 1])), float(finding.leak[k])])
    transitions = []
    for _, q in ordered:
        cumulative = np.minimum(1.0, np.cumsum(q))
        table = np.zeros((2, 2, 2))  # (x, s_previous, s_next)
        table[0] = np.eye(2)
        table[1, 0, 0] = cumulative[k - 1]
        table[1, 0, 1] = q[k]
        table[1, 1, 1] = cumulative[k]
        transitions.append(table)
    first = np.einsum("s,xst->xt", start, transitions[0])
    last = transitions[-1][:, :, 1]
    return (first, *transitions[1:-1], last)


def or_chain_factors(
    node: HiddenNode, index: int, order: Sequence[int], first_auxiliary: int
) -> tuple[tuple[tuple[int, ...], FloatArray], ...]:
    """The sequential decomposition of a noisy-OR family, as ``(variable ids, table)``.

    ``x = leak ∨ (x_1 ∧ u_1) ∨ … ∨ (x_m ∧ u_m)`` is built one parent at a time through
    auxiliaries ``t_j`` ("some cause so far"), numbered from ``first_auxiliary`` up;
    ``t_0`` (the leak) is summed into the first factor and ``t_m`` is ``x`` itself::

        P(t_j = 1 | t_{j−1}, x_j) = 1 if t_{j−1} = 1, else p_j · x_j

    Each table's axes follow its variables' ascending ids (``m ≥ 2``).
    """
    links = dict(node.parents)
    start = np.array([1.0 - node.leak, node.leak])
    transitions = []
    for parent in order:
        table = np.zeros((2, 2, 2))  # (x_j, t_previous, t_next)
        table[0] = np.eye(2)
        table[1, 0, 0] = 1.0 - links[parent]
        table[1, 0, 1] = links[parent]
        table[1, 1, 1] = 1.0
        transitions.append(table)
    m = len(order)
    auxiliary = [first_auxiliary + j for j in range(m - 1)]
    factors: list[tuple[tuple[int, ...], FloatArray]] = [
        ((order[0], auxiliary[0]), np.einsum("s,xst->xt", start, transitions[0]))
    ]
    for j in range(1, m - 1):
        factors.append(((order[j], auxiliary[j - 1], auxiliary[j]), transitions[j]))
    ids = (order[-1], auxiliary[-1], index)
    permutation = sorted(range(3), key=lambda a: ids[a])
    last = np.transpose(transitions[-1], permutation)
    factors.append((tuple(ids[a] for a in permutation), last))
    return tuple(factors)
