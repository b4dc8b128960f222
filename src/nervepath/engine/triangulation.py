"""Triangulation by greedy elimination, on graphs held as bitmasks (Python ints).

The interaction graph of a case is triangulated by eliminating its variables one at
a time, each elimination joining the variable's remaining neighbours into a clique
(Rose 1970). Simplicial nodes (neighbours already a clique) go first, since that never
enlarges the treewidth; then min-degree, or min-fill over a few candidates
(Kjærulff 1990), or, for graphs whose tables would be large, full min-fill with
incrementally updated scores (:func:`min_fill`). Most of a case's graph is the
network's fixed hidden-node graph, so an :class:`EliminationHint` computed once per
network lets most nodes be taken without testing (see :func:`eliminate`).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

__all__ = ["EliminationHint", "bits_of", "eliminate", "elimination_hint", "min_fill"]


def bits_of(mask: int) -> list[int]:
    """Indices of the set bits of ``mask``, ascending."""
    out: list[int] = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def _fill(v: int, adj: list[int]) -> int:
    """Number of missing edges among the neighbours of ``v``."""
    nb = adj[v]
    missing = -nb.bit_count()
    m = nb
    while m:
        low = m & -m
        missing += (nb & ~adj[low.bit_length() - 1]).bit_count()
        m ^= low
    return missing // 2


def _is_simplicial(v: int, adj: list[int]) -> bool:
    nb = adj[v]
    m = nb
    while m:
        low = m & -m
        if nb & ~adj[low.bit_length() - 1] & ~low:
            return False
        m ^= low
    return True


@dataclass(frozen=True, slots=True)
class EliminationHint:
    """What a network's fixed graph says about eliminating any case's graph.

    ``graph`` is the fixed interaction graph (neighbour bitmasks); ``simplicial`` the
    nodes simplicial in it; ``order`` the nodes that pure simplicial elimination
    removes from it, in that order. See :func:`eliminate`.
    """

    graph: tuple[int, ...]
    simplicial: int
    order: tuple[int, ...]


def elimination_hint(graph: Sequence[int]) -> EliminationHint:
    """Precompute the :class:`EliminationHint` of a fixed graph (once per network)."""
    adj = list(graph)
    simplicial = 0
    for v in range(len(adj)):
        if _is_simplicial(v, adj):
            simplicial |= 1 << v
    order: list[int] = []
    alive = (1 << len(adj)) - 1
    queue = bits_of(alive)
    while queue:
        v = queue.pop()
        if not (alive >> v) & 1 or not _is_simplicial(v, adj):
            continue
        order.append(v)
        alive &= ~(1 << v)
        for u in bits_of(adj[v]):
            adj[u] &= ~(1 << v)
            queue.append(u)
    return EliminationHint(graph=tuple(graph), simplicial=simplicial, order=tuple(order))


def eliminate(
    adj: list[int],
    alive: int,
    *,
    hint: EliminationHint | None = None,
    touched: int = 0,
    candidates: int = 1,
) -> list[tuple[int, int]]:
    """Greedy elimination order: ``[(variable, its neighbours when eliminated), …]``.

    ``adj[v]`` is the neighbour bitmask of ``v`` (read only inside ``alive``; the list
    is modified). Simplicial nodes go first, which never enlarges the treewidth;
    then, of the ``candidates`` nodes of least degree, the one adding the fewest
    fill-in edges (``candidates = 1`` is min-degree, large values min-fill;
    Kjærulff 1990). A node left with no neighbour outside the clique just formed is
    simplicial and goes next.

    With a ``hint`` for a fixed graph ``G0`` such that ``adj`` is ``G0`` restricted to
    ``alive`` plus edges only between ``touched`` nodes, the simplicial nodes found
    in ``G0`` are taken without testing: an untouched node simplicial in ``G0`` is
    simplicial here, and so is an untouched node of ``G0``'s simplicial elimination
    order none of whose ``G0``-neighbours has been passed over.
    """
    order: list[tuple[int, int]] = []
    # 0. Nodes the hint proves simplicial.
    alive = _hinted(adj, alive, hint, touched, order)
    # 1. Every simplicial node, tested.
    alive = _simplicial_first(adj, alive, order)
    if candidates > 1:
        return order + _min_fill_candidates(adj, alive, candidates)
    # 2. The rest greedily; a neighbour whose neighbourhood falls inside the new
    #    clique is simplicial and is taken next. The least degree is found from buckets
    #    of nodes by degree (bitmasks; the lowest index first, as a scan in index order
    #    would), updated as degrees change, not by scanning every remaining node per step.
    degree = [0] * len(adj)
    buckets = [0] * (max((adj[u].bit_count() for u in bits_of(alive)), default=0) + 1)
    m = alive
    while m:
        low = m & -m
        u = low.bit_length() - 1
        m ^= low
        d = adj[u].bit_count()
        degree[u] = d
        buckets[d] |= low
    ready: list[int] = []
    while alive:
        v = -1
        while ready:
            v = ready.pop()
            if (alive >> v) & 1:
                break
            v = -1
        if v < 0:
            d = 0
            while not buckets[d]:
                d += 1
            lowest = buckets[d]
            v = (lowest & -lowest).bit_length() - 1
        nb = adj[v]
        order.append((v, nb))
        bit = 1 << v
        alive ^= bit
        buckets[degree[v]] ^= bit
        m = nb
        while m:
            low = m & -m
            u = low.bit_length() - 1
            m ^= low
            a = (adj[u] | nb) & ~low & ~bit
            adj[u] = a
            d = a.bit_count()
            if d != degree[u]:
                buckets[degree[u]] ^= low
                degree[u] = d
                if d >= len(buckets):
                    buckets.extend([0] * (d + 1 - len(buckets)))
                buckets[d] |= low
            if not a & ~nb:
                ready.append(u)
    return order


def _simplicial_first(adj: list[int], alive: int, order: list[tuple[int, int]]) -> int:
    """Restrict ``adj`` to ``alive``, append every node found simplicial (the last queued
    first, then its neighbours) to ``order``, and return what is left."""
    queue = bits_of(alive)
    for v in queue:
        adj[v] &= alive
    while queue:
        v = queue.pop()
        if not (alive >> v) & 1 or not _is_simplicial(v, adj):
            continue
        nb = adj[v]
        order.append((v, nb))
        bit = 1 << v
        alive ^= bit
        for u in bits_of(nb):
            adj[u] &= ~bit
            queue.append(u)
    return alive


def _min_fill_candidates(adj: list[int], alive: int, candidates: int) -> list[tuple[int, int]]:
    """:func:`eliminate`'s step 2 with ``candidates`` > 1 (min-fill over the nodes of
    least degree)."""
    order: list[tuple[int, int]] = []
    degree = {v: adj[v].bit_count() for v in bits_of(alive)}
    ready: list[int] = []
    while degree:
        v = -1
        while ready:
            v = ready.pop()
            if v in degree:
                break
            v = -1
        if v < 0:
            lowest = heapq.nsmallest(candidates, degree.items(), key=itemgetter(1))
            v = min((_fill(u, adj), d, u) for u, d in lowest)[2]
        nb = adj[v]
        order.append((v, nb))
        del degree[v]
        bit = 1 << v
        m = nb
        while m:
            low = m & -m
            u = low.bit_length() - 1
            m ^= low
            a = (adj[u] | nb) & ~low & ~bit
            adj[u] = a
            degree[u] = a.bit_count()
            if not a & ~nb:
                ready.append(u)
    return order


def _hinted(
    adj: list[int],
    alive: int,
    hint: EliminationHint | None,
    touched: int,
    order: list[tuple[int, int]],
) -> int:
    """Append the nodes that ``hint`` proves simplicial to ``order``; return what is left."""
    if hint is None:
        return alive
    for v in bits_of(hint.simplicial & alive & ~touched):
        order.append((v, adj[v] & alive))
        alive &= ~(1 << v)
    skipped = 0
    graph = hint.graph
    for v in hint.order:
        if not (alive >> v) & 1:
            continue
        if (touched >> v) & 1 or graph[v] & skipped:
            skipped |= 1 << v
            continue
        order.append((v, adj[v] & alive))
        alive &= ~(1 << v)
    return alive


def min_fill(
    adj: list[int], alive: int, *, hint: EliminationHint | None = None, touched: int = 0
) -> list[tuple[int, int]]:
    """Greedy min-fill elimination (Kjærulff 1990), ties to the lower degree.

    Same contract as :func:`eliminate` (``adj`` is modified). Every node's fill-in is
    kept up to date incrementally: eliminating ``v`` changes the neighbourhood of its
    neighbours only (rescored), and each fill edge ``(a, b)`` it adds removes one
    missing pair from every other common neighbour of ``a`` and ``b`` (decremented).
    Min-fill adds few edges per step, so that is little work. Stale heap entries are
    skipped on the way out.
    """
    order: list[tuple[int, int]] = []
    alive = _hinted(adj, alive, hint, touched, order)
    # 1. Scores of every remaining node.
    fill: dict[int, int] = {}
    for v in bits_of(alive):
        adj[v] &= alive
    heap: list[tuple[int, int, int]] = []
    for v in bits_of(alive):
        fill[v] = _fill(v, adj)
        heap.append((fill[v], adj[v].bit_count(), v))
    heapq.heapify(heap)
    # 2. Take the best; add its fill edges (decrementing common neighbours outside the
    #    clique); connect and rescore its neighbours.
    while heap:
        f, d, v = heapq.heappop(heap)
        if fill.get(v) != f or adj[v].bit_count() != d:
            continue
        nb = adj[v]
        order.append((v, nb))
        del fill[v]
        outside = ~nb & ~(1 << v)
        m = nb
        while m:
            low = m & -m
            a = low.bit_length() - 1
            m ^= low
            missing = nb & ~adj[a] & ~low & ~(low - 1)  # fill edges (a, b) with b > a
            while missing:
                low_b = missing & -missing
                missing ^= low_b
                common = adj[a] & adj[low_b.bit_length() - 1] & outside
                while common:
                    low_w = common & -common
                    common ^= low_w
                    w = low_w.bit_length() - 1
                    fill[w] -= 1
                    heapq.heappush(heap, (fill[w], adj[w].bit_count(), w))
        m = nb
        while m:
            low = m & -m
            m ^= low
            u = low.bit_length() - 1
            adj[u] = (adj[u] | nb) & ~low & ~(1 << v)
        m = nb
        while m:
            low = m & -m
            m ^= low
            u = low.bit_length() - 1
            fill[u] = _fill(u, adj)
            heapq.heappush(heap, (fill[u], adj[u].bit_count(), u))
    return order
