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
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork, static_potentials
from nervepath.engine.evidence import Absorbed, Evidence, absorb, evidence_indices, node_indices
from nervepath.engine.inference import ImpossibleEvidenceError, absorb_terms, compiled_network
from nervepath.engine.junction import propagate
from nervepath.engine.network import Network, NetworkError
from nervepath.engine.split import MAX_CANCELLATION, Terms, combine, split_terms
from nervepath.engine.threads import one_blas_thread
from nervepath.engine.triangulation import bits_of

__all__ = ["probabilities_causing"]

FloatArray = npt.NDArray[np.float64]

_MAX_ENTRIES = 1 << 22
"""Rows are propagated in chunks so that a batch of trees stays near this many entries."""


@one_blas_thread
def probabilities_causing(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    nodes: Iterable[int | str],
    *,
    effects: Iterable[int | str] | None = None,
) -> tuple[float, ...]:
    """``P(h = 1 and h produces at least one observed abnormal finding | e)`` per node.

    ``effects`` (finding indices or names) limits the findings that count as produced,
    e.g. to leave out risk factors, which a node's links predict but do not cause;
    ``None`` counts every finding. Raises :class:`ImpossibleEvidenceError` when
    ``P(evidence) = 0``.
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    targets = node_indices(compiled, nodes)
    counted = None if effects is None else set(_finding_indices(compiled, effects))
    abnormal = [
        f
        for f, k in checked.items()
        if k != 0 and compiled.finding_scopes[f] and (counted is None or f in counted)
    ]
    mask = 0
    for f in abnormal:
        mask |= compiled.finding_scopes[f]
    hidden = compiled.network.hidden
    families = {
        v: tuple(g for g in (v, *(p for p, _ in hidden[v].parents)) if (mask >> g) & 1)
        for v in targets
    }
    active = sorted(v for v, family in families.items() if family)
    if not active:
        return tuple(0.0 for _ in targets)
    # log ∏_f C_{g,f}(0) over the abnormal findings: the chance that g produces none of them.
    log_silent = np.zeros(compiled.n_hidden)
    for f in abnormal:
        log_silent += compiled.log_cumulative[f][0]
    rows = [_Row(v, families[v], log_silent[list(families[v])]) for v in active]
    extra = 0
    for v in active:
        extra |= 1 << v
    terms = split_terms(compiled, checked)
    counts = set(abnormal)
    found = None if terms is None else _split(compiled, checked, rows, extra, terms, counts)
    if found is None:
        found = _tables(compiled, checked, rows, extra, counts)
    present, silent = found
    explains = {v: min(p, max(0.0, p - s)) for v, p, s in zip(active, present, silent, strict=True)}
    return tuple(explains.get(v, 0.0) for v in targets)


@dataclass(frozen=True, slots=True)
class _Row:
    """A node, the members of its family with an abnormal child, and their silent log-factors."""

    node: int
    family: tuple[int, ...]
    log_silent: FloatArray

    def unary(self, log_unary: FloatArray) -> None:
        """Add the family's unary factors ``(1, ∏_f C_{g,f}(0))`` to each of these rows."""
        log_unary[:, list(self.family)] += self.log_silent


def _finding_indices(compiled: CompiledNetwork, findings: Iterable[int | str]) -> list[int]:
    network = compiled.network
    out: list[int] = []
    for f in findings:
        if isinstance(f, str):
            if f not in network.finding_index:
                raise NetworkError(f"unknown finding {f!r}")
            out.append(network.finding_index[f])
        elif (
            isinstance(f, int | np.integer)
            and not isinstance(f, bool)
            and 0 <= f < len(network.findings)
        ):
            out.append(int(f))
        else:
            raise NetworkError(f"{f!r} is not a finding index or name")
    return out


Found = tuple[list[float], list[float]]
"""Per row: ``P(h = 1 | e)`` and ``P(h = 1, its family produces none | e)``."""


