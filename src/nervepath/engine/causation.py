"""How probable it is that a hidden node *causes* what was observed, not merely is present.

``P(h = 1 | e)`` counts a node that is present but explains nothing: with no finding
pointing to the knee, a knee joint problem keeps its prior of about 13 % however the
foot was examined, and that can outrank the nerve root that explains the foot drop.
What a patient and a clinician ask is which site *causes* the complaint::

    P(h explains e) = P(h = 1 | e) − P(h = 1, its family produces no abnormal finding | e)

In the noisy-MAX model (:mod:`nervepath.engine.network`) each present parent ``g`` of
a finding ``f`` produces a state ``Y_{g,f}``, and ``g`` *produces* ``f`` when that state
is abnormal (its link fires). A node's *family* is the node and its parents: findings
hang from a lesion site and from the causes of that site (a tendon rupture gives the
snap at onset, the torn tendon the pain), so a site explains what it or one of its
causes produces. For a family ``G`` and the observed abnormal findings ``A``, that no
member produces any of them has probability ``∏_{g ∈ G, f ∈ A} C_{g,f}(0)^{x_g}`` and
leaves each finding to the other parents and its leak, i.e. its likelihood read at
``x_g = 0`` for every ``g ∈ G``. So::

    P(h = 1, G produces none | e) = Z_h P_h(h = 1) / Z

where ``Z_h`` and ``P_h`` come from the tree of ``e`` with, for each ``g ∈ G``, the
unary factor ``(1, ∏_f C_{g,f}(0))``, every factor of ``A`` read at ``g = 0`` (a parent
enters one factor of a finding: its table or one link of its chain) and, in the terms
of a split finding, ``g``'s unary factor left out. Every such variant fits the tree of
the full evidence, so all nodes take one batched propagation (row 0: the evidence;
row ``j + 1``: node ``j``'s variant), like the leave-one-out rows of
:mod:`nervepath.engine.explain`.

Each link is an independent mechanism that fires with its probability (Pearl 1988,
§4.3.2, the noisy-OR's causal reading), which is what makes "produces" an event of the
model. The result is at most ``P(h = 1 | e)`` and is 0 for a node whose family has no
abnormal child observed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork, static_potentials
from nervepath.engine.evidence import (
    Absorbed,
    Evidence,
    absorb,
    evidence_indices,
    finding_indices,
    node_indices,
)
from nervepath.engine.inference import (
    ImpossibleEvidenceError,
    absorb_terms,
    compiled_network,
    infer,
    split_for_rows,
)
from nervepath.engine.junction import LOG_ZERO, propagate
from nervepath.engine.network import Network
from nervepath.engine.split import MAX_CANCELLATION, Terms, combine
from nervepath.engine.threads import one_blas_thread
from nervepath.engine.triangulation import bits_of

__all__ = ["Causing", "probabilities_causing"]

FloatArray = npt.NDArray[np.float64]

_MAX_ENTRIES = 1 << 22
"""Rows are propagated in chunks so that a batch of trees stays near this many entries."""


@dataclass(frozen=True, slots=True)
class Causing:
    """A group's ``P(some node of it present | e)`` and ``P(… and it explains some of e | e)``."""

    present: float
    explains: float


