"""A nerve's territory felt as a whole (derivation.yaml › territory_pattern).

A nerve's link to a region of its territory is a rate per region, and the model holds the
regions independent given the site: numbness over a tarsal tunnel's whole territory
multiplied eight links of 0.60 against eight leaks of 0.03 (the toes of one foot alone: an
implied LR of about 350). Here each lateral site and quality whose nerve rule reaches
``min_regions`` regions or more get one hidden node, the territory felt: the site its only
parent, at ``nerve / given`` (a rate per person), with a leak ``background_share × leak /
given`` (the territory felt without that site), and each region of the territory its child at
``given``. One region alone reads as before (``rate × given`` = the old link); a whole
territory weighs about ``(rate + leak) / leak``, one person's pattern. The region's own leak
keeps the rest of its background rate (:func:`territory_leaks`). A site may give its own rate
per person for a quality (``Site.territory``, from its series) and its own ``given``
(``Site.territory_given``, for a territory of a dermatome's size: the femoral nerve's eight
regions).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase
from nervepath.knowledge.nerves import nerve_descendants, supply_of

__all__ = [
    "TerritoryDef",
    "derive_territories",
    "part_leak",
    "territory_id",
    "territory_leaks",
    "territory_problems",
]


@dataclass(frozen=True)
class TerritoryDef:
    """One site's territory for one quality: a hidden node on each side of the site."""

    id: str  # numbness_territory_tibial_nerve_tarsal_tunnel
    site: str
    quality: str
    rate: schema.Probability  # the site's link to the node, a rate per person
    leak: schema.Probability  # the territory felt without the site
    given: schema.Probability  # each region's link to the node
    findings: tuple[str, ...]  # the region findings of the territory


def territory_id(quality: str, site: str) -> str:
    return f"{quality}_territory_{site}"


def derive_territories(kb: RawKnowledgeBase) -> list[TerritoryDef]:
    """Each lateral nerve site's territory per quality, where its nerve rule reaches at least
    ``min_regions`` regions that no hand-written link of the site names. Sites that also
    lesion roots or carry region tags keep their per-region links (their regions are not one
    nerve's), and so does a site with a ``derived_scale`` (the sciatic nerve: its territory is
    the whole leg below the knee, and a background for it explained a Guillain-Barré case's
    sensory loss of both legs better than any lesion)."""
    pattern = kb.derivation.territory_pattern
    if pattern is None:
        return []
    d = kb.derivation
    muscles = {m.id: m for m in kb.anatomy.muscles}
    hand = {(link.finding, link.parent) for link in kb.links}
    branches = nerve_descendants(kb.anatomy.nerves)
    out: list[TerritoryDef] = []
    for site in kb.sites:
        les = site.lesion
        if (
            not site.lateral
            or not les.nerves
            or les.roots
            or les.region_tags
            or site.derived_scale is not None
        ):
            continue
        nerves = set().union(*(branches[n] for n in les.nerves))
        given_p = site.territory_given or pattern.given
        given = given_p.value
        for q in (*d.sensory_qualities, d.sensory_exam):
            if q.nerve.value <= 0.0:
                continue
            findings = tuple(
                f"{q.id}_{r.id}"
                for r in kb.anatomy.regions
                if q.applies_to(r)
                and nerves & supply_of(r, q.supply, muscles)[2]
                and (f"{q.id}_{r.id}", site.id) not in hand
            )
            if len(findings) < pattern.min_regions:
                continue
            leak = pattern.background_share.value * q.leak.value / given
            own = site.territory.get(q.id)
            rate = own or schema.Probability(
                value=q.nerve.value / given,
                estimate=schema.Estimate(
                    rationale=f"the {q.id} nerve value / given = {q.nerve.value} / "
                    f"{given}: the territory felt per person, so that one region reads "
                    "as the nerve value (calc)"
                ),
            )
            out.append(
                TerritoryDef(
                    territory_id(q.id, site.id),
                    site.id,
                    q.id,
                    rate,
                    schema.Probability(
                        value=leak,
                        estimate=schema.Estimate(
                            rationale=f"background_share × the {q.id} leak / given = "
                            f"{pattern.background_share.value} × {q.leak.value} / {given} (calc)"
                        ),
                    ),
                    given_p,
                    findings,
                )
            )
    return out


