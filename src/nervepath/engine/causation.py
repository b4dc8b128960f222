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
causes produces. A caller may add a node's *expressions* to its family: hidden children
through which it produces findings (a quality felt over a site's whole region pattern, a
polyneuropathy's numb stocking). What an expression produces is credited to each of its
parents that is present: the pattern is one noisy-OR node, so which of its parents (or its
leak) turned it on is not an event of the model. This counts a present site as explaining a
pattern that its leak turned on, an upper bound on the mechanism-level quantity; it is
exact where the expression has one parent and no leak.

For a family ``G`` and the observed abnormal findings ``A``, that no member produces any
of them has probability ``∏_{g ∈ G, f ∈ A} C_{g,f}(0)^{x_g}`` and leaves each finding
to the other parents and its leak, i.e. its likelihood read at ``x_g = 0`` for every
``g ∈ G``. So::

    P(h = 1, G produces none | e) = Z_h P_h(h = 1) / Z

where ``Z_h`` and ``P_h`` come from the tree of ``e`` with, for each ``g ∈ G``, the
unary factor ``(1, ∏_f C_{g,f}(0))``, every factor of ``A`` read at ``g = 0`` (a parent
enters one factor of a finding: its table or one link of its chain) and, in the terms
of a split finding, ``g``'s unary factor left out. Every such variant (a *row*) fits the
tree of the full evidence and changes only the cliques that hold its family's factors, so
each row is propagated through the least subtree joining those, the other messages the
evidence's, up into it and down into its top (:mod:`nervepath.engine.variants`: about a
fifth of the tree's entries per row on the clinical vignettes, half of what the cliques and
all their ancestors took), with ``h`` held present, which gives ``Z_h P_h(h = 1)`` in one
collect pass.

