"""Build the engine's network from the knowledge base: numbers only, names kept."""

from __future__ import annotations

from nervepath.engine.network import FindingNode, HiddenNode, Network
from nervepath.knowledge.ages import AgedValues
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["COPY_MARK", "ROOT_KINDS", "build_network"]

ROOT_KINDS = ("cause", "background")
"""Hidden kinds that are roots with a prior: causes, and region patterns' backgrounds."""

COPY_MARK = "__"
"""Joins a risk factor's name to a parent's in the name of its copy for that parent."""


def build_network(kb: KnowledgeBase, *, ages: AgedValues | None = None) -> Network:
    """Causes and sites become hidden nodes; every finding instance a noisy-MAX node.

    ``ages`` (``kb.aged(bands)``) gives the age-banded findings their leaks, and the sign
    backgrounds their priors, for a patient in those age bands; without it they keep the
    population mixture (knowledge/ages.py). Only those numbers differ, never the structure.

    A cause's prior is its probability in the base population; a site's leak is the
    probability that it is affected by none of the modelled causes. A risk factor (age,
    sex, diabetes…) makes each of its parents likelier on its own: it becomes one copy per
    parent (``age_over_50__lumbar_spinal_stenosis``), answered together under its own name
    (``engine.network``), so that two sites of older people do not explain one age away.
    """
    index = {h.name: i for i, h in enumerate(kb.hidden)}
    priors = dict(ages.priors) if ages is not None else {}
    leaks = dict(ages.finding_leaks) if ages is not None else {}
    hidden = tuple(
        HiddenNode(h.name, prior=priors.get(h.name, h.probability.value))
        if h.kind in ROOT_KINDS
        else HiddenNode(
            h.name,
            leak=h.probability.value,
            parents=tuple((index[p], prob.value) for p, prob in h.parents),
        )
        for h in kb.hidden
    )
    findings: list[FindingNode] = []
    for f in kb.finding_instances:
        finding = kb.findings[f.id]
        leak = leaks.get(f.id, finding.leak)
        parents = [(index[p], link.distribution) for p, link in f.parents]
        if finding.risk_factor and parents:
            findings.extend(
                FindingNode(
                    f"{f.name}{COPY_MARK}{kb.hidden[p].name}",
                    finding.states,
                    leak,
                    ((p, q),),
                    answer=f.name,
                )
                for p, q in parents
            )
        else:
            findings.append(FindingNode(f.name, finding.states, leak, tuple(parents)))
    return Network(hidden, tuple(findings))
