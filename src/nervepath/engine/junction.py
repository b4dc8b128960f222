"""Junction trees over binary variables, and batched Hugin propagation on them.

A :class:`JunctionTree` is built from the *scopes* of a set of factors (each a set of
variable indices): the scopes are moralised into an interaction graph, the graph is
triangulated by greedy elimination (simplicial nodes first, then min-fill; Kjærulff
1990, Rose 1970), the elimination cliques are joined into a tree (each clique hangs
from the clique of the first of its other variables to be eliminated; Shenoy & Shafer
1990, Lauritzen & Spiegelhalter 1988), and adjacent cliques are merged while their
union stays small, because on tables of a few dozen entries NumPy's per-call overhead
costs more than the arithmetic.

:func:`propagate` runs the Hugin architecture (Jensen, Lauritzen & Olesen 1990) on a
*batch* of ``B`` problems that share the tree: every potential has a leading batch
axis. Each clique starts as ``static · exp(Σ_v x_v · log λ_v)``, the product of its
multi-variable tables and of the unary factors ``λ_v = (1, λ_v(1))`` of the
variables homed there. A collect pass sends ``m = Σ_{C∖S} ψ_C`` towards the roots,
each message rescaled to sum 1 (the scale goes into ``log Z``); a distribute pass
sets ``ψ_C ← ψ_C · P(S | e) / m``, after which every clique holds the posterior of
its variables. All variables are binary, and within every table the axes follow the
variables' ascending indices, so a separator message broadcasts into either clique
by a plain reshape (no transposes).

Hand-written rather than taken from a library: no Python library exploits the
noisy-OR / noisy-MAX structure (pyAgrum and pgmpy moralise the parents of every
observed finding, normal ones included, which the engine absorbs into unary factors),
and none batches many soft-evidence variants through one tree, which the
leave-one-out explanations and the question ranking need.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.triangulation import EliminationHint, bits_of, eliminate

__all__ = [
    "LOG_ZERO",
    "MERGE_LIMIT",
    "JunctionTree",
    "Propagation",
    "build_tree",
    "propagate",
]

FloatArray = npt.NDArray[np.float64]

LOG_ZERO = -1e300
"""Stands for ``log 0`` in unary log-factors: finite, so ``0 · LOG_ZERO`` is 0, not NaN."""

MERGE_LIMIT = 9
"""Adjacent cliques are merged while their union has at most this many variables."""

_REFINE_SIZE = 16384
"""Above this many table entries, the elimination is retried with min-fill."""

_BITS_LIMIT = 14
"""Cliques up to this size use cached indicator matrices (one matmul per step)."""


@dataclass(frozen=True, slots=True, eq=False)
class JunctionTree:
    """Cliques in collect order (children before parents) and what propagation needs.

    ``variables`` lists every variable in the tree, ascending; ``placement[j]`` is the
    clique that holds scope ``j`` of :func:`build_tree`'s input.
    """

    variables: tuple[int, ...]
    cliques: tuple[tuple[int, ...], ...]
    parents: tuple[int, ...]
    shapes: tuple[tuple[int, ...], ...]
    up_axes: tuple[tuple[int, ...], ...]
    up_shapes: tuple[tuple[int, ...], ...]
    down_axes: tuple[tuple[int, ...], ...]
    down_shapes: tuple[tuple[int, ...], ...]
    homes: tuple[tuple[int, ...], ...]
    home_index: tuple[npt.NDArray[np.intp], ...]
    home_axes: tuple[tuple[int, ...], ...]
    home_bits: tuple[FloatArray | None, ...]
    marginal_bits: tuple[FloatArray | None, ...]
    placement: tuple[int, ...]
    home_order: npt.NDArray[np.intp]

    @property
    def width(self) -> int:
        """Largest clique size (treewidth + 1 of the triangulation used)."""
        return max((len(c) for c in self.cliques), default=0)

    @property
    def size(self) -> int:
        """Total number of table entries per batch element."""
        return sum(1 << len(c) for c in self.cliques)


@functools.lru_cache(maxsize=32)
def _configurations(size: int) -> FloatArray:
    """``(2^size, 2·size)``: each variable's indicator of 1, then of 0, per configuration."""
    bits = ((np.arange(1 << size)[:, None] >> np.arange(size)[::-1]) & 1).astype(np.float64)
    out = np.concatenate([bits, 1.0 - bits], axis=1)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=4096)