def territory_problems(kb: RawKnowledgeBase, territories: list[TerritoryDef]) -> list[str]:
    """A site's own territory rate (``Site.territory``) must name a quality it has a
    territory node for."""
    made = {(t.site, t.quality) for t in territories}
    problems = [
        f"sites › {site.id} › territory › {quality}: found a territory rate, expected a "
        "quality whose nerve territory the site has a node for (a lateral nerve-only site "
        "without a derived_scale, min_regions regions, no hand-written region links)"
        for site in kb.sites
        for quality in site.territory
        if (site.id, quality) not in made
    ]
    problems += [
        f"sites › {site.id} › territory_given: found one, expected a site with a territory node"
        for site in kb.sites
        if site.territory_given is not None and not any(t.site == site.id for t in territories)
    ]
    problems += [
        f"sites › {t.site} › territory › {t.quality}: the rate per person is "
        f"{t.rate.value:.3g} (nerve value / given), above 1; expected a rate of its own"
        for t in territories
        if t.rate.value > 1.0
    ]
    return problems


def territory_leaks(
    territories: list[TerritoryDef], leaks: dict[str, float]
) -> tuple[dict[str, schema.Probability], list[str]]:
    """A territory region keeps its background rate: the leaks of the territories that hold
    it give ``1 − Π(1 − π · given)``, its own leak the rest, ``1 − (1 − leak)/Π(1 − π ·
    given)``. ``leaks``: each region finding's present leak; returns the new ones, and
    problems where the territories would give more than the leak."""
    through: dict[str, float] = {}
    for t in territories:
        for fid in t.findings:
            through[fid] = through.get(fid, 1.0) * (1.0 - t.leak.value * t.given.value)
    out: dict[str, schema.Probability] = {}
    problems: list[str] = []
    for fid, miss in through.items():
        leak = leaks.get(fid)
        if leak is None:
            continue
        rest = 1.0 - (1.0 - leak) / miss
        if rest < 0.0:
            problems.append(
                f"derivation.yaml › territory_pattern › background_share: the territories "
                f"holding {fid} give it {1.0 - miss:.4g}, above its leak {leak:.4g}; expected "
                "at most the leak"
            )
            continue
        why = (
            f"the {fid} leak ({leak:.4g}) less what the nerve territories holding it give: "
            f"1 − (1 − {leak:.4g})/{miss:.4g} (calc)"
        )
        out[fid] = schema.Probability(value=rest, estimate=schema.Estimate(rationale=why))
    return out, problems


def part_leak(
    territories: list[TerritoryDef],
    part: str,
    members: Iterable[str],
    leak: schema.Probability,
) -> tuple[schema.Probability, list[str]]:
    """A part's published leak is its whole background: a territory with ``n`` of its members
    reaches it at ``π · (1 − (1 − given)^n)``, its own leak keeps the rest."""
    wanted = set(members)
    miss = 1.0
    for t in territories:
        n = len(wanted.intersection(t.findings))
        if n:
            miss *= 1.0 - t.leak.value * (1.0 - (1.0 - t.given.value) ** n)
    if miss == 1.0:
        return leak, []
    rest = 1.0 - (1.0 - leak.value) / miss
    if rest < 0.0:
        return leak, [
            f"derivation.yaml › leak_overrides › {part}: found a published leak {leak.value} "
            "below what the nerve territories' leaks give the part; expected at least that"
        ]
    why = (
        f"the published {leak.value:.4g} less what the nerve territories' leaks give the part: "
        f"1 − (1 − {leak.value:.4g})/{miss:.4g} (calc)"
    )
    return schema.Probability(value=rest, estimate=schema.Estimate(rationale=why)), []
