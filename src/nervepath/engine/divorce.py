"""Parent divorcing: the same distribution with no finding having more than a few parents.

A full CPT of a yes/no finding with ``m`` parents has ``2^m`` rows; ``back_pain`` has 22
parents in the shipped network, which makes a BIF file of about a gigabyte. Noisy-OR is
associative (Olesen et al. 1989, "parent divorcing"; Heckerman & Breese 1996): split the
parents into groups, give each group an auxiliary node that is the noisy-OR of its group
*without* leak, and make the finding the noisy-OR of the auxiliary nodes with link
probability 1 and the original leak::

    P(f = 0 | pa) = (1 - leak) * prod_g P(A_g = 0 | pa_g)
                  = (1 - leak) * prod_g prod_{i in g} (1 - p_i) ** pa_i

which is the original CPT; summing the auxiliary nodes out leaves every other marginal
exactly as it was. Only yes/no findings are divorced here (the graded ones in nervepath
have at most seven parents).
"""

from __future__ import annotations

from nervepath.engine.network import FindingNode, HiddenNode, Network
from nervepath.engine.triangulation import min_fill

__all__ = ["FULL_TABLE_MAX_CLIQUE", "PART", "divorce_parents", "largest_clique"]

PART = "__part"
"""In the name of every auxiliary node: ``{finding}__part{level}_{group}``."""

FULL_TABLE_MAX_CLIQUE = 22
"""The largest min-fill clique (:func:`largest_clique`) an evidence set may need to be handed
to an engine that keeps every clique's table in full, as pyAgrum does (8 bytes an entry). Its
own triangulation can do worse than min-fill, and past this size a case can need gigabytes."""


def divorce_parents(network: Network, *, max_parents: int = 8) -> Network:
    """An equivalent network in which every yes/no finding has at most ``max_parents`` parents.

    Auxiliary hidden nodes are appended after the original ones and named
    ``{finding}__part{level}_{group}``; the original nodes keep their names and indices.
    """
    if max_parents < 2:
        raise ValueError("max_parents must be at least 2")
    hidden = list(network.hidden)
    findings: list[FindingNode] = []
    for finding in network.findings:
        if len(finding.states) != 2 or len(finding.parents) <= max_parents:
            findings.append(finding)
            continue
        parents = [(index, q[1]) for index, q in finding.parents]
        # 1. Group the parents, then the groups, until the finding itself has few parents.
        level = 0
        while len(parents) > max_parents:
            grouped: list[tuple[int, float]] = []
            for start in range(0, len(parents), max_parents):
                group = parents[start : start + max_parents]
                name = f"{finding.name}{PART}{level}_{start // max_parents}"
                hidden.append(HiddenNode(name, leak=0.0, parents=tuple(group)))
                grouped.append((len(hidden) - 1, 1.0))
            parents = grouped
            level += 1
        # 2. The finding is the noisy-OR of the auxiliary nodes with its original leak.
        findings.append(
            FindingNode(
                finding.name,
                finding.states,
                finding.leak,
                tuple((index, (1.0 - p, p)) for index, p in parents),
            )
        )
    return Network(tuple(hidden), tuple(findings))


def largest_clique(divorced: Network, evidence: dict[int, int]) -> int:
    """Variables in the largest clique of a min-fill junction tree of what an exact engine
    must keep for ``evidence`` (finding index → state) on a divorced network.

    That is the hidden nodes (the auxiliary ones only above observed findings; the rest are
    barren) and the families of the observed findings. A full-table engine such as pyAgrum
    keeps ``2^size`` entries for such a clique, so this says which evidence sets it can
    finish; nervepath's noisy-OR algebra never builds those tables.
    """
    n = len(divorced.hidden)
    needed = {i for i, node in enumerate(divorced.hidden) if PART not in node.name}
    stack = [p for f in evidence for p, _ in divorced.findings[f].parents]
    while stack:
        v = stack.pop()
        if v not in needed:
            needed.add(v)
            stack.extend(p for p, _ in divorced.hidden[v].parents)
    adj = [0] * n
    families: list[tuple[int | None, list[int]]] = [
        (v, [p for p, _ in divorced.hidden[v].parents]) for v in needed
    ]
    families += [(None, [p for p, _ in divorced.findings[f].parents]) for f in evidence]
    for child, parents in families:
        members = parents + ([child] if child is not None else [])
        mask = sum(1 << m for m in members)
        for m in members:
            adj[m] |= mask & ~(1 << m)
    alive = sum(1 << v for v in needed)
    return max((nb.bit_count() + 1 for _, nb in min_fill(adj, alive)), default=0)
