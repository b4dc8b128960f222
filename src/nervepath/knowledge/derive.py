"""Turn anatomy into findings and links: a region's numbness is a child of the roots and
nerves that supply it, a movement's weakness of the roots and nerves of its muscles.

Adding a region, muscle or movement to the anatomy files changes the network here, with
no code change. The probabilities come from ``derivation.yaml``, each with its source.
The module is long on purpose: the derived findings and their links are one reading of the
anatomy (which regions, nerves and muscles a parent reaches), and split in two each half
would carry its own copy of that reading. The region patterns' and nerve territories' hidden
nodes are derived in pattern.py and territory.py, which read the anatomy's wiring from nerves.py
as this module does, and the roots' dense motor lesions in myotome.py; their links, and what
they take from the leaks and the sites' links, are here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge import schema
from nervepath.knowledge.ages import PopulationBand, mixed, per_population_band, population_bands
from nervepath.knowledge.groups import or_findings
from nervepath.knowledge.loader import RawKnowledgeBase
from nervepath.knowledge.myotome import MyotomeDef, carried_links, own_remainder
from nervepath.knowledge.nerves import nerve_descendants, supply_of
from nervepath.knowledge.pattern import PatternDef, pattern_id, patterned_qualities
from nervepath.knowledge.territory import TerritoryDef, part_leak, territory_leaks

__all__ = [
    "FindingDef",
    "LinkDef",
    "derive_findings",
    "derive_links",
]

Provenance = schema.Probability | schema.Grades
BOTH_SETTINGS = ("self_check", "clinician")


@dataclass(frozen=True)
class FindingDef:
    """A finding of the knowledge base, hand-written or derived from the anatomy."""

    id: str
    category: str
    lateral: bool
    question: str
    clinician_text: str
    settings: tuple[str, ...]
    states: tuple[str, ...]
    leak: tuple[float, ...]
    leak_provenance: Provenance
    red_flag: bool
    derived_from: str | None  # e.g. "numbness × region first_web_space"; None if hand-written
    asked: bool = True  # False: entered from a case or form, never asked by the interview
    triage_only: bool = False  # no links: read by triage rules, moves no posterior
    risk_factor: bool = False  # makes a site likelier; no site is credited with explaining it
    course: bool = False  # the whole complaint's time course; no site is credited with it
    # The leak in each band of derivation.yaml › age_mix where it depends on the age
    # (knowledge/ages.py); ``leak`` is then their population mixture. () where it does not.
    by_age: tuple[tuple[float, ...], ...] = ()

    @property
    def graded(self) -> bool:
        return self.states != ("absent", "present")

    @property
    def effect(self) -> bool:
        """Something a site can be credited with explaining (module causation): a symptom, a
        sign or a test result, not a risk factor nor the course of the whole complaint."""
        return not (self.risk_factor or self.course)


@dataclass(frozen=True)
class LinkDef:
    """A parent (site or cause) → finding link with its probability and why it exists."""

    finding: str
    parent: str
    side: str  # same | contralateral | both
    distribution: tuple[float, ...]  # P(state | only this parent present)
    provenance: Provenance
    basis: str


def _lower_both_legs_leak(
    kb: RawKnowledgeBase,
    pattern: schema.RegionPattern,
    patterns: list[PatternDef],
    out: dict[str, FindingDef],
) -> list[str]:
    """The both-legs finding keeps its background rate: the felt patterns' backgrounds give it
    ``1 − Π(1 − π · b)``, its own leak the rest (as a region's leak keeps the rest of its)."""
    assert pattern.both_legs is not None
    fid, b = pattern.both_legs.finding, pattern.both_legs.probability.value
    through = math.prod(
        1.0 - p.prior.value * b for p in patterns if p.quality != kb.derivation.sensory_exam.id
    )
    own = out[fid]
    rest = 1.0 - own.leak[0] / through
    if rest < 0.0:
        return [
            f"derivation.yaml › region_pattern › background_share: the felt patterns' "
            f"backgrounds give {fid} {1.0 - through:.4g}, above its leak {own.leak[1]}; "
            "expected at most the leak"
        ]
    why = (
        f"the {fid} leak ({own.leak[1]}) less what the felt {pattern.tag} patterns' "
        f"backgrounds give it: 1 − {own.leak[0]}/{through:.4g} (calc)"
    )
    prov = schema.Probability(value=rest, estimate=schema.Estimate(rationale=why))
    out[fid] = replace(own, leak=binary(prov.value), leak_provenance=prov)
    return []


def binary(p: float) -> tuple[float, float]:
    return (1.0 - p, p)


def graded(
    grades: schema.Grades, scale: schema.GradeScale, factor: float = 1.0
) -> tuple[float, ...]:
    """A ``Grades`` value as a distribution over the scale, normal grade first."""
    abnormal = [factor * grades.value.get(g, 0.0) for g in scale.grades[1:]]
    return (1.0 - sum(abnormal), *abnormal)


def _banded(
    bands: tuple[PopulationBand, ...],
    leaks: list[schema.AgeLeak],
    scale: schema.GradeScale | None,
) -> tuple[tuple[tuple[float, ...], ...], tuple[float, ...], Provenance]:
    """A leak given per age band: its value in each population band, their population
    mixture (the leak with the age unknown) and that mixture's provenance."""

    def convert(band: schema.AgeLeak) -> tuple[float, ...]:
        if band.leak_grades is not None and scale is not None:
            return graded(band.leak_grades, scale)
        return binary(band.leak.value if band.leak is not None else 0.0)

    if not bands:  # reported by the checks: no age_mix to weigh the bands
        first = convert(leaks[0])
        return (), first, leaks[0].leak or leaks[0].leak_grades or _mixture_note(first)
    by_age = per_population_band(bands, leaks, convert)
    leak = mixed(bands, by_age, frozenset(range(len(bands))))
    return by_age, leak, _mixture_note(leak, scale)


def _mixture_note(
    leak: tuple[float, ...], scale: schema.GradeScale | None = None
) -> schema.Probability | schema.Grades:
    return _as_provenance(
        leak,
        scale,
        "the leak_by_age bands mixed by the population's age shares (derivation.yaml › "
        "age_mix), the leak with the age unknown (knowledge/ages.py; calc)",
    )


def derive_findings(
    kb: RawKnowledgeBase, *, patterns: list[PatternDef], territories: list[TerritoryDef]
) -> dict[str, FindingDef]:
    """Every finding: the hand-written ones and those the anatomy implies. ``patterns`` and
    ``territories`` are ``derive_patterns(kb)`` and ``derive_territories(kb)``, derived once
    by the caller: their backgrounds take part of some regions' leaks."""
    d = kb.derivation
    scales = {s.id: s for s in d.scales}
    out: dict[str, FindingDef] = {}
    bands = population_bands(d)
    for f in kb.findings:
        provenance: Provenance
        by_age: tuple[tuple[float, ...], ...] = ()
        if f.leak_by_age:
            scale = scales.get(f.scale) if f.scale is not None else None
            if f.scale is not None and scale is None:
                continue  # reported by the checks: an unknown scale
            states = tuple(scale.grades) if scale is not None else ("absent", "present")
            by_age, leak, provenance = _banded(bands, f.leak_by_age, scale)
        elif f.scale is not None and f.leak_grades is not None and f.scale in scales:
            states = tuple(scales[f.scale].grades)
            leak, provenance = graded(f.leak_grades, scales[f.scale]), f.leak_grades
        else:
            assert f.leak is not None  # guaranteed by the schema for yes/no findings
            states, leak, provenance = ("absent", "present"), binary(f.leak.value), f.leak
        out[f.id] = FindingDef(
            f.id,
            f.category,
            f.lateral,
            f.question,
            f.clinician_text,
            tuple(f.settings),
            states,
            leak,
            provenance,
            f.red_flag,
            None,
            triage_only=f.triage_only,
            risk_factor=f.risk_factor,
            course=f.course,
            by_age=by_age,
        )
    for quality in (*d.sensory_qualities, d.sensory_exam):
        exam = quality is d.sensory_exam
        for region in kb.anatomy.regions:
            if not quality.applies_to(region):
                continue
            fid = f"{quality.id}_{region.id}"
            out[fid] = FindingDef(
                fid,
                "exam" if exam else "symptom",
                region.lateral,
                quality.question.format(region=region.name),
                f"{quality.name}: {region.clinical_name}",
                ("clinician",) if exam else BOTH_SETTINGS,
                ("absent", "present"),
                binary(quality.leak.value),
                quality.leak,
                False,
                f"{quality.id} × region {region.id}",
            )
    mrc, reflex = scales.get(d.motor_scale), scales.get(d.reflex_scale)
    for movement in kb.anatomy.movements:
        if mrc is not None:
            fid = f"strength_{movement.id}"
            out[fid] = FindingDef(
                fid,
                "exam",
                True,
                f"Strength of {movement.name.lower()} ({mrc.name})",
                f"{movement.name}: {mrc.name}",
                ("clinician",),
                tuple(mrc.grades),
                graded(d.motor_leak, mrc),
                d.motor_leak,
                False,
                f"movement {movement.id}",
            )
        if movement.symptom_question is not None:
            fid = f"difficulty_{movement.id}"
            out[fid] = FindingDef(
                fid,
                "symptom",
                True,
                movement.symptom_question,
                f"Reported weakness of {movement.name.lower()}",
                BOTH_SETTINGS,
                ("absent", "present"),
                binary(d.movement_symptom_leak.value),
                d.movement_symptom_leak,
                False,
                f"movement {movement.id}",
            )
    if reflex is not None:
        for r in kb.anatomy.reflexes:
            fid = f"reflex_{r.id}"
            # "Ankle jerk (Achilles reflex)" already says so; "reflex" is added only if missing.
            label = r.name if "reflex" in r.name.lower() else f"{r.name} reflex"
            out[fid] = FindingDef(
                fid,
                "exam",
                True,
                label,
                label,
                ("clinician",),
                tuple(reflex.grades),
                graded(d.reflex_leak, reflex),
                d.reflex_leak,
                False,
                f"reflex {r.id}",
            )
    for override in d.leak_overrides:
        derived = out.get(override.finding)
        if derived is None or derived.derived_from is None:
            continue  # reported by the checks: an override names a derived finding
        scale = reflex if derived.states == tuple(reflex.grades if reflex else ()) else mrc
        if scale is not None and derived.states != tuple(scale.grades):
            scale = None
        if override.leak_by_age:
            graded_bands = any(b.leak_grades is not None for b in override.leak_by_age)
            if graded_bands != (scale is not None):
                continue  # reported by the checks: graded leak on a yes/no finding, or back
            by_age, leak, provenance = _banded(bands, override.leak_by_age, scale)
            out[override.finding] = replace(
                derived, leak=leak, leak_provenance=provenance, by_age=by_age
            )
            continue
        if override.leak_grades is not None:
            if scale is None:
                continue  # reported by the checks: graded leak on a yes/no finding
            leak, provenance = graded(override.leak_grades, scale), override.leak_grades
        elif override.leak is not None and derived.states == ("absent", "present"):
            leak, provenance = binary(override.leak.value), override.leak
        else:
            continue  # reported by the checks: yes/no leak on a graded finding
        out[override.finding] = replace(derived, leak=leak, leak_provenance=provenance)
    # A region of the pattern keeps its background rate: the pattern's leak gives it
    # π · given, its own leak the rest, 1 − (1 − leak)/(1 − π · given).
    problems: list[str] = []
    pattern = d.region_pattern
    shares: dict[str, tuple[str, float]] = {}  # finding → its quality, π · given of its pattern
    if pattern is not None:
        for q in patterned_qualities(kb):
            part = pattern.background_share.value * q.leak.value
            for region in kb.anatomy.regions:
                fid = f"{q.id}_{region.id}"
                if pattern.tag in region.tags and q.applies_to(region) and fid in out:
                    shares[fid] = (q.id, part)
                    own = out[fid]
                    rest = 1.0 - own.leak[0] / (1.0 - part)
                    why = (
                        f"the {q.id} leak ({own.leak[1]}) less its {pattern.tag} pattern's "
                        f"share: 1 − (1 − {own.leak[1]})/(1 − {part:.4g}) (calc)"
                    )
                    if rest < 0.0:
                        problems.append(
                            f"derivation.yaml › region_pattern › background_share: found "
                            f"{part:.4g} of {fid}'s background in its pattern, above its leak "
                            f"{own.leak[1]}; expected at most the leak"
                        )
                        continue
                    prov = schema.Probability(value=rest, estimate=schema.Estimate(rationale=why))
                    out[fid] = replace(own, leak=binary(prov.value), leak_provenance=prov)
    # A territory's regions keep their background rate.
    lowered, more = territory_leaks(territories, {f: x.leak[1] for f, x in out.items()})
    problems += more
    for fid, prov in lowered.items():
        out[fid] = replace(out[fid], leak=binary(prov.value), leak_provenance=prov)
    given = pattern.given.value if pattern is not None else 0.0
    if pattern is not None and pattern.both_legs is not None and pattern.both_legs.finding in out:
        problems += _lower_both_legs_leak(kb, pattern, patterns, out)
    overrides = {o.finding: o.leak for o in d.leak_overrides if o.leak is not None}
    for group in or_findings(kb):
        members = [out[m] for m in group.members if m in out]
        if len(members) < len(group.members):
            continue  # no strength findings without the motor scale: reported by the checks
        # leak[0] is the normal state: "absent", or MRC 5 for a strength grade.
        absent = math.prod(m.leak[0] for m in members)
        rationale = (
            f"The model's own rate of {group.what} without a modelled lesion: "
            "1 − Π(1 − leak of each member)."
        )
        # A published rate for the part itself replaces the product: the members' false
        # positives are not independent, so over many regions the product overstates it.
        group_leak = overrides.get(group.id)
        if group_leak is not None and shares:
            # The published rate is the part's whole background: the patterns' leaks
            # reach it too (each at π · (1 − (1 − given)^n) over its n members), its leak the
            # rest.
            per_quality: dict[tuple[str, float], int] = {}
            for m in members:
                if m.id in shares:
                    per_quality[shares[m.id]] = per_quality.get(shares[m.id], 0) + 1
            through = math.prod(
                1.0 - part / given * (1.0 - (1.0 - given) ** n)
                for (_, part), n in per_quality.items()
            )
            if per_quality and 1.0 - (1.0 - group_leak.value) / through < 0.0:
                problems.append(
                    f"derivation.yaml › leak_overrides › {group.id}: found a published leak "
                    f"{group_leak.value} below what its patterns' leaks give the part; expected "
                    "at least that"
                )
            elif per_quality:
                value = 1.0 - (1.0 - group_leak.value) / through
                why = (
                    f"the published {group_leak.value} less what the patterns' leaks give "
                    f"the part: 1 − (1 − {group_leak.value})/{through:.4g} (calc)"
                )
                group_leak = schema.Probability(
                    value=value, estimate=schema.Estimate(rationale=why)
                )
        if group_leak is None:
            group_leak = schema.Probability(
                value=1.0 - absent, estimate=schema.Estimate(rationale=rationale)
            )
        else:  # a published rate is the part's whole background, territories' leaks included
            group_leak, more = part_leak(territories, group.id, group.members, group_leak)
            problems += more
        out[group.id] = FindingDef(
            group.id,
            members[0].category,  # symptom, or exam for examined sensory loss or weakness
            group.lateral,
            group.question,
            group.clinician_text,
            tuple(s for s in BOTH_SETTINGS if all(s in m.settings for m in members)),
            ("absent", "present"),
            binary(group_leak.value),
            group_leak,
            False,
            group.basis,
            asked=False,
        )
    if problems:
        raise KnowledgeBaseError(problems)
    return out


def derive_links(
    kb: RawKnowledgeBase,
    findings: dict[str, FindingDef],
    *,
    patterns: list[PatternDef],
    territories: list[TerritoryDef],
    myotomes: list[MyotomeDef],
) -> list[LinkDef]:
    """Anatomy-derived links, then hand-written ones (which replace a derived twin);
    ``patterns`` and ``territories`` as for :func:`derive_findings`, ``myotomes`` from
    ``derive_myotomes(kb)``: each takes part of its sites' motor links (myotome.py)."""
    d = kb.derivation
    scales = {s.id: s for s in d.scales}
    branches = nerve_descendants(kb.anatomy.nerves)
    muscles = {m.id: m for m in kb.anatomy.muscles}
    supplies = {
        (supply, region.id): supply_of(region, supply, muscles)
        for supply in ("skin", "muscles")
        for region in kb.anatomy.regions
    }
    derived: dict[tuple[str, str], LinkDef] = {}
    pattern = d.region_pattern
    patterned = {p.quality for p in patterns}

    def add(
        fid: str, site: schema.Site | str, value: tuple[float, ...], prov: Provenance, why: str
    ) -> None:
        """A link from a site (or a pattern node, by id), the stronger of two kept."""
        key = (fid, site if isinstance(site, str) else site.id)
        if fid in findings and (key not in derived or derived[key].distribution[0] > value[0]):
            derived[key] = LinkDef(fid, key[1], "same", value, prov, why)

    # A region of the pattern is a child of its quality's pattern node at ``given``; a site
    # with the tag reaches it through that node (derive_patterns), not directly (below). The
    # background gives symptoms in both legs, as a site gives them by its own link.
    if pattern is not None:
        for q in (*d.sensory_qualities, d.sensory_exam):
            if q.id not in patterned:
                continue
            if pattern.both_legs is not None and q is not d.sensory_exam:
                # A felt stocking, whatever produces it, is felt in both feet; a stocking of
                # examined loss is found, not felt, and says nothing of the symptoms.
                finding, prob = pattern.both_legs.finding, pattern.both_legs.probability
                why = f"pattern: the {pattern.tag} of {q.id} is felt in both legs"
                add(finding, pattern_id(q.id, pattern.tag), binary(prob.value), prob, why)
            for region in kb.anatomy.regions:
                if pattern.tag in region.tags and q.applies_to(region):
                    why = f"pattern: the {pattern.tag} of {q.id} reaches {region.id}"
                    add(
                        f"{q.id}_{region.id}",
                        pattern_id(q.id, pattern.tag),
                        binary(pattern.given.value),
                        pattern.given,
                        why,
                    )

    for site in kb.sites:
        scale = site.derived_scale.value if site.derived_scale is not None else 1.0
        lesion_roots = set(site.lesion.roots)
        lesion_nerves: set[str] = set()
        for nerve in site.lesion.nerves:
            lesion_nerves |= branches.get(nerve, frozenset({nerve}))
        tags = set(site.lesion.region_tags)
        for quality in (*d.sensory_qualities, d.sensory_exam):
            own = {(z.root, g): z.probability for z in quality.per_root for g in z.regions}
            for region in kb.anatomy.regions:
                fid = f"{quality.id}_{region.id}"
                core, variable, nerves, words = supplies[(quality.supply, region.id)]
                # A root with its own value in this region gives that one; the others the
                # quality's value for their zone.
                rules = [
                    *(
                        ({root}, own.get((root, region.id), quality.root_core), words[0])
                        for root in sorted(lesion_roots & core)
                    ),
                    *(
                        ({root}, own.get((root, region.id), quality.root_variable), words[1])
                        for root in sorted(lesion_roots & variable)
                    ),
                    (lesion_nerves & nerves, quality.nerve, words[2]),
                    (tags & set(region.tags), quality.region_tag, "region tag {} supplies"),
                ]
                for hit, prob, kind in rules:
                    if not hit or prob.value <= 0.0:
                        continue
                    why = f"anatomy: {kind.format(', '.join(sorted(hit)))} {region.id}"
                    if (
                        prob is quality.region_tag
                        and pattern is not None
                        and pattern.tag in hit
                        and quality.id in patterned
                    ):
                        continue  # the site's rate per person goes to the pattern node
                    add(fid, site, binary(scale * prob.value), prob, why)
        for movement in kb.anatomy.movements:
            parts = [muscles[m] for m in movement.muscles if m in muscles]
            # A lesion of all the primary roots of a muscle, or of its dominant root, can
            # paralyse it; one that spares another primary root leaves it that root's motor
            # units (its severe tail is motor_root_primary_shared).
            whole = lesion_roots & {
                r
                for m in parts
                for r in (
                    m.roots_primary if set(m.roots_primary) <= lesion_roots else m.roots_dominant
                )
            }
            part = lesion_roots & {r for m in parts for r in m.roots_primary}
            secondary = lesion_roots & {r for m in parts for r in m.roots_secondary}
            nerves = lesion_nerves & {m.nerve for m in parts}
            shared = d.motor_root_primary_shared or d.motor_root_primary
            for hit, grades, symptom, kind in (
                (whole, d.motor_root_primary, d.movement_symptom_root_primary, "primary root"),
                (
                    part - whole,
                    shared,
                    d.movement_symptom_root_primary,
                    "primary root (shared with another root)",
                ),
                (
                    secondary,
                    d.motor_root_secondary,
                    d.movement_symptom_root_secondary,
                    "secondary root",
                ),
                (nerves, d.motor_nerve, d.movement_symptom_nerve, "nerve"),
            ):
                if not hit:
                    continue
                why = f"anatomy: {kind} {', '.join(sorted(hit))} of {movement.id}"
                if d.motor_scale in scales:
                    add(
                        f"strength_{movement.id}",
                        site,
                        graded(grades, scales[d.motor_scale], scale),
                        grades,
                        why,
                    )
                add(f"difficulty_{movement.id}", site, binary(scale * symptom.value), symptom, why)
        if d.reflex_scale in scales:
            for r in kb.anatomy.reflexes:
                for hit, grades, kind in (
                    (lesion_roots & set(r.roots), d.reflex_root, "root"),
                    (lesion_nerves & {r.nerve}, d.reflex_nerve, "nerve"),
                ):
                    if hit:
                        why = f"anatomy: {kind} {', '.join(sorted(hit))} of the {r.id} reflex"
                        add(
                            f"reflex_{r.id}",
                            site,
                            graded(grades, scales[d.reflex_scale], scale),
                            grades,
                            why,
                        )

    for t in territories:  # a nerve's territory is felt as a whole: territory.py
        for fid in t.findings:
            if derived.pop((fid, t.site), None) is not None:
                why = f"territory: {fid} is a region of {t.site}'s {t.quality} territory"
                derived[(fid, t.id)] = LinkDef(
                    fid, t.id, "same", binary(t.given.value), t.given, why
                )
    for link in kb.links:
        f = findings.get(link.finding)
        if f is None:
            continue
        if link.grades is not None:
            scale_id = _scale_of(f, scales)
            value = graded(link.grades, scales[scale_id]) if scale_id else (1.0,)
            prov: Provenance = link.grades
        else:
            assert link.probability is not None  # the schema demands one of the two
            value, prov = binary(link.probability.value), link.probability
        derived[(link.finding, link.parent)] = LinkDef(
            link.finding, link.parent, link.side, value, prov, f"hand-written: {kb.where(link)}"
        )
    if pattern is not None and pattern.both_legs is not None:
        _keep_both_legs_marginal(kb, patterns, derived, pattern.both_legs)
    problems = _split_myotomes(kb, myotomes, derived)
    if problems:
        raise KnowledgeBaseError(problems)
    # The OR findings after the split: a dense lesion's members are independent given it, so
    # the OR of its links and of the site's own remainders is still the model's own rate.
    return list(derived.values()) + list(_group_links(kb, derived))


def _split_myotomes(
    kb: RawKnowledgeBase, myotomes: list[MyotomeDef], links: dict[tuple[str, str], LinkDef]
) -> list[str]:
    """Each root's dense motor lesion (myotome.py) links the movements the root supplies as a
    primary root and the carried findings, and each of its sites keeps the rest of its link
    (``own_remainder``), so that each finding alone reads as before."""
    pattern = kb.derivation.myotome_pattern
    if pattern is None or not myotomes:
        return []
    d = kb.derivation
    mrc = next((s for s in d.scales if s.id == d.motor_scale), None)
    # The links a root gives, found before any split: a site that lesions two listed roots
    # gives each of their nodes part of the same link in turn (independent given the site).
    roots = (d.motor_root_primary, d.motor_root_primary_shared, d.movement_symptom_root_primary)
    from_roots = {key for key, link in links.items() if any(link.provenance is p for p in roots)}
    problems: list[str] = []
    for m in myotomes:
        # The carried links as they stand now: an earlier root's node may have taken a part.
        hand = {k: links[k].distribution[1] for f in m.carried for k in _keys(f, m) if k in links}
        carried = carried_links([m], hand)
        node: dict[str, tuple[tuple[float, ...], Provenance]] = {}
        for fid in m.carried:
            if (fid, m.id) in carried:
                q = carried[(fid, m.id)]
                why = f"the least of its sites' links over their rates, min p / r = {q:.4g} (calc)"
                node[fid] = (binary(q), _as_provenance(binary(q), None, why))
        for movement, whole in m.movements.items():
            if mrc is not None:
                grades = pattern.primary if whole else pattern.shared
                node[f"strength_{movement}"] = (graded(grades, mrc), grades)
            node[f"difficulty_{movement}"] = (binary(pattern.symptom.value), pattern.symptom)
        split: dict[str, int] = {}
        for site, _, rate in m.sites:
            for fid, (value, _) in node.items():
                link = links.get((fid, site))
                if link is None or not (fid in m.carried or (fid, site) in from_roots):
                    continue  # a hand-written or nerve link the dense lesion does not carry
                own = own_remainder(link.distribution, value, rate.value)
                if own is None:
                    problems.append(
                        f"derivation.yaml › myotome_pattern: {m.root}'s dense lesion gives {fid} "
                        f"more often than {site} does ({link.distribution}); expected at most "
                        "the site's link at every grade"
                    )
                    continue
                split[fid] = split.get(fid, 0) + 1
                if own[0] >= 1.0 - 1e-12:
                    del links[(fid, site)]  # all of it through the dense lesion
                    continue
                why = (
                    f"{link.basis}; less what its dense {m.root} motor lesion gives: "
                    "c_own(k) = c_T(k) / (1 − r + r · c_D(k)) (calc, myotome.py)"
                )
                scale = mrc if len(own) > 2 else None
                links[(fid, site)] = LinkDef(
                    fid, site, link.side, own, _as_provenance(own, scale, why), why
                )
        for fid, (value, prov) in node.items():
            if fid not in split:
                continue  # no such finding (a movement not asked about)
            if split[fid] < len(m.sites):
                problems.append(
                    f"derivation.yaml › myotome_pattern: {split[fid]} of the {len(m.sites)} sites "
                    f"lesioning {m.root} link {fid} from the root; expected all of them (the "
                    "dense lesion would add to the others)"
                )
            why = f"myotome: the dense {m.root} motor lesion"
            links[(fid, m.id)] = LinkDef(fid, m.id, "same", value, prov, why)
    return problems


def _keys(fid: str, m: MyotomeDef) -> list[tuple[str, str]]:
    return [(fid, site) for site, _, _ in m.sites]


def _as_provenance(
    dist: tuple[float, ...], scale: schema.GradeScale | None, why: str
) -> Provenance:
    """A computed distribution's provenance: grades on ``scale``, or yes/no without one."""
    estimate = schema.Estimate(rationale=why)
    if scale is not None:
        grades = dict(zip(scale.grades[1:], dist[1:], strict=True))
        return schema.Grades(value=grades, estimate=estimate)
    return schema.Probability(value=dist[1], estimate=estimate)


def _keep_both_legs_marginal(
    kb: RawKnowledgeBase,
    patterns: list[PatternDef],
    links: dict[tuple[str, str], LinkDef],
    both_legs: schema.FindingLink,
) -> None:
    """A site's own link to ``both_legs.finding`` is its rate per person with the lesion, the
    symptoms its felt stockings give included. Those stockings now reach the finding through
    their pattern nodes, so the site's own link keeps only the rest:
    ``q_own' = q_own / Π (1 − r · b)`` over the felt patterns (site rate ``r``, pattern link
    ``b``), and the site alone gives the finding at its stated rate, not more."""
    exam = kb.derivation.sensory_exam.id
    b = both_legs.probability.value
    through: dict[str, float] = {}
    for p in patterns:
        if p.quality == exam:
            continue
        for site, rate in p.parents:
            through[site] = through.get(site, 1.0) * (1.0 - rate.value * b)
    for site, miss in through.items():
        own = links.get((both_legs.finding, site))
        if own is None or len(own.distribution) != 2:
            continue
        normal = min(1.0, own.distribution[0] / miss)
        links[(both_legs.finding, site)] = LinkDef(
            own.finding,
            own.parent,
            own.side,
            (normal, 1.0 - normal),
            own.provenance,
            f"{own.basis}; less what its felt stockings give through their patterns: normal "
            f"{own.distribution[0]:.3g} / {miss:.3g} = {normal:.3g} (calc)",
        )


def _group_links(kb: RawKnowledgeBase, links: dict[tuple[str, str], LinkDef]) -> Iterator[LinkDef]:
    """A parent reaches an OR finding when it reaches any of its members: the probability of
    at least one, 1 − Π(1 − p), under the model's own independence of the members.

    Except for a felt quality's region-tag links that still go to the regions (weakness of a
    limb segment): their value is a rate per person, the same in every region of the pattern
    (derivation.yaml), because the pattern is felt as a whole or not at all. Those members
    count once, at the largest of their values: 1 − (1 − max p_tag)·Π_other(1 − p).
    Independence over a stocking's regions made "numbness in the foot" certain (1.000) with a
    polyneuropathy that numbs half the people who have one; the stocking now reaches its
    regions through its pattern nodes (derivation.yaml › region_pattern), whose links to the
    regions are independent given the pattern, so their OR is exact."""
    d = kb.derivation
    whole = [q.region_tag for q in d.sensory_qualities]
    by_finding: dict[str, dict[str, LinkDef]] = {}
    for (finding, parent), link in links.items():
        by_finding.setdefault(finding, {})[parent] = link
    for group in or_findings(kb):
        by_parent: dict[str, list[LinkDef]] = {}
        for member in group.members:
            for parent, link in by_finding.get(member, {}).items():
                by_parent.setdefault(parent, []).append(link)
        for parent, parts in sorted(by_parent.items()):
            if (group.id, parent) in links:
                continue  # a hand-written link to the group itself stands (spinal cord)
            tagged = [x for x in parts if any(x.provenance is w for w in whole)]
            p = 1.0 - (1.0 - max((x.distribution[1] for x in tagged), default=0.0)) * math.prod(
                x.distribution[0] for x in parts if x not in tagged
            )
            sides = {link.side for link in parts}
            side = "both" if "both" in sides else sides.pop() if len(sides) == 1 else "same"
            why = f"derived: {parent} reaches " + ", ".join(sorted(x.finding for x in parts))
            rationale = "1 − Π(1 − p) over the parent's links to the members of the group" + (
                ", a region tag's links counted once, at their largest" if tagged else ""
            )
            prov = schema.Probability(value=p, estimate=schema.Estimate(rationale=rationale))
            yield LinkDef(group.id, parent, side, binary(p), prov, why)


def _scale_of(finding: FindingDef, scales: dict[str, schema.GradeScale]) -> str | None:
    for scale in scales.values():
        if tuple(scale.grades) == finding.states:
            return scale.id
    return None