@one_blas_thread
def probabilities_causing(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    groups: Sequence[Iterable[int | str]],
    *,
    effects: Iterable[int | str] | None = None,
) -> tuple[Causing, ...]:
    """Per group of hidden nodes: ``P(some node of it is present | e)`` and ``P(some node of
    it is present, and the group's family produces at least one observed abnormal finding |
    e)``; for a group of one node ``h``, ``P(h = 1 | e)`` and ``P(h = 1 and h or one of its
    parents produces one | e)``. The first of a group is
    :func:`.inference.probability_all_absent`'s complement, from the same batch.

    ``effects`` (finding indices or names) limits the findings that count as produced,
    e.g. to leave out risk factors, which a node's links predict but do not cause;
    ``None`` counts every finding. Raises :class:`ImpossibleEvidenceError` when
    ``P(evidence) = 0``.
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    members = [node_indices(compiled, group) for group in groups]
    counted = None if effects is None else set(finding_indices(compiled, effects))
    abnormal = [
        f
        for f, k in checked.items()
        if k != 0 and compiled.finding_scopes[f] and (counted is None or f in counted)
    ]
    mask = 0
    for f in abnormal:
        mask |= compiled.finding_scopes[f]
    # log ∏_f C_{g,f}(0) over the abnormal findings: the chance that g produces none of them.
    log_silent = np.zeros(compiled.n_hidden)
    for f in abnormal:
        log_silent += compiled.log_cumulative[f][0]
    rows, plans, extra = _plan(compiled, members, mask, log_silent)
    if rows:
        terms = split_for_rows(compiled, checked, extra, 1 + len(rows))
        counts = set(abnormal)
        singles = {g[0] for g in members if len(g) == 1}
        found = (
            None
            if terms is None
            else _split(compiled, checked, rows, extra, terms, counts, singles)
        )
        if found is None:
            found = _tables(compiled, checked, rows, extra, counts, singles)
        marginals, values = found
    else:  # single nodes that explain nothing: their marginals alone
        posterior = infer(compiled, checked).marginals
        marginals, values = {v: float(posterior[v]) for g in members for v in g}, []
    out: list[Causing] = []
    for group, plan in zip(members, plans, strict=True):
        if len(group) == 1:
            v = group[0]
            p = marginals.get(v, float(compiled.prior_marginals[v]))
            silent = values[plan[0]] if plan else p
        elif group:
            p = min(1.0, max(0.0, 1.0 - values[plan[0]]))
            silent = p if len(plan) == 1 else values[plan[1]] - values[plan[2]]
        else:
            p = silent = 0.0
        out.append(Causing(p, min(p, max(0.0, p - silent))))
    return tuple(out)


def _plan(
    compiled: CompiledNetwork, members: list[list[int]], mask: int, log_silent: FloatArray
) -> tuple[list[_Row], list[tuple[int, ...]], int]:
    """The batch rows each group needs, which rows are whose, and the nodes the tree must
    hold. A group of several nodes always has its "none present" row; a family with no
    abnormal child explains nothing and needs no other."""
    hidden = compiled.network.hidden
    rows: list[_Row] = []
    plans: list[tuple[int, ...]] = []
    extra = 0
    for group in members:
        family = sorted(
            {g for v in group for g in (v, *(p for p, _ in hidden[v].parents)) if (mask >> g) & 1}
        )
        start = len(rows)
        silent = _Row(tuple(family), log_silent[family])
        if len(group) == 1 and family:  # P(h = 1) and P(h = 1, silent), from the marginals
            rows.append(replace(silent, read=group[0]))
        elif len(group) > 1:  # P(none present), then P(silent), P(silent, none present)
            nodes = tuple(group)
            rows.append(_Row(absent=nodes))
            if family:
                rows += [silent, replace(silent, absent=nodes)]
        if len(rows) > start:
            for v in group:
                extra |= 1 << v
        plans.append(tuple(range(start, len(rows))))
    return rows, plans, extra


@dataclass(frozen=True, slots=True)
class _Row:
    """One variant of the evidence: ``family`` silenced (unary ``(1, ∏_f C_{g,f}(0))`` on
    each member, ``log_silent`` its logs, and its abnormal findings read at ``g = 0``),
    ``absent`` nodes forced absent, and, with ``read``, that node's ``P(present)`` taken."""

    family: tuple[int, ...] = ()
    log_silent: FloatArray = field(default_factory=lambda: np.zeros(0))
    absent: tuple[int, ...] = ()
    read: int | None = None

    def unary(self, log_unary: FloatArray) -> None:
        """Apply the row's unary factors to each of ``log_unary``'s rows."""
        log_unary[:, list(self.family)] += self.log_silent
        log_unary[:, list(self.absent)] = LOG_ZERO


Found = tuple[dict[int, float], list[float]]
"""``P(h = 1 | e)`` of the single nodes asked for that are in the tree, and each row's value:
its mass over ``P(e)``, times ``P(read = 1)`` in the row where it reads a node."""


def _wanted(
    chunk: Sequence[_Row], first: bool, singles: set[int], column: dict[int, int]
) -> list[int]:
    """The variables whose marginals a chunk of rows needs: each row's ``read`` and, in the
    chunk of row 0, the single nodes (every other row needs its mass alone, which the
    collect pass gives, see :func:`.junction.propagate`)."""
    wanted = {row.read for row in chunk if row.read is not None}
    if first:
        wanted |= {v for v in singles if v in column}
    return sorted(wanted)


