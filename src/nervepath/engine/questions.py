"""Which unanswered finding to ask about next: expected information gain, exactly.

For a set ``D`` of hidden nodes (the differential: lesion sites, say) and evidence
``e``, the uncertainty is taken as the sum of the nodes' binary entropies, and a
candidate finding ``f`` with states ``0 … K−1`` scores

    EIG(f) = H(D | e) − Σ_k P(f = k | e) · H(D | e, f = k),
    H(D | ·) = Σ_{h ∈ D} H_b(P(h = 1 | ·)),   H_b(p) = −p ln p − (1 − p) ln(1 − p)  [nats].

The sum of marginal entropies is an upper bound on the joint entropy of ``D`` and
this is the usual myopic value-of-information approximation of Gorry & Barnett (1968)
and of the Pathfinder system (Heckerman, Horvitz & Nathwani 1992), in the spirit of
de Dombal's sequential diagnosis: the joint entropy of ~50 binary nodes has 2^50
terms, whereas every marginal is exact and cheap. It is still a proper expected
reduction: ``H_b`` is concave and ``P(h | e) = Σ_k P(f = k | e) P(h | e, f = k)``, so
every term, hence ``EIG``, is ``≥ 0`` (up to rounding, which is clipped).

Computing it: the cumulative event ``f ≤ k`` has likelihood
``F_f(k | pa) = C_leak(k) ∏ C_i(k)^pa_i``, a product of unary factors on the parents,
i.e. soft evidence that changes no clique. So the junction tree of ``e`` (made to
contain every candidate's parents and every target) is calibrated once, and every
``(candidate, k < K−1)`` becomes one row of soft evidence pushed through it by
:func:`nervepath.engine.soft_evidence.soft_evidence`, which only touches the cliques
below each row's factors and reads everything else off separator marginals. A row
yields ``P(f ≤ k | e)`` and ``P(h = 1 | e, f ≤ k)``; states and joints follow by
differences, ``P(·, f = k) = P(·, f ≤ k) − P(·, f ≤ k − 1)`` with
``P(·, f ≤ K−1) = P(· | e)``. For a yes/no finding that is one row: the "present"
branch is ``P(h, f = 1 | e) = P(h | e) − P(h, f = 0 | e)``. When the evidence has
findings split into signed terms (:mod:`nervepath.engine.split`), the rows go through
the tree of each term and are summed with the terms' weights, each row's sum guarded
against cancellation like the terms' own.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork
from nervepath.engine.evidence import Evidence, absorb, evidence_indices, node_indices
from nervepath.engine.inference import (
    ImpossibleEvidenceError,
    compiled_network,
    propagate_terms,
)
from nervepath.engine.junction import JunctionTree, propagate
from nervepath.engine.network import Network, NetworkError
from nervepath.engine.soft_evidence import soft_evidence
from nervepath.engine.split import Terms, signed_log_sum, split_terms
from nervepath.engine.threads import one_blas_thread

__all__ = ["QuestionScore", "rank_questions", "should_stop"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """A candidate finding, its expected information gain (nats) and ``P(state | e)``."""

    finding: str
    expected_information_gain: float
    state_probabilities: tuple[float, ...]


@one_blas_thread
def rank_questions(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    *,
    targets: Iterable[int | str] | None = None,
    candidates: Iterable[int | str] | None = None,
) -> tuple[QuestionScore, ...]:
    """Score unanswered findings by expected information gain about ``targets``.

    ``targets`` defaults to every hidden node; ``candidates`` (finding indices or
    names) to every finding not in ``evidence``. The result is sorted by decreasing
    gain (to 1e-9 nats), ties by finding name.
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    network = compiled.network
    target_list = node_indices(compiled, range(compiled.n_hidden) if targets is None else targets)
    chosen = _candidate_indices(compiled, checked, candidates)
    if not chosen:
        return ()
    extra = 0
    for v in target_list:
        extra |= 1 << v
    for f in chosen:
        extra |= compiled.finding_scopes[f]
    # 1. The rows: (candidate, k) for k < K − 1, with F_f(k) as soft evidence.
    owners: list[tuple[int, int]] = []
    for f in chosen:
        owners.extend((f, k) for k in range(len(network.findings[f].states) - 1))
    rows = np.zeros((len(owners), compiled.n_hidden))
    leak = np.empty(len(owners))
    for r, (f, k) in enumerate(owners):
        rows[r] = compiled.log_cumulative[f][k]
        leak[r] = compiled.leak_log_cumulative[f][k]
    # 2–3. The evidence alone, then every row, through one calibrated tree (or one per
    #      term of the split findings; see :mod:`nervepath.engine.split`).
    # Twin findings and shared parent sets repeat rows: each distinct row is pushed once.
    distinct, inverse = _distinct_rows(rows)
    terms = split_terms(compiled, checked)
    pushed = None
    if terms is not None:
        pushed = _split_rows(compiled, checked, extra, terms, distinct, target_list)
    if pushed is None:
        pushed = _rows(compiled, checked, extra, distinct, target_list)
    base_present, base_absent, log_mass, conditional = pushed
    log_mass, conditional = log_mass[inverse], conditional[inverse]
    log_ratio = log_mass + leak
    upto = np.exp(np.minimum(log_ratio, 0.0))[:, None]
    joint_present = upto * conditional
    joint_absent = upto * (1.0 - conditional)
    # 4. Differences of cumulative rows give each state's probability and joints,
    #    for all candidates with the same number of states at once.
    n_states = np.array([len(network.findings[f].states) for f in chosen])
    first = np.concatenate([[0], np.cumsum(n_states - 1)[:-1]]).astype(np.intp)
    mass_rows = np.exp(np.minimum(log_ratio, 0.0))
    base_entropy = float(_weighted_entropy(base_present, base_absent).sum())
    gains = np.empty(len(chosen))
    probabilities: list[FloatArray] = [np.empty(0)] * len(chosen)
    for count in np.unique(n_states):
        members = np.flatnonzero(n_states == count)
        m = len(members)
        pick = first[members][:, None] + np.arange(count - 1)[None, :]
        mass = np.concatenate([np.zeros((m, 1)), mass_rows[pick], np.ones((m, 1))], axis=1)
        present = np.concatenate(
            [
                np.zeros((m, 1, len(target_list))),
                joint_present[pick],
                np.tile(base_present, (m, 1, 1)),
            ],
            axis=1,
        )
        absent = np.concatenate(
            [
                np.zeros((m, 1, len(target_list))),
                joint_absent[pick],
                np.tile(base_absent, (m, 1, 1)),
            ],
            axis=1,
        )
        state_present = np.maximum(np.diff(present, axis=1), 0.0)
        state_absent = np.maximum(np.diff(absent, axis=1), 0.0)
        expected = _weighted_entropy(state_present, state_absent).sum(axis=(1, 2))
        gains[members] = np.maximum(base_entropy - expected, 0.0)
        state = np.maximum(np.diff(mass, axis=1), 0.0)
        state /= state.sum(axis=1, keepdims=True)
        for i, member in enumerate(members):
            probabilities[member] = state[i]
    scores = [
        QuestionScore(
            finding=network.findings[f].name,
            expected_information_gain=float(gains[i]),
            state_probabilities=tuple(probabilities[i].tolist()),
        )
        for i, f in enumerate(chosen)
    ]
    # Gains equal to 1e-9 nats (left/right twins, equal but for rounding) go by name.
    scores.sort(key=lambda s: (-round(s.expected_information_gain, 9), s.finding))
    return tuple(scores)


