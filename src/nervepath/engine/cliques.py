"""Junction trees over binary variables: the structure, built by greedy elimination.

A :class:`JunctionTree` is built from the *scopes* of a set of factors (each a set of
variable indices): the scopes are moralised into an interaction graph, the graph is
triangulated by greedy elimination (simplicial nodes first, then min-degree, or
min-fill when the tables would be large; Kjærulff 1990, Rose 1970), the elimination
cliques are joined into a tree (each clique hangs from the clique of the first of
its other variables to be eliminated; Shenoy & Shafer 1990, Lauritzen & Spiegelhalter
1988), and adjacent cliques are merged while their union stays small, because on
tables of a few dozen entries NumPy's per-call overhead costs more than the
arithmetic.

Within every clique the variables are ordered by *elimination position*. A clique's
home variables (those eliminated in it) are eliminated before every other variable
of the clique, and those others are exactly its separator with its parent (they are
eliminated higher up and, by the running-intersection property, lie in the parent).
So every table is laid out ``(homes…, separator…)``: the upward message sums a
leading block of axes and the downward update multiplies a trailing one, two
contiguous operations instead of NumPy reductions over scattered axes of length 2,
which cost 5–30× more on the large cliques. Since all cliques share that one order,
a separator's variables also appear in the same relative order in both cliques.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.triangulation import EliminationHint, bits_of, eliminate, min_fill

__all__ = ["MERGE_LIMIT", "REFINE_SIZE", "JunctionTree", "build_tree", "tree_size"]

FloatArray = npt.NDArray[np.float64]

MERGE_LIMIT = 9
"""Adjacent cliques are merged while their union has at most this many variables."""

REFINE_SIZE = 1 << 17
"""Above this many table entries, the elimination is redone with full min-fill: it
costs a few milliseconds of Python, repaid only by large tables."""


@dataclass(frozen=True, slots=True, eq=False)
class JunctionTree:
    """Cliques in collect order (children before parents) and what propagation needs.

    ``variables`` lists every variable in the tree, ascending; ``cliques[k]`` its
    variables in elimination order, the ``n_homes[k]`` homes (``homes[k]``, indices in
    ``home_index[k]``) first. ``up_shapes[k]`` broadcasts clique ``k``'s separator
    into its parent, ``sep_positions[k]`` are those variables' axes in the parent and
    ``down_axes[k]`` the parent's other axes. ``placement[j]`` is the clique that holds
    scope ``j`` of :func:`build_tree`'s input; ``home_variables`` concatenates the
    homes (clique by clique) and ``home_order`` sorts them by variable index.
    """

    variables: tuple[int, ...]
    cliques: tuple[tuple[int, ...], ...]
    parents: tuple[int, ...]
    shapes: tuple[tuple[int, ...], ...]
    n_homes: tuple[int, ...]
    homes: tuple[tuple[int, ...], ...]
    home_index: tuple[npt.NDArray[np.intp], ...]
    up_shapes: tuple[tuple[int, ...], ...]
    sep_positions: tuple[tuple[int, ...], ...]
    down_axes: tuple[tuple[int, ...], ...]
    placement: tuple[int, ...]
    home_order: npt.NDArray[np.intp]
    home_variables: npt.NDArray[np.intp]

    @property
    def width(self) -> int:
        """Largest clique size (treewidth + 1 of the triangulation used)."""
        return max((len(c) for c in self.cliques), default=0)

    @property
    def size(self) -> int:
        """Total number of table entries per batch element."""
        return sum(1 << len(c) for c in self.cliques)


def tree_size(order: Sequence[tuple[int, int]]) -> int:
    """Total table entries of the elimination cliques of ``order`` (before merging)."""
    return sum(1 << nb.bit_count() for _, nb in order)


def _first_eliminated(mask: int, eliminated: list[int], low: int = 0) -> int:
    """The earliest elimination position, from ``low`` on, among the variables of ``mask``.

    ``eliminated[i]`` is the mask of the first ``i + 1`` variables eliminated, so the
    answer is the first ``i`` where it meets ``mask``: a binary search over a few
    integer ANDs instead of a walk over the set bits.
    """
    high = len(eliminated) - 1
    while low < high:
        middle = (low + high) >> 1
        if eliminated[middle] & mask:
            high = middle
        else:
            low = middle + 1
    return low


def build_tree(
    adj: list[int],
    alive: int,
    scopes: Sequence[int],
    *,
    hint: EliminationHint | None = None,
    touched: int = 0,
    merge_limit: int = MERGE_LIMIT,
    refine_size: int = REFINE_SIZE,
    order: list[tuple[int, int]] | None = None,
) -> JunctionTree:
    """A junction tree over the variables in ``alive`` (a bitmask).

    ``adj`` holds each variable's neighbour bitmask in the interaction graph (it is
    not modified); every factor scope (a bitmask in ``scopes``) must be a clique of
    it. ``hint`` and ``touched``: see :func:`eliminate`. When min-degree gives more
    than ``refine_size`` table entries, min-fill is tried and the smaller kept.
    ``order``: the min-degree elimination of ``adj``, when the caller already has it.
    """
    # 1. Eliminate; clique of v = v and its neighbours, hung below the clique of the
    #    first of those neighbours to be eliminated.
    if order is None:
        order = eliminate(list(adj), alive, hint=hint, touched=touched)
    if tree_size(order) > refine_size:
        refined = min_fill(list(adj), alive, hint=hint, touched=touched)
        if tree_size(refined) < tree_size(order):
            order = refined
    count = len(order)
    position = [0] * len(adj)
    eliminated: list[int] = []
    so_far = 0
    for i, (v, _) in enumerate(order):
        position[v] = i
        so_far |= 1 << v
        eliminated.append(so_far)
    masks = [nb | (1 << v) for v, nb in order]
    parent = [-1] * count
    for i, (_, nb) in enumerate(order):
        if nb:
            parent[i] = _first_eliminated(nb, eliminated, i + 1)
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
    # 3. Each clique's variables by elimination position: homes first (see the module
    #    docstring), then the separator with the parent.
    by_position = position.__getitem__
    cliques = tuple(tuple(sorted(bits_of(masks[i]), key=by_position)) for i in kept)
    parents = tuple(home_of[parent[i]] if parent[i] >= 0 else -1 for i in kept)
    n_homes = [0] * len(kept)
    for i in range(count):
        n_homes[home_of[i]] += 1
    placement = tuple(home_of[_first_eliminated(scope, eliminated)] for scope in scopes)
    edges = [
        _edge_layout(clique, cliques[parents[k]]) if parents[k] >= 0 else _ROOT_EDGE
        for k, clique in enumerate(cliques)
    ]
    homes = tuple(clique[: n_homes[k]] for k, clique in enumerate(cliques))
    flat_homes = [v for h in homes for v in h]
    home_variables = np.asarray(flat_homes, dtype=np.intp)
    home_order = np.argsort(home_variables, kind="stable")
    return JunctionTree(
        variables=tuple(sorted(flat_homes)),
        cliques=cliques,
        parents=parents,
        shapes=tuple((2,) * len(c) for c in cliques),
        n_homes=tuple(n_homes),
        homes=homes,
        home_index=tuple(_index(h) for h in homes),
        up_shapes=tuple(edge[0] for edge in edges),
        sep_positions=tuple(edge[1] for edge in edges),
        down_axes=tuple(edge[2] for edge in edges),
        placement=placement,
        home_order=home_order.astype(np.intp),
        home_variables=home_variables,
    )


_ROOT_EDGE: tuple[tuple[int, ...], ...] = ((), (), ())


@functools.lru_cache(maxsize=8192)
def _index(homes: tuple[int, ...]) -> npt.NDArray[np.intp]:
    out = np.asarray(homes, dtype=np.intp)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=8192)
def _edge_layout(clique: tuple[int, ...], parent: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """Up shape, separator positions in the parent, the parent's other axes."""
    mine = set(clique)
    return (
        tuple(2 if v in mine else 1 for v in parent),
        tuple(a for a, v in enumerate(parent) if v in mine),
        tuple(a for a, v in enumerate(parent) if v not in mine),
    )
