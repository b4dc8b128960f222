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
holds all the evidence, row ``j + 1`` the same factors without answer ``j`` (its unary
factors removed for a normal finding, its table replaced by ones for an abnormal one;
every copy of a risk factor at once, ``engine.network``, so it is one answer here too).
The widest abnormal findings enter as signed terms (:mod:`nervepath.engine.split`): each
row is then propagated once per term, and a split finding's own row drops its terms.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.causation import SplitTree
from nervepath.engine.compiled import CompiledNetwork, placed_factor
from nervepath.engine.evidence import (
    Absorbed,
    Evidence,
    absorb,
    evidence_indices,
    node_indices,
    unary_log_factors,
)
from nervepath.engine.inference import (
    ImpossibleEvidenceError,
    absorb_terms,
    compiled_network,
    split_for_rows,
)
from nervepath.engine.junction import Propagation, propagate
from nervepath.engine.network import Network
from nervepath.engine.split import MAX_CANCELLATION, Terms, combine, leave_out
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

    ``contributions`` are sorted by decreasing ``|log_odds_change|`` to 1e-12 (ties by name).
    """

    node: str
    probability: float
    log_odds: float
    contributions: tuple[FindingContribution, ...]


@one_blas_thread
def explain(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    nodes: Iterable[int | str],
    *,
    tree: SplitTree | None = None,
) -> tuple[Explanation, ...]:
    """Leave-one-out contributions of every observed finding to each of ``nodes``.

    ``tree``, the split tree :func:`.causation.causation` propagated for the same evidence, is
    used where it holds every node asked for, instead of building one (equal to rounding)."""
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    targets = node_indices(compiled, nodes)
    extra = 0
    for v in targets:
        extra |= 1 << v
    # 1. One tree for the full evidence (it covers every subset of it); abnormal findings
    #    as signed terms when that does not cancel (split.py), chosen for the row count.
    held = None if tree is None else tree.absorbed.tree.variables
    if (
        tree is not None
        and tree.evidence == checked
        and held is not None
        and set(targets) <= set(held)
    ):
        terms: Terms | None = tree.terms
        absorbed: Absorbed | None = tree.absorbed
    else:
        terms = split_for_rows(compiled, checked, extra, 1 + len(checked))
        absorbed = None if terms is None else absorb_terms(compiled, checked, terms, extra)
    split = (
        None
        if terms is None or absorbed is None
        else _split_rows(compiled, checked, absorbed, terms, targets)
    )
    if split is not None:
        observed, column, present, absent = split
    else:
        observed, column, present, absent = _table_rows(compiled, checked, extra, targets)
    batch = 1 + len(observed)
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
                finding=network.findings[f].answered_as,
                state=network.findings[f].states[checked[f]],
                log_odds_change=_difference(float(log_odds[0]), float(log_odds[1 + j])),
            )
            for j, f in enumerate(observed)
        ]
        # To 1e-12, as the sites are ranked: a left and a right twin, or a change that is 0 but
        # for rounding, differ in their last digits from one tree to another.
        contributions.sort(key=lambda c: (-round(abs(c.log_odds_change), 12), c.finding))
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


Rows = tuple[list[int], dict[int, int], FloatArray, FloatArray]
"""One observed finding per answer in row order, each tree variable's column, and ``P(x =
1)``, ``P(x = 0)`` per row (row 0: all the evidence; row ``j + 1``: without answer ``j``)."""


def _answers(network: Network, observed: list[int]) -> list[list[int]]:
    """The positions in ``observed`` of each answer's findings (a risk factor's copies
    together), in order of first appearance."""
    out: dict[str, list[int]] = {}
    for j, f in enumerate(observed):
        out.setdefault(network.findings[f].answered_as, []).append(j)
    return list(out.values())


def _table_rows(
    compiled: CompiledNetwork, evidence: dict[int, int], extra: int, targets: list[int]
) -> Rows:
    """The leave-one-out rows through the tree of all the evidence, every finding a factor
    (only the ``targets``' marginals are read)."""
    absorbed = absorb(compiled, evidence, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    observed = list(absorbed.normals) + list(absorbed.positives) + list(absorbed.detached)
    answers = _answers(compiled.network, observed)
    firsts = [observed[group[0]] for group in answers]
    batch = 1 + len(answers)
    if not absorbed.tree.variables:
        return firsts, {}, np.zeros((batch, 0)), np.zeros((batch, 0))
    # 2–3. Propagate the rows, in chunks when the tree is large (memory).
    step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size))
    parts = []
    left = [[], *answers]
    for start in range(0, batch, step):
        chunk = left[start : start + step]
        log_unary = _leave_out_unary(compiled, absorbed, chunk)
        result = _propagate_rows(absorbed, chunk, log_unary, targets)
        if start == 0 and not math.isfinite(float(result.log_z[0])):
            raise ImpossibleEvidenceError("the evidence has probability zero under the network")
        parts.append((result.present, result.absent))
    column = {v: j for j, v in enumerate(absorbed.tree.variables)}
    present = np.concatenate([p for p, _ in parts])
    return firsts, column, present, np.concatenate([a for _, a in parts])


