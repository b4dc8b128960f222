"""Proven upper bounds on a question's expected information gain, from pairwise posteriors.

The gain of a finding ``f`` about the target events ``T`` (sites, or "some member of a group
present") is ``Σ_{t ∈ T} I(t; f | e)`` (:mod:`nervepath.engine.questions`). For a binary
target ``t`` with ``p = P(t = 1 | e)`` and a yes/no finding, ``I(t; f | e)`` depends only on
``p`` and the channel ``α = P(f = 0 | e, t = 1)``, ``β = P(f = 0 | e, t = 0)``:

    I = H_b(p α + (1 − p) β) − p H_b(α) − (1 − p) H_b(β),

which is convex in ``(α, β)`` (mutual information is convex in the channel; Cover & Thomas
2006, Thm 2.7.4), so over a box of ``(α, β)`` it is largest at a corner.

The box comes from the noisy-OR: ``P(f = 0 | pa) = c ∏_i (1 − a_i pa_i)`` (``c`` the leak's,
``a_i`` parent ``i``'s link), and given only each parent's ``q_i = P(pa_i = 1 | e, t = s)``,
every joint of the parents has (Fréchet; Bonferroni)

    c · max(0, 1 − Σ_i a_i q_i)  ≤  P(f = 0 | e, t = s)  ≤  c · min_i (1 − a_i q_i).

The ``q_i`` given ``t = 0`` are one row of soft evidence per target (the target's "present"
factor 0, :func:`event_rows`), pushed through the ranking's calibrated tree like the
candidates' rows, and given ``t = 1`` they follow from ``P(pa_i = 1 | e) = p q_i(1) +
(1 − p) q_i(0)``; a parent not read is bounded by its marginal alone (Fréchet on the pair).
So the bound of every candidate costs one row per target, against one row per
candidate state for the gains themselves. On the published cases the bound is a median 1.1–3×
the gain.

A graded finding's ``I = Σ_k g(P(f = k | t = 1), P(f = k | t = 0))`` with ``g(a, b) = p a ln(a/m) +
(1 − p) b ln(b/m)``, ``m = p a + (1 − p) b``: each term is jointly convex (relative entropy) and
``≥ 0``, so bounding each over its own box (differences of the cumulative bounds) at a corner,
which drops the states' sum to one, bounds the whole.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork
from nervepath.engine.junction import LOG_ZERO

__all__ = ["event_rows", "gain_bounds", "parent_nodes"]

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

_ROUNDING = 1e-12
"""Slack on each conditional ``q`` read from the tree (its rounding is about 1e-13 of ``P(e)``,
the split terms' guard included), divided by ``p`` where ``q(1)`` is recovered by difference."""


def event_rows(n_hidden: int, events: list[list[int]]) -> FloatArray:
    """One row per target event: every member's factor for "present" 0, so the row's
    conditionals are ``P(v = 1 | e, event absent)``."""
    rows = np.zeros((len(events), n_hidden))
    for r, members in enumerate(events):
        rows[r, members] = LOG_ZERO
    return rows


@dataclass(frozen=True, slots=True)
class _Parents:
    """Every finding's parents padded to the widest (``(N, P)`` hidden nodes; padding has link
    0), their ``a_i(k) = 1 − C_i(k)`` (``(N, K − 1, P)``, ``K`` the most states, padded with 0)
    and the leak's ``c(k)`` (``(N, K − 1)``, padded with 1)."""

    nodes: IndexArray
    links: FloatArray
    leaks: FloatArray


# One per compiled network: an assessor keeps one per set of age bands (engine/revalue.py), up
# to about ten, and cases of different ages alternate; each entry is about 1 MB.
@functools.lru_cache(maxsize=16)
def _parents(compiled: CompiledNetwork) -> _Parents:
    findings = compiled.network.findings
    logs = [np.asarray(compiled.log_cumulative[f]) for f in range(len(findings))]
    sets = [np.flatnonzero(np.any(table != 0.0, axis=0)) for table in logs]
    width = max(1, *(len(s) for s in sets))
    depth = max(len(f.states) for f in findings) - 1
    nodes = np.zeros((len(findings), width), dtype=np.intp)
    links = np.zeros((len(findings), depth, width))
    leaks = np.ones((len(findings), depth))
    for f, (table, parents) in enumerate(zip(logs, sets, strict=True)):
        nodes[f, : len(parents)] = parents
        links[f, : len(table), : len(parents)] = -np.expm1(table[:, parents])
        leaks[f, : len(table)] = np.exp(compiled.leak_log_cumulative[f])
    return _Parents(nodes, links, leaks)


def parent_nodes(compiled: CompiledNetwork, findings: list[int]) -> list[int]:
    """The hidden nodes that are parents of any of ``findings``."""
    table = _parents(compiled)
    used = table.nodes[findings][table.links[findings].any(axis=1)]
    return sorted(set(used.tolist()))


def _entropy(x: FloatArray) -> FloatArray:
    """``H_b(x)`` in nats."""
    return _plogp(x) + _plogp(1.0 - x)


def _plogp(x: FloatArray) -> FloatArray:
    x = np.clip(x, 0.0, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.where(x > 0.0, -x * np.log(x), 0.0))


def gain_bounds(
    compiled: CompiledNetwork,
    findings: list[int],
    events: list[list[int]],
    chances: FloatArray,
    marginals: FloatArray,
    read: list[int],
    given_absent: FloatArray,
) -> FloatArray:
    """An upper bound on each finding's gain about the events (each a set of hidden nodes,
    "some member present").

    ``chances`` are the events' ``P(t = 1 | e)``, ``marginals`` ``P(v = 1 | e)`` over the
    hidden nodes (where they are parents of the findings or members of the events),
    ``given_absent`` ``(E, len(read))`` the ``P(v = 1 | e,
    event absent)`` of the nodes ``read``; a parent not read is bounded by its marginal alone.
    """
    width = compiled.n_hidden
    p = np.clip(chances, 0.0, 1.0)
    spans = [_unread(marginals, p, width), _unread(marginals, 1.0 - p, width)]
    q0 = np.clip(given_absent, 0.0, 1.0)
    # q(1) by difference; its rounding grows as p shrinks, hence the slack.
    with np.errstate(divide="ignore", invalid="ignore"):
        q1 = (marginals[read][None, :] - (1.0 - p)[:, None] * q0) / p[:, None]
    slack1 = (_ROUNDING / np.maximum(p, 1e-300) + _ROUNDING)[:, None]
    for (low, high), q, slack in ((spans[0], q1, slack1), (spans[1], q0, _ROUNDING)):
        low[:, read] = np.where(np.isfinite(q), np.clip(q - slack, 0.0, 1.0), 0.0)
        high[:, read] = np.where(np.isfinite(q), np.clip(q + slack, 0.0, 1.0), 1.0)
    for j, members in enumerate(events):
        spans[1][0][j, members] = spans[1][1][j, members] = 0.0  # absent given the event absent
        if len(members) == 1:
            spans[0][0][j, members] = spans[0][1][j, members] = 1.0
    cap = _entropy(p)[:, None]  # I(t; f) ≤ H(t)
    table = _parents(compiled)
    out = np.empty(len(findings))
    counts = np.array([len(compiled.network.findings[f].states) for f in findings])
    for count in np.unique(counts):
        same = np.flatnonzero(counts == count)
        chosen = [findings[j] for j in same]
        parents = table.nodes[chosen]
        links, leaks = table.links[chosen, : count - 1], table.leaks[chosen, : count - 1]
        (a_low, a_high), (b_low, b_high) = (
            _cumulative(links, leaks, low[:, parents], high[:, parents]) for low, high in spans
        )
        if count == 2:
            best = _corners(
                p[:, None], a_low[..., 0], a_high[..., 0], b_low[..., 0], b_high[..., 0]
            )
        else:
            best = _states(p[:, None, None], a_low, a_high, b_low, b_high)
        out[same] = np.minimum(best, cap).sum(axis=0)
    return out


def _unread(marginals: FloatArray, p: FloatArray, width: int) -> tuple[FloatArray, FloatArray]:
    """``(E, H)`` bounds on ``P(v = 1 | e, s)`` for an event state ``s`` of probability ``p``
    from ``P(v = 1 | e)`` alone (Fréchet: ``max(0, m − (1 − p)) ≤ P(v, s) ≤ min(m, p)``)."""
    m = marginals[None, :width]
    q = p[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(q > 0.0, np.maximum(0.0, m - (1.0 - q)) / q, 0.0)
        high = np.where(q > 0.0, np.minimum(m, q) / q, 1.0)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _cumulative(
    links: FloatArray, leaks: FloatArray, low: FloatArray, high: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``(E, F, K − 1)`` bounds on ``P(f ≤ k | e, t = s)`` from the parents' ``q`` in
    ``[low, high]`` (``(E, F, P)``, gathered onto each finding's parents): Fréchet, the lower
    end from the largest ``q``."""
    total = np.einsum("efp,fkp->efk", high, links)
    largest = (low[:, :, None, :] * links[None]).max(axis=3)
    return leaks * np.maximum(0.0, 1.0 - total), leaks * (1.0 - largest)


def _corners(
    p: FloatArray, a_low: FloatArray, a_high: FloatArray, b_low: FloatArray, b_high: FloatArray
) -> FloatArray:
    """Yes/no: the largest ``I(t; f)`` over the corners of the ``(α, β)`` box."""
    best = np.zeros_like(a_low)
    for alpha in (a_low, a_high):
        for beta in (b_low, b_high):
            information = (
                _entropy(p * alpha + (1.0 - p) * beta)
                - p * _entropy(alpha)
                - (1.0 - p) * _entropy(beta)
            )
            best = np.maximum(best, information)
    return best


def _states(
    p: FloatArray, a_low: FloatArray, a_high: FloatArray, b_low: FloatArray, b_high: FloatArray
) -> FloatArray:
    """Graded: ``I = Σ_k g(P(f = k | t = 1), P(f = k | t = 0))`` with ``g(a, b) = p a ln(a/m) +
    (1 − p) b ln(b/m)``, ``m = p a + (1 − p) b``, jointly convex and ``≥ 0``; each state's term
    is bounded over its own box (the states' differences of cumulative bounds) at a corner,
    which drops the states' sum to one, so it bounds the whole."""
    ones = np.ones((*a_low.shape[:2], 1))
    zeros = np.zeros_like(ones)

    def states(low: FloatArray, high: FloatArray) -> tuple[FloatArray, FloatArray]:
        upper = np.concatenate([high, ones], axis=2)
        lower = np.concatenate([low, ones], axis=2)
        below_low = np.concatenate([zeros, low], axis=2)
        below_high = np.concatenate([zeros, high], axis=2)
        return np.maximum(lower - below_high, 0.0), np.clip(upper - below_low, 0.0, 1.0)

    a_box, b_box = states(a_low, a_high), states(b_low, b_high)
    w = p
    best = np.zeros_like(a_box[0])
    for a in a_box:
        for b in b_box:
            m = w * a + (1.0 - w) * b
            term = _plogp(m) - w * _plogp(a) - (1.0 - w) * _plogp(b)
            best = np.maximum(best, term)
    return np.asarray(best.sum(axis=2))
