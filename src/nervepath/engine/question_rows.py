"""The question ranking's rows, pushed through one calibrated tree (per split term, summed
with the terms' signed weights, and per origin group), and the findings' scores from them
(:mod:`nervepath.engine.questions`)."""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork
from nervepath.engine.junction import JunctionTree, Propagation
from nervepath.engine.network import Network
from nervepath.engine.soft_evidence import Oriented
from nervepath.engine.split import signed_log_sum
from nervepath.engine.traits import trait_rows, weighted_entropy

__all__ = [
    "CandidateRows",
    "Push",
    "Pushed",
    "candidate_rows",
    "distinct_rows",
    "finding_scores",
    "pusher",
    "with_groups",
]

FloatArray = npt.NDArray[np.float64]

Pushed = tuple[FloatArray, FloatArray, FloatArray, FloatArray]
"""``P(t = 1 | e)``, ``P(t = 0 | e)``, then per row ``log E[λ_r | e]`` and ``P(t = 1 | e, λ_r)``;
the origin groups' events follow the targets as extra columns."""


class Push(Protocol):
    """``rows`` through the calibrations of batch rows ``i · T + t`` (:func:`pusher`), reading
    ``targets``; ``remember``: keep the target tables made for them (the next push reads the
    same targets)."""

    def __call__(
        self,
        i: int,
        rows: FloatArray,
        targets: list[int],
        remember: bool = True,
    ) -> Pushed | None: ...


def pusher(
    tree: JunctionTree,
    base: Propagation,
    weights: FloatArray,
    log_z: FloatArray,
    orient: FloatArray,
) -> Push:
    """Rows through the trees of batch rows ``i · T + t`` (``T`` terms; ``t`` term ``t`` of
    the evidence with group ``i − 1`` absent, or of the evidence alone for ``i = 0``),
    summed with the terms' ``weights[i]``; ``None`` when a row's sum cancels too much.

    Every push through one ``i`` shares one :class:`Oriented` tree, oriented for the rows
    ``orient`` (the candidates'): its separators' inverses and target tables are made once
    for all the batches and the bound's rows, not once per push."""
    count = weights.shape[1]
    oriented: dict[int, Oriented] = {}

    def push(
        i: int,
        rows: FloatArray,
        targets: list[int],
        remember: bool = True,
    ) -> Pushed | None:
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
        if i not in oriented:
            potentials = [
                [np.ascontiguousarray(p[..., b : b + 1]) for p in base.potentials]
                for b in (i * count + t for t in live)
            ]
            oriented[i] = Oriented(tree, potentials, _padded(tree, orient))
        pushed = oriented[i].push(
            [picked[t] for t in live],
            _padded(tree, rows),
            targets,
            remember=remember,
        )
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


def with_groups(
    main: Pushed | None,
    pushed: Push,
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
        distinct, inverse = distinct_rows(without)
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


def _padded(tree: JunctionTree, rows: FloatArray) -> FloatArray:
    """``rows`` over the hidden nodes, widened to the tree's variables."""
    width = max(tree.variables, default=-1) + 1
    padded = np.zeros((rows.shape[0], max(width, rows.shape[1])))
    padded[:, : rows.shape[1]] = rows
    return padded


def distinct_rows(rows: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """The distinct rows and, for each row, its index among them (rows compared as bytes,
    which sorts far faster than ``np.unique(axis=0)``)."""
    contiguous = np.ascontiguousarray(rows)
    keys = contiguous.view(np.dtype((np.void, contiguous.dtype.itemsize * rows.shape[1])))
    _, first, inverse = np.unique(keys.reshape(-1), return_index=True, return_inverse=True)
    return contiguous[first], inverse.reshape(-1).astype(np.intp)


def _columns(variables: tuple[int, ...], targets: list[int]) -> list[int]:
    column = {v: j for j, v in enumerate(variables)}
    return [column[v] for v in targets]


@dataclass(frozen=True, slots=True)
class CandidateRows:
    """Every candidate's rows of soft evidence: a finding's ``log F_f(k)`` for ``k < K − 1``
    (the leak's part in ``leak``), a risk factor's one per state (leak 0); ``spans[j]``: the
    rows of candidate ``j``."""

    rows: FloatArray
    leak: FloatArray
    spans: list[range]


def candidate_rows(compiled: CompiledNetwork, answers: list[tuple[int, ...]]) -> CandidateRows:
    parts = [_answer_rows(compiled, copies) for copies in answers]
    ends = np.cumsum([len(rows) for rows, _ in parts]).tolist()
    spans = [range(end - len(rows), end) for (rows, _), end in zip(parts, ends, strict=True)]
    return CandidateRows(
        np.concatenate([rows for rows, _ in parts]),
        np.concatenate([leak for _, leak in parts]),
        spans,
    )


@functools.lru_cache(maxsize=4096)
def _answer_rows(
    compiled: CompiledNetwork, copies: tuple[int, ...]
) -> tuple[FloatArray, FloatArray]:
    """One candidate's rows and their leak terms (:class:`CandidateRows`), read-only: they depend on
    the network alone, and a risk factor's took about 5 % of the median case's ranking."""
    finding = compiled.network.findings[copies[0]]
    if finding.answer:
        rows = trait_rows(compiled, copies)
        leak = np.zeros(len(rows))
    else:
        count = len(finding.states) - 1
        rows = np.array(compiled.log_cumulative[copies[0]][:count], dtype=np.float64)
        leak = np.array(compiled.leak_log_cumulative[copies[0]][:count], dtype=np.float64)
    rows = rows.reshape(-1, compiled.n_hidden)
    rows.setflags(write=False)
    leak.setflags(write=False)
    return rows, leak


def finding_scores(
    network: Network,
    chosen: list[int],
    leak: FloatArray,
    log_mass: FloatArray,
    conditional: FloatArray,
    base_present: FloatArray,
    base_absent: FloatArray,
    n_targets: int,
) -> list[tuple[str, float, FloatArray, FloatArray]]:
    """Each finding's name, gain, ``P(f = k | e)`` and targets' ``P(t = 1 | e, f = k)``, from its
    rows' ``log E[λ_r | e]`` and conditionals (:mod:`nervepath.engine.questions`)."""
    log_ratio = log_mass + leak
    upto = np.exp(np.minimum(log_ratio, 0.0))[:, None]
    joint_present = upto * conditional
    joint_absent = upto * (1.0 - conditional)
    # 4. Differences of cumulative rows give each state's probability and joints,
    #    for all candidates with the same number of states at once.
    n_states = np.array([len(network.findings[f].states) for f in chosen], dtype=np.intp)
    first = np.concatenate([[0], np.cumsum(n_states - 1)[:-1]]).astype(np.intp)
    mass_rows = np.exp(np.minimum(log_ratio, 0.0))
    base_entropy = float(weighted_entropy(base_present, base_absent).sum())
    gains = np.empty(len(chosen))
    probabilities: list[FloatArray] = [np.empty(0)] * len(chosen)
    posteriors: list[FloatArray] = [np.empty(0)] * len(chosen)
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
    return [
        (network.findings[f].name, float(gains[i]), probabilities[i], posteriors[i])
        for i, f in enumerate(chosen)
    ]