Each link is an independent mechanism that fires with its probability (Pearl 1988,
§4.3.2, the noisy-OR's causal reading), which is what makes "produces" an event of the
model. The result is at most ``P(h = 1 | e)`` and is 0 for a node whose family has no
abnormal child observed.

The module is over 400 lines on purpose: the rows, their plan and the cliques each changes
(:func:`_changes`, :func:`_dirty`) are one algorithm whose parts share the row's meaning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork, placed_factor
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
from nervepath.engine.junction import LOG_ZERO, Propagation, propagate
from nervepath.engine.network import Network, NetworkError
from nervepath.engine.split import MAX_CANCELLATION, Terms, combine
from nervepath.engine.threads import one_blas_thread
from nervepath.engine.triangulation import bits_of
from nervepath.engine.variants import (
    Base,
    Change,
    base_of,
    collect_base,
    collect_variants,
    dirty_cliques,
    homes_of,
    tops_of,
)

__all__ = ["Causation", "Causing", "SplitTree", "causation", "probabilities_causing"]

FloatArray = npt.NDArray[np.float64]

_MAX_ENTRIES = 1 << 22
"""Rows are propagated in chunks so that a batch of trees stays near this many entries."""


@dataclass(frozen=True, slots=True)
class Causing:
    """A group's ``P(some node of it present | e)`` and ``P(… and it explains some of e | e)``."""

    present: float
    explains: float


@dataclass(frozen=True, slots=True, eq=False)
class SplitTree:
    """The junction tree of ``evidence`` without its split findings (holding every node the
    origin groups asked about), and those findings' signed terms: what
    :func:`.explain.explain` would build again for the same evidence (any split is exact)."""

    evidence: dict[int, int]
    absorbed: Absorbed
    terms: Terms


@dataclass(frozen=True, slots=True, eq=False)
class Causation:
    """:func:`causation`'s answer: ``P(h = 1 | e)`` of every hidden node (``marginals``, by
    index), each group's :class:`Causing`, and the split tree they were propagated on (None
    where the tables were used)."""

    marginals: FloatArray
    groups: tuple[Causing, ...]
    split: SplitTree | None = None


@one_blas_thread
def probabilities_causing(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    groups: Sequence[Iterable[int | str]],
    *,
    effects: Iterable[int | str] | None = None,
    expressions: Mapping[int, Sequence[int]] | None = None,
) -> tuple[Causing, ...]:
    """Per group of hidden nodes: ``P(some node of it is present | e)`` and ``P(some node of
    it is present, and the group's family produces at least one observed abnormal finding |
    e)``; for a group of one node ``h``, ``P(h = 1 | e)`` and ``P(h = 1 and h or one of its
    parents produces one | e)``. The first of a group is
    :func:`.inference.probability_all_absent`'s complement, from the same batch.

    ``effects`` (finding indices or names) limits the findings that count as produced,
    e.g. to leave out risk factors, which a node's links predict but do not cause;
    ``None`` counts every finding. ``expressions`` (hidden node index → hidden node indices)
    adds each node's expressions to its family (module docstring). Raises
    :class:`ImpossibleEvidenceError` when ``P(evidence) = 0``.
    """
    return causation(source, evidence, groups, effects=effects, expressions=expressions).groups


@one_blas_thread
def causation(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    groups: Sequence[Iterable[int | str]],
    *,
    effects: Iterable[int | str] | None = None,
    expressions: Mapping[int, Sequence[int]] | None = None,
) -> Causation:
    """:func:`probabilities_causing`, with the posterior of every hidden node read from the
    same propagation of the evidence (its row 0), which :func:`.inference.infer` would
    otherwise repeat on a tree of its own: equal to it to rounding (the trees differ, the
    sums do not)."""
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    members = [node_indices(compiled, group) for group in groups]
    counted = None if effects is None else _effect_set(compiled, effects)
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
    rows, plans, extra = _plan(compiled, members, mask, log_silent, expressions or {})
    shared = None
    if rows:
        terms = split_for_rows(compiled, checked, extra, 1 + len(rows))
        counts = set(abnormal)
        absorbed = None if terms is None else absorb_terms(compiled, checked, terms, extra)
        found = None
        if absorbed is not None and terms is not None:
            found = _split(compiled, checked, rows, absorbed, terms, counts)
            if found is not None:
                shared = SplitTree(checked, absorbed, terms)
        if found is None:
            found = _tables(compiled, checked, rows, extra, counts)
        marginals, values = found
    else:  # nothing to explain: the posterior alone
        marginals, values = np.array(infer(compiled, checked).marginals), []
    np.clip(marginals, 0.0, 1.0, out=marginals)  # rounding can step 1 ulp outside, as infer's
    marginals.setflags(write=False)
    out: list[Causing] = []
    for group, plan in zip(members, plans, strict=True):
        if len(group) == 1:
            v = group[0]
            p = float(marginals[v])
            silent = values[plan[0]] if plan else p
        elif group:
            p = min(1.0, max(0.0, 1.0 - values[plan[0]]))
            silent = p if len(plan) == 1 else values[plan[1]] - values[plan[2]]
        else:
            p = silent = 0.0
        out.append(Causing(p, min(p, max(0.0, p - silent))))
    return Causation(marginals, tuple(out), shared)


def _effect_set(compiled: CompiledNetwork, effects: Iterable[int | str]) -> frozenset[int]:
    """The findings of ``effects`` as a set of indices (a frozenset of indices as it is: the
    service passes the same one for every case, about 800 findings)."""
    if isinstance(effects, frozenset) and all(type(f) is int for f in effects):
        if effects and not 0 <= min(effects) <= max(effects) < len(compiled.network.findings):
            raise NetworkError(f"a finding index out of range in {sorted(effects)!r}")
        return effects
    return frozenset(finding_indices(compiled, effects))


def _plan(
    compiled: CompiledNetwork,
    members: list[list[int]],
    mask: int,
    log_silent: FloatArray,
    expressions: Mapping[int, Sequence[int]],
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
            {
                g
                for v in group
                for g in (v, *(p for p, _ in hidden[v].parents), *expressions.get(v, ()))
                if (mask >> g) & 1
            }
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


Found = tuple[FloatArray, list[float]]
"""``P(h = 1 | e)`` of every hidden node (the prior outside the tree), and each row's value:
its mass over ``P(e)``, with ``read`` held present in the row where it reads a node."""


def _tables(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    rows: list[_Row],
    extra: int,
    counts: set[int],
) -> Found:
    """Every abnormal finding a factor of one tree; row 0 is the evidence itself."""
    absorbed = absorb(compiled, evidence, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    first = propagate(
        absorbed.tree, absorbed.static, absorbed.log_unary, wanted=absorbed.hidden_variables
    )
    if not math.isfinite(float(first.log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")

    def unary(chunk: Sequence[_Row]) -> FloatArray:
        log_unary = np.repeat(absorbed.log_unary, len(chunk), axis=0)
        for i, row in enumerate(chunk):
            row.unary(log_unary[i : i + 1])
        return log_unary

    log_z = _variants(absorbed, absorbed.log_unary, rows, 1, counts, unary, first)
    with np.errstate(under="ignore", invalid="ignore"):
        values = np.nan_to_num(np.exp(log_z[:, 0] - first.log_z[0]))
    return _hidden_marginals(compiled, absorbed, first.present[0]), [float(v) for v in values]


def _split(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    rows: list[_Row],
    absorbed: Absorbed,
    terms: Terms,
    counts: set[int],
) -> Found | None:
    """:func:`_tables` with the widest findings as signed terms (:mod:`nervepath.engine.split`)
    on ``absorbed``, the tree of the rest of the evidence (:func:`.inference.absorb_terms`):
    every row once per term, a silenced family's unary factors in the terms left out.
    ``None`` (use the tables) when a sum cancels too much to be exact to about 1e-12."""
    count = len(terms.signs)
    own = _own_factors(compiled, evidence, terms, counts)
    base = np.repeat(absorbed.log_unary, count, axis=0)
    base[:, : compiled.n_hidden] += terms.log_rows
    first = propagate(absorbed.tree, absorbed.static, base, wanted=absorbed.hidden_variables)

    def unary(chunk: Sequence[_Row]) -> FloatArray:
        log_unary = np.tile(base, (len(chunk), 1))
        for i, row in enumerate(chunk):
            block = log_unary[i * count : (i + 1) * count]
            block[:, list(row.family)] -= own[list(row.family)].T
            row.unary(block)
        return log_unary

    combined = combine(first.log_z, terms)
    if combined is None:
        return None
    weights, log_total = combined
    log_z = _variants(absorbed, base, rows, count, counts, unary, first)
    # Each row's value is a signed sum of terms, each rounded to about ε of its magnitude:
    # their magnitudes (over P(e)) must stay small for the value to be exact.
    with np.errstate(under="ignore"):
        scaled = np.exp(log_z + terms.log_constants - log_total)
    if not (np.nan_to_num(scaled, nan=np.inf).sum(axis=1) <= MAX_CANCELLATION).all():
        return None
    values = (terms.signs * scaled).sum(axis=1)
    present = weights @ first.present
    return _hidden_marginals(compiled, absorbed, present), [float(v) for v in values]


def _variants(
    absorbed: Absorbed,
    base_unary: FloatArray,
    rows: list[_Row],
    count: int,
    counts: set[int],
    unary: Callable[[Sequence[_Row]], FloatArray],
    first: Propagation,
) -> FloatArray:
    """Each row's ``log Z`` per term (``(R, count)``), with its ``read`` node held present, its
    rows ``unary(rows)``: propagated through the least subtree joining the cliques the row
    changes, the rest of the tree's messages the evidence's (:mod:`nervepath.engine.variants`),
    in chunks of about :data:`_MAX_ENTRIES` table entries. ``first``, the evidence's own
    propagation (``base_unary``), lends its collect pass to the base."""
    tree = absorbed.tree
    dirty = _dirty(absorbed, rows, counts)
    bases: dict[bool, Base | None] = {
        first.careful: base_of(tree, absorbed.static, base_unary, first, tops=tops_of(tree, dirty))
    }

    def based(careful: bool) -> Base | None:
        if careful not in bases:
            bases[careful] = collect_base(
                tree, absorbed.static, base_unary, careful=careful, tops=tops_of(tree, dirty)
            )
        return bases[careful]

    sizes = [1 << len(clique) for clique in tree.cliques]
    log_z = np.empty((len(rows), count))
    start = 0
    while start < len(rows):
        stop, entries = start, 0
        while stop < len(rows) and (stop == start or entries < _MAX_ENTRIES):
            entries += count * sum(sizes[k] for k in dirty[stop])
            stop += 1
        chunk = rows[start:stop]
        args = (
            _changes(absorbed, chunk, count, counts),
            unary(chunk),
        )
        held = [row.read for row in chunk]
        done = None
        for careful in (False, True):  # the fast pass, else the careful one
            base = None if done is not None else based(careful)
            if base is not None:
                done = collect_variants(tree, absorbed.static, *args, base, dirty[start:stop], held)
        assert done is not None
        log_z[start:stop] = done
        start = stop
    return log_z


def _dirty(absorbed: Absorbed, rows: list[_Row], counts: set[int]) -> list[tuple[int, ...]]:
    """Per row: the cliques whose factors it changes (its nodes' unary factors, the counted
    findings' factors that hold a member of its family, the home of the node it reads) and
    the cliques on the paths between them (:func:`.variants.dirty_cliques`)."""
    tree = absorbed.tree
    homes = homes_of(tree)
    counted = {j for j, f in enumerate(absorbed.positives) if f in counts}
    holding: dict[int, set[int]] = {}
    for j, ((scope, _), owner) in enumerate(zip(absorbed.factors, absorbed.owners, strict=True)):
        if owner in counted:
            for g in bits_of(scope):
                holding.setdefault(g, set()).add(tree.placement[j])
    out = []
    for row in rows:
        changed: set[int] = set()
        for g in (*row.family, *row.absent, *(() if row.read is None else (row.read,))):
            if g in homes:
                changed.add(homes[g])
        for g in row.family:
            changed |= holding.get(g, set())
        out.append(dirty_cliques(tree, changed))
    return out


def _hidden_marginals(
    compiled: CompiledNetwork, absorbed: Absorbed, present: FloatArray
) -> FloatArray:
    """``P(h = 1 | e)`` of every hidden node: row 0's ``present`` for the tree's, the prior for
    the others (no evidence reaches them), as :func:`.inference.infer` reads them."""
    marginals = np.array(compiled.prior_marginals)
    marginals[absorbed.hidden_variables] = present[absorbed.hidden_columns]
    return marginals


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


def _changes(
    absorbed: Absorbed, rows: Sequence[_Row], repeat: int, counts: set[int]
) -> list[Change | None]:
    """Per clique: the rows whose family changes its static table, and the table for them
    (each row ``repeat`` times): every factor of a counted abnormal finding read at ``g = 0``
    for each member ``g`` of the row's family."""
    tree = absorbed.tree
    counted = {j for j, f in enumerate(absorbed.positives) if f in counts}
    touched: dict[int, dict[int, list[tuple[int, list[int]]]]] = {}  # clique → factor → rows
    for j, ((scope, _), owner) in enumerate(zip(absorbed.factors, absorbed.owners, strict=True)):
        if owner not in counted:
            continue
        for i, row in enumerate(rows):
            members = [g for g in row.family if (scope >> g) & 1]
            if members:
                touched.setdefault(tree.placement[j], {}).setdefault(j, []).append((i, members))
    out: list[Change | None] = [None] * len(tree.cliques)
    for k, by_factor in touched.items():
        mine = sorted({i for pairs in by_factor.values() for i, _ in pairs})
        slot = {i: s for s, i in enumerate(mine)}
        product: FloatArray | None = None
        for j in (j for j, at in enumerate(tree.placement) if at == k):
            scope, table = absorbed.factors[j]
            if j in by_factor:
                table = np.broadcast_to(table, (len(mine) * repeat, *table.shape)).copy()
                ids = bits_of(scope)
                for i, members in by_factor[j]:
                    for g in members:
                        index: list[slice | int] = [slice(None)] * table.ndim
                        index[0] = slice(slot[i] * repeat, (slot[i] + 1) * repeat)
                        axis = 1 + ids.index(g)
                        absent = tuple([*index[:axis], 0, *index[axis + 1 :]])
                        index[axis] = 1
                        table[tuple(index)] = table[absent]
            piece = placed_factor(scope, table, tree.cliques[k])
            product = piece if product is None else product * piece
        assert product is not None
        out[k] = (tuple(mine), product)
    return out
