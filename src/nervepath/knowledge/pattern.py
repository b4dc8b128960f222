"""A quality felt over a whole region pattern (derivation.yaml › region_pattern).

A stocking of numbness is felt as a whole or not at all: each quality felt in at least two
regions of the pattern's tag gets one hidden node, a noisy-OR of the sites whose lesion has
the tag (each at its region-tag value, a rate per person) and of a background root at link 1
(the pattern felt without a modelled lesion). Each region of the pattern is its child at
``given`` (derive.py › derive_links); the regions' own leaks, and the both-legs finding's,
keep the rest of their background rate (derive.py › derive_findings).
"""

from __future__ import annotations

from dataclasses import dataclass

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase

__all__ = [
    "PatternDef",
    "background_id",
    "derive_patterns",
    "pattern_id",
    "patterned_qualities",
]


@dataclass(frozen=True)
class PatternDef:
    """A quality's region pattern (derivation.yaml › region_pattern): a hidden noisy-OR of
    the sites whose lesion has the pattern's tag, each at its region-tag value (a rate per
    person), and of a background root at link 1 (the pattern felt without a modelled lesion),
    with no leak of its own."""

    id: str  # numbness_stocking_pattern
    quality: str
    parents: tuple[tuple[str, schema.Probability], ...]  # site id, its link to the pattern
    background: str  # the id of its background root, a parent at link 1
    prior: schema.Probability  # the background's


def patterned_qualities(kb: RawKnowledgeBase) -> list[schema.SensoryQuality]:
    """The qualities felt in at least two regions of the region pattern's tag."""
    pattern = kb.derivation.region_pattern
    if pattern is None:
        return []
    tagged = [r for r in kb.anatomy.regions if pattern.tag in r.tags]
    d = kb.derivation
    return [
        q
        for q in (*d.sensory_qualities, d.sensory_exam)
        if sum(1 for r in tagged if q.applies_to(r)) >= 2
    ]


def pattern_id(quality: str, tag: str) -> str:
    return f"{quality}_{tag}_pattern"


def background_id(quality: str, tag: str) -> str:
    return f"{quality}_{tag}_background"


def derive_patterns(kb: RawKnowledgeBase) -> list[PatternDef]:
    """Each patterned quality's pattern node. Its background's prior is its share of the
    quality's leak over ``given``, ``π = share · leak / given``, so that a region's own
    background rate is unchanged (``derive_findings`` lowers the region's leak by as much)."""
    pattern = kb.derivation.region_pattern
    if pattern is None:
        return []
    out: list[PatternDef] = []
    for q in patterned_qualities(kb):
        prior = pattern.background_share.value * q.leak.value / pattern.given.value
        why = (
            f"{pattern.tag} {q.id} without a modelled lesion: background_share × the {q.id} "
            f"leak / given = {pattern.background_share.value} × {q.leak.value} / "
            f"{pattern.given.value} (calc)"
        )
        parents: list[tuple[str, schema.Probability]] = []
        for site in kb.sites:
            if pattern.tag not in site.lesion.region_tags or q.region_tag.value <= 0.0:
                continue
            scale = site.derived_scale.value if site.derived_scale is not None else 1.0
            link = q.region_tag
            if scale != 1.0:
                link = schema.Probability(
                    value=scale * link.value,
                    estimate=schema.Estimate(
                        rationale=f"the {q.id} region-tag value × the site's derived_scale "
                        f"{scale} (calc)"
                    ),
                )
            parents.append((site.id, link))
        out.append(
            PatternDef(
                pattern_id(q.id, pattern.tag),
                q.id,
                tuple(parents),
                background_id(q.id, pattern.tag),
                schema.Probability(value=prior, estimate=schema.Estimate(rationale=why)),
            )
        )
    return out
