"""Build the engine's network from the knowledge base: numbers only, names kept."""

from __future__ import annotations

from nervepath.engine.network import FindingNode, HiddenNode, Network
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["build_network"]


def build_network(kb: KnowledgeBase) -> Network:
    """Causes and sites become hidden nodes; every finding instance a noisy-MAX node.

    A cause's prior is its probability in the base population; a site's leak is the
    probability that it is affected by none of the modelled causes.
    """
    index = {h.name: i for i, h in enumerate(kb.hidden)}
    hidden = tuple(
        HiddenNode(h.name, prior=h.probability.value)
        if h.kind == "cause"
        else HiddenNode(
            h.name,
            leak=h.probability.value,
            parents=tuple((index[p], prob.value) for p, prob in h.parents),
        )
        for h in kb.hidden
    )
    findings = tuple(
        FindingNode(
            f.name,
            kb.findings[f.id].states,
            kb.findings[f.id].leak,
            tuple((index[p], link.distribution) for p, link in f.parents),
        )
        for f in kb.finding_instances
    )
    return Network(hidden, findings)