Pushed = tuple[FloatArray, FloatArray, FloatArray, FloatArray]
"""``P(t = 1 | e)``, ``P(t = 0 | e)``, then per row ``log E[λ_r | e]`` and ``P(t = 1 | e, λ_r)``."""


def _rows(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    extra: int,
    rows: FloatArray,
    targets: list[int],
) -> Pushed:
    """The rows pushed through the calibrated tree of the evidence."""
    absorbed = absorb(compiled, evidence, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    base = propagate(absorbed.tree, absorbed.static, absorbed.log_unary)
    if not math.isfinite(float(base.log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    cols = _columns(absorbed.tree.variables, targets)
    present, absent = base.present[0, cols], base.absent[0, cols]
    log_mass, conditional = _soft(absorbed.tree, base.potentials, present, rows, targets)
    return present, absent, log_mass, conditional


def _split_rows(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    extra: int,
    terms: Terms,
    rows: FloatArray,
    targets: list[int],
) -> Pushed | None:
    """:func:`_rows` with the widest findings split: the rows go through the tree of each
    term and the results are summed with the terms' signed weights (``None``: a sum
    cancels too much, use the tables)."""
    split = propagate_terms(compiled, evidence, terms, extra)
    if split is None:
        return None
    absorbed, base, weights, _ = split
    cols = _columns(absorbed.tree.variables, targets)
    present, absent = weights @ base.present[:, cols], weights @ base.absent[:, cols]
    masses = np.empty((rows.shape[0], len(weights)))
    joints = np.zeros((rows.shape[0], len(targets)))
    for t, weight in enumerate(weights):
        potentials = [np.ascontiguousarray(p[..., t : t + 1]) for p in base.potentials]
        log_mass, conditional = _soft(
            absorbed.tree, potentials, base.present[t, cols], rows, targets
        )
        masses[:, t] = log_mass
        joints += (weight * np.exp(log_mass))[:, None] * conditional
    # Each row's own signed sum, Σ_T w_T E_T[λ_r], must not cancel either.
    summed = signed_log_sum(masses, weights)
    if summed is None:
        return None
    return present, absent, summed, joints / np.exp(summed)[:, None]


def _soft(
    tree: JunctionTree,
    potentials: Sequence[FloatArray],
    present: FloatArray,
    rows: FloatArray,
    targets: list[int],
) -> tuple[FloatArray, FloatArray]:
    """:func:`soft_evidence` of ``rows`` (over the hidden nodes; widened to the tree's)."""
    width = max(tree.variables, default=-1) + 1
    padded = np.zeros((rows.shape[0], max(width, rows.shape[1])))
    padded[:, : rows.shape[1]] = rows
    return soft_evidence(tree, potentials, present, padded, targets)


def _distinct_rows(rows: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """The distinct rows and, for each row, its index among them (rows compared as bytes,
    which sorts far faster than ``np.unique(axis=0)``)."""
    contiguous = np.ascontiguousarray(rows)
    keys = contiguous.view(np.dtype((np.void, contiguous.dtype.itemsize * rows.shape[1])))
    _, first, inverse = np.unique(keys.reshape(-1), return_index=True, return_inverse=True)
    return contiguous[first], inverse.reshape(-1).astype(np.intp)


def _columns(variables: tuple[int, ...], targets: list[int]) -> list[int]:
    column = {v: j for j, v in enumerate(variables)}
    return [column[v] for v in targets]


def should_stop(
    scores: Sequence[QuestionScore],
    probabilities: Iterable[float],
    *,
    min_gain: float = 0.01,
    confident: float = 0.95,
) -> bool:
    """Stop asking when no question is worth ``min_gain`` nats or a target is ``confident``.

    ``probabilities`` are the current ``P(h = 1 | e)`` of the targets (the differential).
    """
    if not scores or max(s.expected_information_gain for s in scores) < min_gain:
        return True
    return any(p > confident for p in probabilities)


def _candidate_indices(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    candidates: Iterable[int | str] | None,
) -> list[int]:
    network = compiled.network
    if candidates is None:
        return [f for f in range(len(network.findings)) if f not in evidence]
    out: list[int] = []
    for c in candidates:
        if isinstance(c, str):
            index = network.finding_index.get(c)
            if index is None:
                raise NetworkError(f"unknown finding {c!r}")
        elif isinstance(c, int) and not isinstance(c, bool) and 0 <= c < len(network.findings):
            index = c
        else:
            raise NetworkError(f"{c!r} is not a finding index or name")
        if index not in evidence and index not in out:
            out.append(index)
    return out


def _weighted_entropy(present: FloatArray, absent: FloatArray) -> FloatArray:
    """``w · H_b(present / w)`` with ``w = present + absent`` (0 where a term is 0)."""
    total = present + absent
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(present > 0.0, present * np.log(total / present), 0.0)
        terms += np.where(absent > 0.0, absent * np.log(total / absent), 0.0)
    return np.asarray(terms)
