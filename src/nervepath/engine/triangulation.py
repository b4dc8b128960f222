"""Triangulation by greedy elimination, on graphs held as bitmasks (Python ints).

The interaction graph of a case is triangulated by eliminating its variables one at
a time, each elimination joining the variable's remaining neighbours into a clique
(Rose 1970). Simplicial nodes (neighbours already a clique) go first, since that never
enlarges the treewidth; then min-degree, or min-fill over a few candidates
(Kjærulff 1990). Most of a case's graph is the network's fixed hidden-node graph, so
an :class:`EliminationHint` computed once per network lets most nodes be taken
without testing (see :func:`eliminate`).
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

__all__ = ["EliminationHint", "bits_of", "eliminate", "elimination_hint"]


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
    if hint is not None:
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
    degree: dict[int, int] = {}
    for v in bits_of(alive):
        adj[v] &= alive
        degree[v] = adj[v].bit_count()
    # 1. Every simplicial node, tested.
    queue = list(degree)
    while queue:
        v = queue.pop()
        if v not in degree or not _is_simplicial(v, adj):
            continue
        nb = adj[v]
        order.append((v, nb))
        del degree[v]
        for u in bits_of(nb):
            adj[u] &= ~(1 << v)
            degree[u] -= 1
            queue.append(u)
    # 2. The rest greedily; a neighbour whose neighbourhood falls inside the new
    #    clique is simplicial and is taken next.
    ready: list[int] = []
    while degree:
        v = -1
        while ready:
            v = ready.pop()
            if v in degree:
                break
            v = -1
        if v < 0:
            if candidates <= 1:
                v = min(degree.items(), key=itemgetter(1))[0]
            else:
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
