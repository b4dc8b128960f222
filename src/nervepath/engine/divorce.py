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

__all__ = ["divorce_parents"]


def divorce_parents(network: Network, *, max_parents: int = 8) -> Network:
    """An equivalent network in which every yes/no finding has at most ``max_parents`` parents.

    Auxiliary hidden nodes are appended after the original ones and named
    ``{finding}__part{k}``; the original nodes keep their names and indices.
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
                name = f"{finding.name}__part{level}_{start // max_parents}"
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