def _tables(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    rows: list[_Row],
    extra: int,
    counts: set[int],
    singles: set[int],
) -> Found:
    """Every abnormal finding a factor of one tree; batch row 0 is the evidence itself."""
    absorbed = absorb(compiled, evidence, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    column = {v: j for j, v in enumerate(absorbed.tree.variables)}
    batch: list[_Row] = [_Row(), *rows]
    step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size))
    log_z = np.empty(len(batch))
    read = np.ones(len(batch))
    first: FloatArray | None = None
    for start in range(0, len(batch), step):
        chunk = batch[start : start + step]
        log_unary = np.repeat(absorbed.log_unary, len(chunk), axis=0)
        for i, row in enumerate(chunk):
            row.unary(log_unary[i : i + 1])
        result = propagate(
            absorbed.tree,
            _static(absorbed, chunk, 1, counts),
            log_unary,
            wanted=_wanted(chunk, start == 0, singles, column),
        )
        log_z[start : start + len(chunk)] = result.log_z
        for i, row in enumerate(chunk):
            if row.read is not None:
                read[start + i] = result.present[i, column[row.read]]
        if first is None:
            first = result.present[0]
    assert first is not None
    if not math.isfinite(float(log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    with np.errstate(under="ignore", invalid="ignore"):
        values = np.nan_to_num(np.exp(log_z[1:] - log_z[0]) * read[1:])
    return _hidden_marginals(column, first, singles), [float(v) for v in values]


def _split(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    rows: list[_Row],
    extra: int,
    terms: Terms,
    counts: set[int],
    singles: set[int],
) -> Found | None:
    """:func:`_tables` with the widest findings as signed terms (:mod:`nervepath.engine.split`):
    every row once per term, a silenced family's unary factors in the terms left out.
    ``None`` (use the tables) when a sum cancels too much to be exact to about 1e-12."""
    absorbed = absorb_terms(compiled, evidence, terms, extra)
    if absorbed is None:
        return None
    column = {v: j for j, v in enumerate(absorbed.tree.variables)}
    batch: list[_Row] = [_Row(), *rows]
    count = len(terms.signs)
    own = _own_factors(compiled, evidence, terms, counts)
    step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size * count))
    log_z = np.empty((len(batch), count))
    read = np.ones((len(batch), count))
    first = np.empty((count, len(column)))
    for start in range(0, len(batch), step):
        chunk = batch[start : start + step]
        log_unary = np.repeat(absorbed.log_unary, len(chunk) * count, axis=0)
        log_unary[:, : compiled.n_hidden] += np.tile(terms.log_rows, (len(chunk), 1))
        for i, row in enumerate(chunk):
            block = log_unary[i * count : (i + 1) * count]
            block[:, list(row.family)] -= own[list(row.family)].T
            row.unary(block)
        result = propagate(
            absorbed.tree,
            _static(absorbed, chunk, count, counts),
            log_unary,
            wanted=_wanted(chunk, start == 0, singles, column),
        )
        log_z[start : start + len(chunk)] = result.log_z.reshape(len(chunk), count)
        for i, row in enumerate(chunk):
            block_rows = slice(i * count, (i + 1) * count)
            if start + i == 0:
                first = result.present[block_rows]
            if row.read is not None:
                read[start + i] = result.present[block_rows, column[row.read]]
    combined = combine(log_z[0], terms)
    if combined is None:
        return None
    weights, log_total = combined
    # Each row's value is a signed sum of terms, each rounded to about ε of its magnitude:
    # their magnitudes (over P(e)) must stay small for the value to be exact.
    with np.errstate(under="ignore"):
        scaled = np.exp(log_z[1:] + terms.log_constants - log_total) * read[1:]
    if not (np.nan_to_num(scaled, nan=np.inf).sum(axis=1) <= MAX_CANCELLATION).all():
        return None
    values = (terms.signs * scaled).sum(axis=1)
    return _hidden_marginals(column, weights @ first, singles), [float(v) for v in values]


def _hidden_marginals(
    column: dict[int, int], present: FloatArray, singles: set[int]
) -> dict[int, float]:
    """``P(h = 1 | e)`` of the single nodes among the tree's variables, from row 0's
    ``present`` (NaN for the variables not read)."""
    return {v: float(present[column[v]]) for v in singles if v in column}


def _own_factors(
    compiled: CompiledNetwork, evidence: dict[int, int], terms: Terms, counts: set[int]
) -> FloatArray:
    """Per hidden node (rows) and term (columns): the log unary factor the counted split
    findings give the node in that term, which its family's row leaves out."""
    own = np.zeros((compiled.n_hidden, len(terms.signs)))
    for t in range(len(terms.signs)):
        for i, f in enumerate(terms.findings):
            j = evidence[f] - ((t >> i) & 1)
            if f in counts and j < len(compiled.network.findings[f].states) - 1:
                own[:, t] += compiled.log_cumulative[f][j]
    return own


def _static(
    absorbed: Absorbed, rows: Sequence[_Row], repeat: int, counts: set[int]
) -> list[FloatArray | None]:
    """The tree's static tables for ``rows`` (each ``repeat`` times): in a family's row,
    every factor of a counted abnormal finding is read at ``g = 0`` for each member ``g``."""
    counted = {j for j, f in enumerate(absorbed.positives) if f in counts}
    factors: list[tuple[int, FloatArray]] = []
    for (scope, table), owner in zip(absorbed.factors, absorbed.owners, strict=True):
        mine = [
            (i, [g for g in row.family if (scope >> g) & 1])
            for i, row in enumerate(rows)
            if owner in counted
        ]
        mine = [(i, members) for i, members in mine if members]
        if not mine:
            factors.append((scope, table))
            continue
        batched = np.broadcast_to(table, (len(rows) * repeat, *table.shape)).copy()
        ids = bits_of(scope)
        for i, members in mine:
            for g in members:
                axis = 1 + ids.index(g)
                index: list[slice | int] = [slice(None)] * batched.ndim
                index[0] = slice(i * repeat, (i + 1) * repeat)
                absent = tuple([*index[:axis], 0, *index[axis + 1 :]])
                index[axis] = 1
                batched[tuple(index)] = batched[absent]
        factors.append((scope, batched))
    return static_potentials(absorbed.tree, factors)