def _tables(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    rows: list[_Row],
    extra: int,
    counts: set[int],
) -> Found:
    """Every abnormal finding a factor of one tree; row ``j + 1`` silences family ``j``."""
    absorbed = absorb(compiled, evidence, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    columns = [absorbed.tree.variables.index(r.node) for r in rows]
    batch: list[_Row | None] = [None, *rows]
    step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size))
    log_z = np.empty(len(batch))
    present = np.empty((len(batch), len(rows)))  # P(h = 1) of every row's node, per row
    for start in range(0, len(batch), step):
        chunk = batch[start : start + step]
        log_unary = np.repeat(absorbed.log_unary, len(chunk), axis=0)
        for i, row in enumerate(chunk):
            if row is not None:
                row.unary(log_unary[i : i + 1])
        result = propagate(absorbed.tree, _static(absorbed, chunk, 1, counts), log_unary)
        log_z[start : start + len(chunk)] = result.log_z
        present[start : start + len(chunk)] = result.present[:, columns]
    if not math.isfinite(float(log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    with np.errstate(under="ignore"):
        silent = np.nan_to_num(np.exp(log_z[1:] - log_z[0]) * np.diagonal(present[1:]))
    return [float(p) for p in present[0]], [float(s) for s in silent]


def _split(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    rows: list[_Row],
    extra: int,
    terms: Terms,
    counts: set[int],
) -> Found | None:
    """:func:`_tables` with the widest findings as signed terms (:mod:`nervepath.engine.split`):
    every row once per term, family ``j``'s unary factors in the terms left out in its row.
    ``None`` (use the tables) when a sum cancels too much to be exact to about 1e-12."""
    absorbed = absorb_terms(compiled, evidence, terms, extra)
    if absorbed is None:
        return None
    columns = [absorbed.tree.variables.index(r.node) for r in rows]
    batch: list[_Row | None] = [None, *rows]
    count = len(terms.signs)
    own = _own_factors(compiled, evidence, terms, counts)
    step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size * count))
    log_z = np.empty((len(batch), count))
    present = np.empty((len(batch), count, len(rows)))  # P(h = 1) per row, term and node
    for start in range(0, len(batch), step):
        chunk = batch[start : start + step]
        log_unary = np.repeat(absorbed.log_unary, len(chunk) * count, axis=0)
        log_unary[:, : compiled.n_hidden] += np.tile(terms.log_rows, (len(chunk), 1))
        for i, row in enumerate(chunk):
            if row is not None:
                block = log_unary[i * count : (i + 1) * count]
                row.unary(block)
                block[:, list(row.family)] -= own[list(row.family)].T
        result = propagate(absorbed.tree, _static(absorbed, chunk, count, counts), log_unary)
        log_z[start : start + len(chunk)] = result.log_z.reshape(len(chunk), count)
        present[start : start + len(chunk)] = result.present[:, columns].reshape(
            len(chunk), count, len(rows)
        )
    first = combine(log_z[0], terms)
    if first is None:
        return None
    weights, log_total = first
    # Row j + 1, node j: its terms over P(e), signed; each one's rounding is about ε times
    # its magnitude, so their magnitudes must stay small for the difference to be exact.
    n = len(rows)
    own_rows = present[np.arange(1, n + 1), :, np.arange(n)]  # (node, term)
    with np.errstate(under="ignore"):
        scaled = np.exp(log_z[1:] + terms.log_constants - log_total) * own_rows
    if not (np.nan_to_num(scaled, nan=np.inf).sum(axis=1) <= MAX_CANCELLATION).all():
        return None
    silent = (terms.signs * scaled).sum(axis=1)
    return [float(p) for p in weights @ present[0]], [float(s) for s in silent]


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
    absorbed: Absorbed, rows: Sequence[_Row | None], repeat: int, counts: set[int]
) -> list[FloatArray | None]:
    """The tree's static tables for ``rows`` (each ``repeat`` times): in a family's row,
    every factor of a counted abnormal finding is read at ``g = 0`` for each member ``g``."""
    counted = {j for j, f in enumerate(absorbed.positives) if f in counts}
    factors: list[tuple[int, FloatArray]] = []
    for (scope, table), owner in zip(absorbed.factors, absorbed.owners, strict=True):
        mine = [
            (i, [g for g in row.family if (scope >> g) & 1])
            for i, row in enumerate(rows)
            if owner in counted and row is not None
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
