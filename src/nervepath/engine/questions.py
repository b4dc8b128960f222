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

Origin groups: a group ``G`` of hidden nodes (the sites of the lumbar spine, say) adds
the entropy of its event ``A_G`` = "some member present" to ``H(D | ·)``, with the same
concavity argument. ``P(no member | e, f ≤ k) = P(no member | e) · E[F_f(k) | e, no
member] / E[F_f(k) | e]``: the tree is also calibrated with every member absent (hard
unary factors, one more batch row per group), and the rows are pushed through it once
more, asking only for their mass, so no distribute pass runs. Each group costs about
one more collect pass of every row: with the service's six origin groups the ranking
of the clinical vignettes takes about 3.5× as long.

Every candidate is pushed: proven bounds on the gain (``I(t; f) ≤ I(pa(f); f)``; ``KL ≤ χ²``
with the targets' correlations) left 72–92 % of candidates above the 10th best gain on the
vignettes, and a tighter one (30 %) costs two collect passes each (measured for issue #18).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork
from nervepath.engine.evidence import (
    Evidence,
    absorb,
    evidence_indices,
    node_indices,
)
from nervepath.engine.inference import (
    ImpossibleEvidenceError,
    cheapest_split,
    compiled_network,
    group_rows,
    propagate_terms,
)
from nervepath.engine.junction import JunctionTree, Propagation, propagate
from nervepath.engine.network import Network
from nervepath.engine.soft_evidence import soft_evidence_terms
from nervepath.engine.split import Terms, signed_log_sum
from nervepath.engine.threads import one_blas_thread
from nervepath.engine.traits import candidate_answers, trait_rows, trait_scores, weighted_entropy

__all__ = ["QuestionScore", "rank_questions", "should_stop"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """A candidate finding, its expected information gain (nats), ``P(state | e)`` and,
    per state, the targets' ``P(t = 1 | e, state)`` (in the order of ``targets``)."""

    finding: str
    expected_information_gain: float
    state_probabilities: tuple[float, ...]
    state_posteriors: tuple[tuple[float, ...], ...] = ()


@one_blas_thread
def rank_questions(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    *,
    targets: Iterable[int | str] | None = None,
    candidates: Iterable[int | str] | None = None,
    groups: Sequence[Iterable[int | str]] = (),
) -> tuple[QuestionScore, ...]:
    """Score unanswered findings by expected information gain about ``targets`` and
    ``groups``.

    ``targets`` defaults to every hidden node; ``candidates`` (finding indices or
    names) to every finding not in ``evidence``; a risk factor's copies are one candidate,
    scored as a root (:mod:`nervepath.engine.traits`). Each of ``groups`` (sets of hidden
    nodes, such as the sites of one origin) adds the entropy of the event "some member
    present". The result is sorted by decreasing gain (to 1e-9 nats), ties by finding
    name.
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    network = compiled.network
    target_list = node_indices(compiled, range(compiled.n_hidden) if targets is None else targets)
    group_list = [node_indices(compiled, group) for group in groups]
    answers = candidate_answers(compiled, checked, candidates)
    if not answers:
        return ()
    traits = [copies for copies in answers if network.findings[copies[0]].answer]
    chosen = [copies[0] for copies in answers if not network.findings[copies[0]].answer]
    extra = 0
    for v in target_list + [v for group in group_list for v in group]:
        extra |= 1 << v
    for f in (f for copies in answers for f in copies):
        extra |= compiled.finding_scopes[f]
    # 1. The rows: (candidate, k) for k < K − 1, with F_f(k) as soft evidence; then a
    #    risk factor's rows, one per state.
    owners: list[tuple[int, int]] = []
    for f in chosen:
        owners.extend((f, k) for k in range(len(network.findings[f].states) - 1))
    trait_parts = [trait_rows(compiled, copies) for copies in traits]
    rows = np.zeros((len(owners), compiled.n_hidden))
    leak = np.empty(len(owners))
    for r, (f, k) in enumerate(owners):
        rows[r] = compiled.log_cumulative[f][k]
        leak[r] = compiled.leak_log_cumulative[f][k]
    rows = np.concatenate([rows, *trait_parts])
    # 2–3. The evidence alone, then every row, through one calibrated tree (or one per
    #      term of the split findings; see :mod:`nervepath.engine.split`).
    # Twin findings and shared parent sets repeat rows: each distinct row is pushed once.
    distinct, inverse = _distinct_rows(rows)
    pushed = None
    terms = cheapest_split(compiled, checked, extra)
    if terms is not None:
        pushed = _split_rows(compiled, checked, extra, terms, distinct, target_list, group_list)
    if pushed is None:
        pushed = _rows(compiled, checked, extra, distinct, target_list, group_list)
    base_present, base_absent, log_mass, conditional = pushed
    log_mass, conditional = log_mass[inverse], conditional[inverse]
    scores = [
        QuestionScore(name, gain, tuple(states.tolist()), tuple(map(tuple, given.tolist())))
        for name, gain, states, given in trait_scores(
            compiled, traits, log_mass[len(owners) :], conditional[len(owners) :], len(target_list)
        )
    ]
    log_mass, conditional = log_mass[: len(owners)], conditional[: len(owners)]
    log_ratio = log_mass + leak
    upto = np.exp(np.minimum(log_ratio, 0.0))[:, None]
    joint_present = upto * conditional
    joint_absent = upto * (1.0 - conditional)
    # 4. Differences of cumulative rows give each state's probability and joints,
    #    for all candidates with the same number of states at once.
    n_states = np.array([len(network.findings[f].states) for f in chosen])
    first = np.concatenate([[0], np.cumsum(n_states - 1)[:-1]]).astype(np.intp)
    mass_rows = np.exp(np.minimum(log_ratio, 0.0))
    base_entropy = float(weighted_entropy(base_present, base_absent).sum())
    gains = np.empty(len(chosen))
    probabilities: list[FloatArray] = [np.empty(0)] * len(chosen)
    posteriors: list[FloatArray] = [np.empty(0)] * len(chosen)
    n_targets = len(target_list)
    for count in np.unique(n_states):
        members = np.flatnonzero(n_states == count)
        m = len(members)
        pick = first[members][:, None] + np.arange(count - 1)[None, :]
        mass = np.concatenate([np.zeros((m, 1)), mass_rows[pick], np.ones((m, 1))], axis=1)
        present = np.concatenate(
            [
                np.zeros((m, 1, len(base_present))),
                joint_present[pick],
                np.tile(base_present, (m, 1, 1)),
            ],
            axis=1,
        )
        absent = np.concatenate(
            [
                np.zeros((m, 1, len(base_present))),
                joint_absent[pick],
                np.tile(base_absent, (m, 1, 1)),
            ],
            axis=1,
        )
        state_present = np.maximum(np.diff(present, axis=1), 0.0)
        state_absent = np.maximum(np.diff(absent, axis=1), 0.0)
        expected = weighted_entropy(state_present, state_absent).sum(axis=(1, 2))
        gains[members] = np.maximum(base_entropy - expected, 0.0)
        state = np.maximum(np.diff(mass, axis=1), 0.0)
        # P(t = 1 | e, f = k) = P(t = 1, f = k | e) / P(f = k | e); 0 where the state is.
        with np.errstate(divide="ignore", invalid="ignore"):
            given = state_present[:, :, :n_targets] / state[:, :, None]
        given = np.clip(np.nan_to_num(given, nan=0.0, posinf=0.0), 0.0, 1.0)
        state /= state.sum(axis=1, keepdims=True)
        for i, member in enumerate(members):
            probabilities[member] = state[i]
            posteriors[member] = given[i]
    scores += [
        QuestionScore(
            finding=network.findings[f].name,
            expected_information_gain=float(gains[i]),
            state_probabilities=tuple(probabilities[i].tolist()),
            state_posteriors=tuple(map(tuple, posteriors[i].tolist())),
        )
        for i, f in enumerate(chosen)
    ]
    # Gains equal to 1e-9 nats (left/right twins, equal but for rounding) go by name.
    scores.sort(key=lambda s: (-round(s.expected_information_gain, 9), s.finding))
    return tuple(scores)


Pushed = tuple[FloatArray, FloatArray, FloatArray, FloatArray]
"""``P(t = 1 | e)``, ``P(t = 0 | e)``, then per row ``log E[λ_r | e]`` and ``P(t = 1 | e, λ_r)``;
the origin groups' events follow the targets as extra columns."""


def _rows(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    extra: int,
    rows: FloatArray,
    targets: list[int],
    groups: list[list[int]],
) -> Pushed:
    """The rows pushed through the calibrated tree of the evidence (and of the evidence with
    each group absent)."""
    absorbed = absorb(compiled, evidence, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    base = propagate(absorbed.tree, absorbed.static, group_rows(absorbed.log_unary, groups))
    if not math.isfinite(float(base.log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    pushed = _pushed(absorbed.tree, base, np.ones((len(groups) + 1, 1)), base.log_z[:, None])
    out = _with_groups(pushed(0, rows, targets), pushed, rows, groups, base.log_z - base.log_z[0])
    assert out is not None  # one term per tree: no signed sum to cancel
    return out


def _split_rows(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    extra: int,
    terms: Terms,
    rows: FloatArray,
    targets: list[int],
    groups: list[list[int]],
) -> Pushed | None:
    """:func:`_rows` with the widest findings split: the rows go through the tree of each
    term and the results are summed with the terms' signed weights (``None``: a sum
    cancels too much, use the tables)."""
    split = propagate_terms(compiled, evidence, terms, extra, groups)
    if split is None:
        return None
    absorbed, base, weights, log_totals = split
    log_z = base.log_z.reshape(len(groups) + 1, len(terms.signs))
    pushed = _pushed(absorbed.tree, base, weights, log_z)
    main = pushed(0, rows, targets)
    if main is None:
        return None
    return _with_groups(main, pushed, rows, groups, log_totals - log_totals[0])


def _pushed(
    tree: JunctionTree, base: Propagation, weights: FloatArray, log_z: FloatArray
) -> Callable[[int, FloatArray, list[int]], Pushed | None]:
    """Rows through the trees of batch rows ``i · T + t`` (``T`` terms; ``t`` term ``t`` of
    the evidence with group ``i − 1`` absent, or of the evidence alone for ``i = 0``),
    summed with the terms' ``weights[i]``; ``None`` when a row's sum cancels too much."""
    count = weights.shape[1]

    def push(i: int, rows: FloatArray, targets: list[int]) -> Pushed | None:
        cols = _columns(tree.variables, targets)
        picked = base.present[i * count : (i + 1) * count][:, cols]
        present = weights[i] @ picked
        absent = weights[i] @ base.absent[i * count : (i + 1) * count][:, cols]
        masses = np.full((rows.shape[0], count), -math.inf)
        joints = np.zeros((rows.shape[0], len(targets)))
        conditional = joints
        # A term whose tree has no mass adds nothing. The others share one pass over the
        # rows (:func:`soft_evidence_terms`: what depends on the rows alone is made once).
        live = [t for t in range(count) if math.isfinite(float(log_z[i, t]))]
        columns = [i * count + t for t in live]
        potentials = [
            [np.ascontiguousarray(p[..., b : b + 1]) for p in base.potentials] for b in columns
        ]
        pushed = _soft(tree, potentials, [picked[t] for t in live], rows, targets)
        for t, (log_mass, conditional) in zip(live, pushed, strict=True):
            masses[:, t] = log_mass
            if count > 1:
                joints += (weights[i, t] * np.exp(log_mass))[:, None] * conditional
        if count == 1:
            return present, absent, masses[:, 0], conditional
        # Each row's own signed sum, Σ_T w_T E_T[λ_r], must not cancel either.
        summed = signed_log_sum(masses, weights[i])
        if summed is None:
            return None
        return present, absent, summed, joints / np.exp(summed)[:, None]

    return push


def _with_groups(
    main: Pushed | None,
    pushed: Callable[[int, FloatArray, list[int]], Pushed | None],
    rows: FloatArray,
    groups: list[list[int]],
    log_absent: FloatArray,
) -> Pushed | None:
    """``main`` with a column per group ``g``: the event "some member present", from
    ``P(g absent | e)`` (``exp log_absent[g + 1]``) and, per row, ``E[λ_r | e, g absent]``.

    With the members absent, a row's factors on them are 1: rows that differ only there
    are pushed once (on the vignettes, 40 % fewer rows for the lumbar spine)."""
    if main is None or len(log_absent) == 1:
        return main
    present, absent, log_mass, conditional = main
    columns = []
    for i in range(1, len(log_absent)):
        if log_absent[i] == -math.inf:  # some member is certainly present
            columns.append(np.ones(rows.shape[0]))
            continue
        without = rows.copy()
        without[:, groups[i - 1]] = 0.0
        distinct, inverse = _distinct_rows(without)
        given_absent = pushed(i, distinct, [])
        if given_absent is None:
            return None
        log_given = given_absent[2][inverse]
        ratio = np.exp(np.minimum(log_given + log_absent[i] - log_mass, 0.0))
        columns.append(1.0 - ratio)
    p_absent = np.exp(np.minimum(log_absent[1:], 0.0))
    return (
        np.concatenate([present, 1.0 - p_absent]),
        np.concatenate([absent, p_absent]),
        log_mass,
        np.concatenate([conditional, np.stack(columns, axis=1)], axis=1),
    )


def _soft(
    tree: JunctionTree,
    potentials: Sequence[Sequence[FloatArray]],
    present: Sequence[FloatArray],
    rows: FloatArray,
    targets: list[int],
) -> list[tuple[FloatArray, FloatArray]]:
    """:func:`soft_evidence_terms` of ``rows`` (over the hidden nodes; widened to the
    tree's) through each calibration of the tree."""
    width = max(tree.variables, default=-1) + 1
    padded = np.zeros((rows.shape[0], max(width, rows.shape[1])))
    padded[:, : rows.shape[1]] = rows
    return soft_evidence_terms(tree, potentials, present, padded, targets)


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