def _marginal_bits(size: int, where: tuple[int, ...]) -> FloatArray:
    """``(2^size, 2·len(where))``: indicators of ``x_w = 1`` then of ``x_w = 0``."""
    columns = [*where, *(size + w for w in where)]
    out = np.ascontiguousarray(_configurations(size)[:, columns])
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=4096)
def _home_bits(size: int, where: tuple[int, ...]) -> FloatArray:
    """``(len(where), 2^size)``: row ``j`` is ``x_{where[j]}`` over the configurations."""
    out = np.ascontiguousarray(_marginal_bits(size, where)[:, : len(where)].T)
    out.setflags(write=False)
    return out


def _first_eliminated(mask: int, position: list[int]) -> int:
    """The earliest elimination position among the variables of a non-empty ``mask``."""
    return min(position[v] for v in bits_of(mask))


def build_tree(
    adj: list[int],
    alive: int,
    scopes: Sequence[int],
    *,
    hint: EliminationHint | None = None,
    touched: int = 0,
    merge_limit: int = MERGE_LIMIT,
) -> JunctionTree:
    """A junction tree over the variables in ``alive`` (a bitmask).

    ``adj`` holds each variable's neighbour bitmask in the interaction graph (it is
    not modified); every factor scope (a bitmask in
    ``scopes``) must be a clique of it. ``hint`` and ``touched``: see :func:`eliminate`.
    """
    # 1. Eliminate (min-degree; min-fill over a few candidates when that gives large
    #    tables); clique of v = v and its neighbours, hung below the clique of the
    #    first of those neighbours to be eliminated.
    order = eliminate(list(adj), alive, hint=hint, touched=touched)
    if sum(1 << nb.bit_count() for _, nb in order) > _REFINE_SIZE:
        refined = eliminate(list(adj), alive, hint=hint, touched=touched, candidates=4)
        if sum(1 << nb.bit_count() for _, nb in refined) < sum(
            1 << nb.bit_count() for _, nb in order
        ):
            order = refined
    count = len(order)
    position = [0] * len(adj)
    for i, (v, _) in enumerate(order):
        position[v] = i
    masks = [nb | (1 << v) for v, nb in order]
    parent = [-1] * count
    for i, (_, nb) in enumerate(order):
        if nb:
            parent[i] = _first_eliminated(nb, position)
    # 2. Merge a clique into its parent when one contains the other or their union is
    #    small (union-find on elimination positions; parents come later in the order).
    rep = list(range(count))

    def find(i: int) -> int:
        while rep[i] != i:
            rep[i] = rep[rep[i]]
            i = rep[i]
        return i

    for i in range(count):
        if parent[i] < 0:
            continue
        p = find(parent[i])
        union = masks[i] | masks[p]
        if union == masks[p] or union == masks[i] or union.bit_count() <= merge_limit:
            masks[p] = union
            rep[i] = p
    # Independent components with small cliques share one clique too (a product of
    # independent tables is exact); the earlier root joins the later one so children
    # still come before their parents.
    pack = -1
    for i in range(count):
        if parent[i] >= 0 or rep[i] != i:
            continue
        if pack >= 0 and (masks[pack] | masks[i]).bit_count() <= merge_limit:
            masks[i] |= masks[pack]
            rep[pack] = i
        pack = i
    kept = [i for i in range(count) if rep[i] == i]
    index = [0] * count
    for k, i in enumerate(kept):
        index[i] = k
    home_of = [index[find(i)] for i in range(count)]
    cliques = tuple(tuple(bits_of(masks[i])) for i in kept)
    parents = tuple(home_of[parent[i]] if parent[i] >= 0 else -1 for i in kept)
    homes_lists: list[list[int]] = [[] for _ in kept]
    for i, (v, _) in enumerate(order):
        homes_lists[home_of[i]].append(v)
    homes = tuple(tuple(sorted(h)) for h in homes_lists)
    placement: list[int] = []
    for scope in scopes:
        placement.append(home_of[_first_eliminated(scope, position)])
    # 3. Axes and shapes for messages (the batch axis comes last); the same cliques
    #    recur from case to case, so their layouts are cached.
    layouts = [_clique_layout(clique, homes[k]) for k, clique in enumerate(cliques)]
    edges = [
        _edge_layout(clique, cliques[parents[k]]) if parents[k] >= 0 else _ROOT_EDGE
        for k, clique in enumerate(cliques)
    ]
    flat_homes = [v for h in homes for v in h]
    home_order = np.argsort(np.asarray(flat_homes, dtype=np.intp), kind="stable")
    return JunctionTree(
        variables=tuple(sorted(flat_homes)),
        cliques=cliques,
        parents=parents,
        shapes=tuple(layout[0] for layout in layouts),
        up_axes=tuple(edge[0] for edge in edges),
        up_shapes=tuple(edge[1] for edge in edges),
        down_axes=tuple(edge[2] for edge in edges),
        down_shapes=tuple(edge[3] for edge in edges),
        homes=homes,
        home_index=tuple(layout[1] for layout in layouts),
        home_axes=tuple(layout[2] for layout in layouts),
        home_bits=tuple(layout[3] for layout in layouts),
        marginal_bits=tuple(layout[4] for layout in layouts),
        placement=tuple(placement),
        home_order=home_order.astype(np.intp),
    )


