"""What one site alone gives a motor finding, its dense root lesions (myotome.py) included."""

from __future__ import annotations

import itertools

from nervepath.knowledge.model import KnowledgeBase


def site_alone(kb: KnowledgeBase, instance: str, site: str) -> tuple[float, ...]:
    """P(state | only ``site`` present) for a finding instance: the site's own link and, for
    each of its dense lesions that links the finding (present with its rate), that link, under
    noisy-MAX (the cumulative distributions multiply); the finding's leak left out."""
    found = next(i for i in kb.finding_instances if i.name == instance)
    links = {name: link.distribution for name, link in found.parents}
    states = len(found.parents[0][1].distribution)
    cumulative = list(itertools.accumulate(links.get(site, (1.0,) + (0.0,) * (states - 1))))
    for h in kb.hidden:
        if h.kind != "myotome" or h.name not in links or dict(h.parents).get(site) is None:
            continue
        rate = dict(h.parents)[site].value
        dense = list(itertools.accumulate(links[h.name]))
        cumulative = [c * (1.0 - rate + rate * d) for c, d in zip(cumulative, dense, strict=True)]
    return tuple(b - a for a, b in zip([0.0, *cumulative], cumulative, strict=False))
