"""The knowledge base's entries on each side: every cause, site, pattern, territory and dense
root lesion, and every finding, once per leg where it is lateral (``l5_root_left``,
``straight_leg_raise_right``) with its parents on the same side or the midline."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nervepath.knowledge import schema
from nervepath.knowledge.derive import FindingDef, LinkDef
from nervepath.knowledge.loader import RawKnowledgeBase
from nervepath.knowledge.myotome import MyotomeDef
from nervepath.knowledge.pattern import PatternDef
from nervepath.knowledge.territory import TerritoryDef

SIDES = ("left", "right")


def instance_name(base: str, side: str | None) -> str:
    return base if side is None else f"{base}_{side}"


@dataclass(frozen=True)
class HiddenInstance:
    """A cause, site or region pattern on one side (or midline) with its parents in the
    network. Only causes and sites are diagnoses: a ``pattern`` (a quality felt over a whole
    region pattern, a noisy-OR of the sites that give it and of its ``background``, a root:
    the pattern felt without a modelled lesion; derivation.yaml › region_pattern; or an
    examination sign found on both sides, signs.py), a nerve's ``territory`` (territory.py)
    or a root's dense motor lesion (``myotome``, myotome.py) is never ranked, triaged or
    explained."""

    name: str
    id: str
    side: str | None
    kind: str  # "cause" | "site" | "pattern" | "background" | "territory" | "myotome"
    probability: schema.Probability  # the prior of a cause or background, else the leak
    parents: tuple[tuple[str, schema.Probability], ...]


@dataclass(frozen=True)
class FindingInstance:
    """A finding on one side (or midline) with its parents in the network."""

    name: str
    id: str
    side: str | None
    parents: tuple[tuple[str, LinkDef], ...]


def _sides(lateral: bool) -> tuple[str | None, ...]:
    return SIDES if lateral else (None,)


_NO_LEAK = schema.Probability(
    value=0.0,
    estimate=schema.Estimate(rationale="A region pattern is felt through a site or background."),
)
_NO_DENSE_LEAK = schema.Probability(
    value=0.0,
    estimate=schema.Estimate(rationale="A dense root lesion is a site's lesion (myotome.py)."),
)
_CERTAIN = schema.Probability(
    value=1.0,
    estimate=schema.Estimate(rationale="The background pattern is the pattern felt (definition)."),
)


def expand_hidden(
    raw: RawKnowledgeBase,
    patterns: list[PatternDef],
    territories: list[TerritoryDef],
    myotomes: list[MyotomeDef],
) -> tuple[HiddenInstance, ...]:
    """Causes and background patterns first (roots of the network), then sites with their
    cause parents, then the region patterns with their sites and background as parents, then
    each side's nerve territories with that side's site as parent (territory.py), and each
    side's dense root lesions with that side's root sites (myotome.py)."""
    out: list[HiddenInstance] = [
        HiddenInstance(p.background, p.background, None, "background", p.prior, ())
        for p in patterns
    ]
    for cause in raw.causes:
        for side in _sides(cause.lateral):
            out.append(
                HiddenInstance(
                    instance_name(cause.id, side), cause.id, side, "cause", cause.prior, ()
                )
            )
    site_parents: dict[str, list[tuple[str, schema.Probability]]] = {}
    sites = {s.id: s for s in raw.sites}
    for cause in raw.causes:
        for cause_side in _sides(cause.lateral):
            for link in cause.sites:
                site = sites[link.site]
                for site_side in _sides(site.lateral):
                    if (
                        cause_side is None
                        or site_side is None
                        or link.side == "both"
                        or cause_side == site_side
                    ):
                        site_parents.setdefault(instance_name(site.id, site_side), []).append(
                            (instance_name(cause.id, cause_side), link.probability)
                        )
    for site in raw.sites:
        for side in _sides(site.lateral):
            name = instance_name(site.id, side)
            out.append(
                HiddenInstance(
                    name, site.id, side, "site", site.leak, tuple(site_parents.get(name, ()))
                )
            )
    for p in patterns:
        parents = tuple(
            (instance_name(site, side), link)
            for site, link in p.parents
            for side in _sides(sites[site].lateral)
        )
        parents += ((p.background, _CERTAIN),)
        out.append(HiddenInstance(p.id, p.id, None, "pattern", _NO_LEAK, parents))
    for t in territories:
        for side in SIDES:
            name = instance_name(t.id, side)
            parents = ((instance_name(t.site, side), t.rate),)
            out.append(HiddenInstance(name, t.id, side, "territory", t.leak, parents))
    for m in myotomes:
        for side in SIDES:
            parents = tuple(
                (instance_name(site, side if lateral else None), rate)
                for site, lateral, rate in m.sites
            )
            name = instance_name(m.id, side)
            out.append(HiddenInstance(name, m.id, side, "myotome", _NO_DENSE_LEAK, parents))
    return tuple(out)


def _parent_sides(
    link: LinkDef, parent_lateral: bool, finding_side: str | None
) -> list[str | None]:
    """Which side(s) of a parent feed a finding on ``finding_side``."""
    if not parent_lateral:
        return [None]
    if finding_side is None or link.side == "both":
        return list(SIDES)
    if link.side == "contralateral":
        return [SIDES[1 - SIDES.index(finding_side)]]
    return [finding_side]


def expand_findings(
    raw: RawKnowledgeBase,
    findings: Mapping[str, FindingDef],
    links: tuple[LinkDef, ...],
    patterns: list[PatternDef],
    territories: list[TerritoryDef],
    myotomes: list[MyotomeDef],
) -> tuple[FindingInstance, ...]:
    lateral = {s.id: s.lateral for s in raw.sites} | {c.id: c.lateral for c in raw.causes}
    lateral |= {p.id: False for p in patterns} | {p.background: False for p in patterns}
    lateral |= {t.id: True for t in territories} | {m.id: True for m in myotomes}
    by_finding: dict[str, list[LinkDef]] = {}
    for link in links:
        by_finding.setdefault(link.finding, []).append(link)
    out: list[FindingInstance] = []
    for fid, finding in findings.items():
        for side in _sides(finding.lateral):
            parents: list[tuple[str, LinkDef]] = []
            for link in by_finding.get(fid, []):
                for parent_side in _parent_sides(link, lateral[link.parent], side):
                    parents.append((instance_name(link.parent, parent_side), link))
            if parents or finding.triage_only:
                out.append(FindingInstance(instance_name(fid, side), fid, side, tuple(parents)))
    return tuple(out)