def _split_rows(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    absorbed: Absorbed,
    terms: Terms,
    targets: list[int],
) -> Rows | None:
    """:func:`_table_rows` with the split findings as terms, on ``absorbed``, the tree of the
    rest of the evidence (:func:`.inference.absorb_terms`): every row is propagated once
    per term and summed with the row's signed weights (a split finding's own row drops
    its terms). ``None`` when a sum cancels too much for its probabilities to be exact."""
    observed = [*absorbed.normals, *absorbed.positives, *absorbed.detached, *terms.findings]
    own = len(observed) - len(terms.findings)
    answers = _answers(compiled.network, observed)
    if any(len(group) > 1 and group[-1] >= own for group in answers):
        return None  # a risk factor's copy split into terms: leave them out by the tables
    batch, count = 1 + len(answers), len(terms.signs)
    # A split finding's row keeps every other factor and drops its terms.
    left = [[], *([] if group[0] >= own else group for group in answers)]
    per_row = [terms] + [
        terms if group[0] < own else leave_out(compiled, evidence, terms, group[0] - own)
        for group in answers
    ]
    column = {v: j for j, v in enumerate(absorbed.tree.variables)}
    checked = [column[v] for v in targets if v in column]
    step = max(1, _MAX_ENTRIES // max(1, absorbed.tree.size * count))
    present = np.empty((batch, len(absorbed.tree.variables)))
    absent = np.empty_like(present)
    for start in range(0, batch, step):
        chunk = list(range(start, min(start + step, batch)))
        rest = [left[r] for r in chunk]
        base = _leave_out_unary(compiled, absorbed, rest)
        rows = np.repeat(base, count, axis=0)
        for i, r in enumerate(chunk):
            rows[i * count : (i + 1) * count, : compiled.n_hidden] += per_row[r].log_rows
        result = _propagate_rows(absorbed, rest, rows, targets, count)
        for i, r in enumerate(chunk):
            block = slice(i * count, (i + 1) * count)
            combined = combine(result.log_z[block], per_row[r])
            if combined is None:
                return None
            weights = combined[0]
            for out, values in ((present, result.present), (absent, result.absent)):
                signed = weights @ values[block]
                magnitude = np.abs(weights) @ values[block]
                if not (magnitude[checked] <= MAX_CANCELLATION * signed[checked]).all():
                    return None  # a small probability left inexact by the cancellation
                out[r] = signed
    return [observed[group[0]] for group in answers], column, present, absent


def _leave_out_unary(
    compiled: CompiledNetwork, absorbed: Absorbed, rows: list[list[int]]
) -> FloatArray:
    """Unary factors for each row: the normal findings among its positions left out."""
    log_unary = np.repeat(absorbed.log_unary, len(rows), axis=0)
    n_normal = len(absorbed.normals)
    dropped = [(i, [j for j in row if j < n_normal]) for i, row in enumerate(rows)]
    dropped = [(i, js) for i, js in dropped if js]
    if dropped:
        log_unary[[i for i, _ in dropped], : compiled.n_hidden] = unary_log_factors(
            compiled, list(absorbed.normals), leave_out=[js for _, js in dropped]
        )
    return log_unary


def _propagate_rows(
    absorbed: Absorbed,
    rows: list[list[int]],
    log_unary: FloatArray,
    targets: list[int],
    repeat: int = 1,
) -> Propagation:
    """Propagate ``rows`` (each ``repeat`` times in ``log_unary``), the tables of the abnormal
    findings among each row's positions replaced by ones (the auxiliaries of a chain then sum
    to a constant, which leaves marginals alone); only the ``targets``' marginals are read."""
    n_normal = len(absorbed.normals)
    tree = absorbed.tree
    # Only the cliques holding a left-out table are multiplied out again, in the order
    # static_potentials multiplies them; the others keep the evidence's (batch axis 1).
    left_out = {j for row in rows for j in row if j >= n_normal}  # abnormal answers' positions
    changed = {
        tree.placement[j]
        for j, owner in enumerate(absorbed.owners)
        if n_normal + owner in left_out and owner >= 0
    }
    static = list(absorbed.static)
    for k in changed:
        static[k] = None
    for j, ((scope, table), owner) in enumerate(
        zip(absorbed.factors, absorbed.owners, strict=True)
    ):
        k = tree.placement[j]
        if k not in changed:
            continue
        mine = [i for i, row in enumerate(rows) if owner >= 0 and n_normal + owner in row]
        if mine:
            table = np.broadcast_to(table, (len(rows) * repeat, *table.shape)).copy()
            for i in mine:
                table[i * repeat : (i + 1) * repeat] = 1.0
        piece = placed_factor(scope, table, tree.cliques[k])
        current = static[k]
        static[k] = piece if current is None else current * piece
    held = set(tree.variables)
    wanted = [v for v in targets if v in held]
    return propagate(tree, static, log_unary, wanted=wanted)


def _log_odds(present: FloatArray, absent: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore"):
        return np.log(present) - np.log(absent)


def _difference(full: float, without: float) -> float:
    """``full − without``; 0 when both are the same infinity (the finding changed nothing)."""
    if math.isinf(full) and full == without:
        return 0.0
    return full - without