_ROOT_EDGE: tuple[tuple[int, ...], ...] = ((), (), (), ())


@functools.lru_cache(maxsize=8192)
def _clique_layout(
    clique: tuple[int, ...], homes: tuple[int, ...]
) -> tuple[
    tuple[int, ...], npt.NDArray[np.intp], tuple[int, ...], FloatArray | None, FloatArray | None
]:
    """Shape, home indices and positions, and indicator matrices of a clique."""
    size = len(clique)
    where = tuple(clique.index(v) for v in homes)
    index = np.asarray(homes, dtype=np.intp)
    index.setflags(write=False)
    small = size <= _BITS_LIMIT
    return (
        (2,) * size,
        index,
        where,
        _home_bits(size, where) if small else None,
        _marginal_bits(size, where) if small else None,
    )


@functools.lru_cache(maxsize=8192)
def _edge_layout(clique: tuple[int, ...], parent: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Up axes, up shape, down axes, down shape of a clique and its parent."""
    inside = set(parent)
    mine = set(clique)
    return (
        tuple(a for a, v in enumerate(clique) if v not in inside),
        tuple(2 if v in mine else 1 for v in parent),
        tuple(a for a, v in enumerate(parent) if v not in mine),
        tuple(2 if v in inside else 1 for v in clique),
    )


@dataclass(frozen=True, slots=True, eq=False)
class Propagation:
    """Result of :func:`propagate` for a batch of ``B`` problems.

    ``present[b, j]`` and ``absent[b, j]`` are ``P(x = 1 | ·)`` and ``P(x = 0 | ·)`` of
    ``tree.variables[j]`` (both computed directly, so log-odds stay accurate near 0
    and 1); ``log_z[b]`` is the log of the total mass (``-inf`` when it is 0);
    ``potentials[k]`` is clique ``k``'s calibrated table ``P(C_k | ·)``, batch last.
    """

    present: FloatArray
    absent: FloatArray
    log_z: FloatArray
    potentials: tuple[FloatArray, ...]


def propagate(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
) -> Propagation:
    """Batched Hugin propagation; see the module docstring.

    ``static[k]`` is clique ``k``'s product of multi-variable tables, shaped
    ``(*tree.shapes[k], 1)`` or ``(*tree.shapes[k], B)`` (batch axis last; see
    :func:`nervepath.engine.compiled.static_potentials`), or ``None``. ``log_unary`` has shape
    ``(B, n)`` with ``n`` above every variable index: ``log λ_v(1)`` (``λ_v(0) = 1``).

    A first pass skips the rescaling of messages (the factors are probabilities, so
    nothing overflows); if the mass at a root falls below ``1e-250`` or anything is
    not finite, the pass is redone with every message rescaled and with 0/0 read as 0.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        result = _propagate(tree, static, log_unary, careful=False)
        if result is None:
            result = _propagate(tree, static, log_unary, careful=True)
    assert result is not None
    return result


_TINY = 1e-250


def _propagate(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    *,
    careful: bool,
) -> Propagation | None:
    # Tables are laid out (2, …, 2, B): the batch axis last and contiguous, so that
    # sums over clique axes and broadcast products run over whole rows of B.
    b = log_unary.shape[0]
    n = len(tree.cliques)
    if n == 0:
        empty = np.zeros((b, 0))
        return Propagation(present=empty, absent=empty, log_z=np.zeros(b), potentials=())
    parents = tree.parents
    columns = np.ascontiguousarray(log_unary.T)
    pots: list[FloatArray] = []
    # 1. Initial potentials: unary factors of the homed variables times static tables.
    for k in range(n):
        shape = (*tree.shapes[k], b)
        bits = tree.home_bits[k]
        if bits is not None:
            pot = np.exp(bits.T @ columns[tree.home_index[k]]).reshape(shape)
        else:
            pot = np.ones(shape)
            lam = np.exp(columns[tree.home_index[k]])
            for j, axis in enumerate(tree.home_axes[k]):
                factor_shape = [1] * len(shape)
                factor_shape[axis] = 2
                factor_shape[-1] = b
                factor = np.stack([np.ones(b), lam[j]])
                pot = pot * factor.reshape(factor_shape)
        table = static[k]
        if table is not None:
            pot *= table
        pots.append(pot)
    messages: list[FloatArray] = [pots[0]] * n
    scales: list[FloatArray] = []
    # 2. Collect towards the roots (rescaling every message in the careful pass).
    for k in range(n):
        p = parents[k]
        pot = pots[k]
        if p < 0:
            total = pot.reshape(-1, b).sum(axis=0)
            if not careful and not (total > _TINY).all():
                return None
            scales.append(total)
            pot /= _safe(total)
            continue
        message = pot.sum(axis=tree.up_axes[k])
        messages[k] = message
        if careful:
            total = message.reshape(-1, b).sum(axis=0)
            scales.append(total)
            message = message / _safe(total)
        pots[p] *= message.reshape((*tree.up_shapes[k], b))
    # 3. Distribute from the roots: child ← child · P(S | e) / m.
    for k in range(n - 1, -1, -1):
        p = parents[k]
        if p < 0:
            continue
        shape = (*tree.down_shapes[k], b)
        separator = pots[p].sum(axis=tree.down_axes[k]).reshape(shape)
        old = messages[k].reshape(shape)
        if careful:
            ratio = np.divide(separator, old, out=np.zeros(shape), where=old != 0)
        else:
            # Exact zeros (impossible configurations) make 0/0 here; adding 1e-300 reads
            # it as 0 and leaves any message entry that matters unchanged, since the
            # fast pass only stands when the root mass is above 1e-250.
            ratio = separator / (old + 1e-300)
        pots[k] *= ratio
    log_z = np.log(np.stack(scales)).sum(axis=0) if scales else np.zeros(b)
    # 4. Marginals of each clique's home variables, reordered by variable index.
    present_parts: list[FloatArray] = []
    absent_parts: list[FloatArray] = []
    for k in range(n):
        h = len(tree.homes[k])
        bits = tree.marginal_bits[k]
        if bits is not None:
            both = bits.T @ pots[k].reshape(-1, b)
            present_parts.append(both[:h])
            absent_parts.append(both[h:])
            continue
        pot = pots[k]
        for axis in tree.home_axes[k]:
            others = tuple(a for a in range(pot.ndim - 1) if a != axis)
            pair = pot.sum(axis=others)
            present_parts.append(pair[1:])
            absent_parts.append(pair[:1])
    present = np.concatenate(present_parts, axis=0)[tree.home_order].T
    absent = np.concatenate(absent_parts, axis=0)[tree.home_order].T
    if not careful and not (np.isfinite(present).all() and np.isfinite(absent).all()):
        return None
    return Propagation(present=present, absent=absent, log_z=log_z, potentials=tuple(pots))


def _safe(total: FloatArray) -> FloatArray:
    """``total`` with zeros replaced by ones (a zero mass stays zero when divided)."""
    return np.where(total > 0.0, total, 1.0)
