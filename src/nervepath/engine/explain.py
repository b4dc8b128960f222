"""How much each observed finding moved each chosen hidden node: exact leave-one-out.

For a hidden node ``h`` and an observed finding ``f`` in state ``s``, the contribution
is the change in log-odds that ``f`` makes given everything else observed::

    Δ_f(h) = logit P(h = 1 | e) − logit P(h = 1 | e ∖ {f = s}),   logit p = ln(p / (1 − p))

(the log of the likelihood ratio of ``f = s`` for ``h``, conditional on the rest of the
evidence; Madigan, Mosurski & Almond 1997 call it the weight of evidence of ``f``
given the rest, after Good 1950). When the other findings are independent of ``f``
given ``h`` and ``h`` is a root, the contributions add up to the total log-odds change
from the prior; in general they do not, and they are reported as computed.

All leave-one-out posteriors come from *one* batched propagation over the junction
tree of the full evidence, which is also valid for every subset of it: batch row 0
holds all the evidence, row ``j + 1`` the same factors without finding ``j`` (its unary
factors removed for a normal finding, its table replaced by ones for an abnormal one).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork, static_potentials
from nervepath.engine.evidence import (
    Absorbed,
    Evidence,
    absorb,
    evidence_indices,
    node_indices,
    unary_log_factors,
)
from nervepath.engine.inference import ImpossibleEvidenceError, compiled_network
from nervepath.engine.junction import propagate
from nervepath.engine.network import Network
from nervepath.engine.threads import one_blas_thread

__all__ = ["Explanation", "FindingContribution", "explain"]

_MAX_ENTRIES = 1 << 22
"""Rows are propagated in chunks so that a batch of trees stays near this many entries."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class FindingContribution:
    """How much observing ``finding`` in ``state`` moved the log-odds of one hidden node."""

    finding: str
    state: str
    log_odds_change: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """A hidden node's posterior and every observed finding's contribution to it.

    ``contributions`` are sorted by decreasing ``|log_odds_change|`` (ties by name).
    """

    node: str
    probability: float
    log_odds: float
    contributions: tuple[FindingContribution, ...]


@one_blas_thread
def explain(
    source: Network | CompiledNetwork, evidence: Evidence, nodes: Iterable[int | str]
) -> tuple[Explanation, ...]:
    """Leave-one-out contributions of every observed finding to each of ``nodes``."""
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    targets = node_indices(compiled, nodes)
    extra = 0
    for v in targets:
        extra |= 1 << v
    # 1. One tree for the full evidence (it covers every subset of it).
    absorbed = absorb(compiled, checked, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    observed = list(absorbed.normals) + list(absorbed.positives) + list(absorbed.detached)
    batch = 1 + len(observed)
    # 2–3. Propagate the rows, in chunks when the tree is large (memory).
    if absorbed.tree.variables:
        step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size))
        parts = [
            _rows(compiled, absorbed, range(r, min(r + step, batch))) for r in range(0, batch, step)
        ]
        present = np.concatenate([p for p, _ in parts])
        absent = np.concatenate([a for _, a in parts])
        column = {v: j for j, v in enumerate(absorbed.tree.variables)}
    else:
        column = {}
        present = absent = np.zeros((batch, 0))
    # 4. Log-odds per row and node; differences with row 0.
    network = compiled.network
    explanations: list[Explanation] = []
    for v in targets:
        if v in column:
            log_odds = _log_odds(present[:, column[v]], absent[:, column[v]])
        else:
            prior = float(compiled.prior_marginals[v])
            log_odds = np.full(batch, _log_odds(np.array([prior]), np.array([1.0 - prior]))[0])
        contributions = [
            FindingContribution(
                finding=network.findings[f].name,
                state=network.findings[f].states[checked[f]],
                log_odds_change=_difference(float(log_odds[0]), float(log_odds[1 + j])),
            )
            for j, f in enumerate(observed)
        ]
        contributions.sort(key=lambda c: (-abs(c.log_odds_change), c.finding))
        probability = (
            float(present[0, column[v]]) if v in column else float(compiled.prior_marginals[v])
        )
        explanations.append(
            Explanation(
                node=network.hidden[v].name,
                probability=probability,
                log_odds=float(log_odds[0]),
                contributions=tuple(contributions),
            )
        )
    return tuple(explanations)


def _rows(
    compiled: CompiledNetwork, absorbed: Absorbed, chunk: range
) -> tuple[FloatArray, FloatArray]:
    """``P(x = 1)`` and ``P(x = 0)`` of the tree's variables for rows ``chunk`` of the batch.

    Row 0 holds all the evidence; row ``j + 1`` leaves observed finding ``j`` out (normal
    findings first, then abnormal ones, in :class:`Absorbed` order).
    """
    n_normal = len(absorbed.normals)
    rows = list(chunk)
    # 2. Unary factors per row: the normal finding of row j + 1 left out.
    log_unary = np.repeat(absorbed.log_unary, len(rows), axis=0)
    dropped = [(i, r - 1) for i, r in enumerate(rows) if 1 <= r <= n_normal]
    if dropped:
        log_unary[[i for i, _ in dropped], : compiled.n_hidden] = unary_log_factors(
            compiled, list(absorbed.normals), leave_out=[j for _, j in dropped]
        )
    # 3. Tables per row: those of the abnormal finding of the row replaced by ones (the
    #    auxiliaries of a chain then sum to a constant, which leaves marginals alone).
    factors: list[tuple[int, FloatArray]] = []
    for (scope, table), owner in zip(absorbed.factors, absorbed.owners, strict=True):
        row = 1 + n_normal + owner
        if owner < 0 or row not in chunk:
            factors.append((scope, table))
            continue
        batched = np.broadcast_to(table, (len(rows), *table.shape)).copy()
        batched[rows.index(row)] = 1.0
        factors.append((scope, batched))
    result = propagate(absorbed.tree, static_potentials(absorbed.tree, factors), log_unary)
    if 0 in chunk and not math.isfinite(float(result.log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    return result.present, result.absent


def _log_odds(present: FloatArray, absent: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(present) - np.log(absent)


def _difference(full: float, without: float) -> float:
    """``full − without``; 0 when both are the same infinity (the finding changed nothing)."""
    if math.isinf(full) and full == without:
        return 0.0
    return full - without
