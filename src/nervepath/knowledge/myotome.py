"""A root's myotome weakened as a whole (derivation.yaml › myotome_pattern).

A root's links to the movements it supplies were independent given the root: a foot drop
with normal inversion and normal hip abduction still counted 0.6 × 0.6 for the L5 root,
though a root lesion dense enough to drop the foot weakens tibialis posterior and gluteus
medius too in most (Jeon 2013: hip abductors weak in 86 % of radicular foot drops, 4 % of
peroneal ones). Each listed root gets one hidden node per side, its dense motor lesion, with
no leak: each site that lesions the root is its parent at ``rate`` (times the site's
``derived_scale``). Its children are the movements the root supplies as a primary root
(``primary`` grades where it is a muscle's only or dominant primary root, else ``shared``:
the peronei's eversion, L5–S1, weak with a dense L5 lesion but held up by S1; ``symptom``
for reported difficulty) and the ``carried`` hand-written findings, at the least of its
sites' links over their rates.

Each site keeps the rest of each link, so one finding alone reads as before. Under the
engine's noisy-MAX a site's link gives ``P(grade ≤ k)`` as the cumulative ``c_T(k)``; the dense
lesion, present with ``r`` given the site alone, gives ``1 − r + r · c_D(k)``; the site's own
link is ``c_own(k) = c_T(k) / (1 − r + r · c_D(k))``, exact for every site alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from itertools import accumulate, pairwise

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase

__all__ = ["MyotomeDef", "carried_links", "derive_myotomes", "myotome_id", "own_remainder"]


@dataclass(frozen=True)
class MyotomeDef:
    """One root's dense motor lesion: a hidden node on each side, each site that lesions the
    root its parent (a lateral site on its own side, a midline one on both)."""

    id: str  # l5_dense_motor_lesion
    root: str
    sites: tuple[tuple[str, bool, schema.Probability], ...]  # site, lateral, link to the node
    movements: dict[str, bool]  # movement → the root its muscle's only or dominant primary
    carried: tuple[str, ...]  # hand-written findings the node carries


def myotome_id(root: str) -> str:
    return f"{root}_dense_motor_lesion"


def derive_myotomes(kb: RawKnowledgeBase) -> tuple[list[MyotomeDef], list[str]]:
    """Each listed root's node, and the problems found (an unknown root, one no site lesions,
    a carried finding that is not a hand-written lateral one). A site with a
    ``derived_scale`` reaches the node at ``rate × scale``, as its motor links are scaled
    (central stenosis: 0.1)."""
    pattern = kb.derivation.myotome_pattern
    if pattern is None:
        return [], []
    where = "derivation.yaml › myotome_pattern"
    roots = {r.id for r in kb.anatomy.roots}
    hand = {f.id: f for f in kb.findings}
    problems = [
        f"{where} › carried › {root}: found {fid!r}, expected a lateral hand-written yes/no "
        "finding of a listed root"
        for root, fids in pattern.carried.items()
        for fid in fids
        if root not in pattern.roots
        or fid not in hand
        or not hand[fid].lateral
        or hand[fid].scale is not None
    ]
    muscles = {m.id: m for m in kb.anatomy.muscles}
    out: list[MyotomeDef] = []
    for root in pattern.roots:
        sites = [s for s in kb.sites if root in s.lesion.roots]
        if root not in roots or not sites:
            problems.append(f"{where} › roots: found {root!r}, expected a root a site lesions")
            continue
        movements: dict[str, bool] = {}
        for mv in kb.anatomy.movements:
            parts = [muscles[m] for m in mv.muscles if m in muscles]
            if any(root in m.roots_primary for m in parts):
                movements[mv.id] = any(
                    m.roots_primary == [root] or root in m.roots_dominant for m in parts
                )
        links: list[tuple[str, bool, schema.Probability]] = []
        for site in sites:
            rate = pattern.rate
            if site.derived_scale is not None:
                scale = site.derived_scale.value
                rate = schema.Probability(
                    value=scale * rate.value,
                    estimate=schema.Estimate(
                        rationale=f"rate × the site's derived_scale: {rate.value} × {scale} "
                        "(calc, myotome_pattern)"
                    ),
                )
            links.append((site.id, site.lateral, rate))
        carried = tuple(pattern.carried.get(root, ()))
        out.append(MyotomeDef(myotome_id(root), root, tuple(links), movements, carried))
    return out, problems


def own_remainder(
    total: tuple[float, ...], dense: tuple[float, ...], rate: float
) -> tuple[float, ...] | None:
    """The site's own link, normal state first, so that with the dense lesion (present with
    ``rate``, linked at ``dense``) the site still gives ``total``: ``c_own(k) = c_T(k) /
    (1 − r + r · c_D(k))`` on the cumulative distributions. None where the dense lesion alone
    would give a grade more often than ``total`` does (the data are inconsistent)."""
    own = [
        t / (1.0 - rate + rate * d)
        for t, d in zip(accumulate(total), accumulate(dense), strict=True)
    ]
    if any(c > 1.0 + 1e-12 for c in own) or any(b < a - 1e-12 for a, b in pairwise(own)):
        return None
    own = [min(1.0, c) for c in own]
    return tuple(max(0.0, b - a) for a, b in pairwise([0.0, *own]))


def carried_links(
    myotomes: list[MyotomeDef], links: Mapping[tuple[str, str], float]
) -> dict[tuple[str, str], float]:
    """Each node's link to a carried finding: the least of its sites' hand-written links
    over their rates, ``min p / r`` (at most 1), so that every site keeps a remainder of its
    own and one (the root's own site) gives the finding only through the node."""
    out: dict[tuple[str, str], float] = {}
    for m in myotomes:
        for fid in m.carried:
            ratios = [links[(fid, s)] / r.value for s, _, r in m.sites if (fid, s) in links]
            if ratios:
                out[(fid, m.id)] = min(1.0, *ratios)
    return out
