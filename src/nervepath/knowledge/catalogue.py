"""Views of the knowledge base as plain data: the catalogues clients build forms from,
the description of any entry with its links and sources, and provenance statistics."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from nervepath.errors import NervepathError
from nervepath.knowledge import schema
from nervepath.knowledge.derive import FindingDef, LinkDef
from nervepath.knowledge.model import KnowledgeBase
from nervepath.knowledge.nerves import nerve_descendants

__all__ = [
    "UnknownEntryError",
    "causes_catalogue",
    "describe",
    "findings_catalogue",
    "provenance",
    "regions_catalogue",
    "sites_catalogue",
    "statistics",
]

UNKNOWN = "unknown"


class UnknownEntryError(NervepathError):
    """No entry of the knowledge base has this id."""


def provenance(kb: KnowledgeBase, item: schema.Probability | schema.Grades) -> dict[str, Any]:
    """A number with where it comes from, resolved to the full citation."""
    out: dict[str, Any] = {"value": item.value}
    if item.source is not None:
        ref = kb.references.get(item.source.ref)
        out["source"] = {
            "ref": item.source.ref,
            "locator": item.source.locator,
            "citation": ref.citation if ref else None,
        }
    elif item.estimate is not None:
        out["estimate"] = item.estimate.rationale
    return out


def _sides(lateral: bool) -> list[str | None]:
    return ["left", "right"] if lateral else [None]


def sites_catalogue(kb: KnowledgeBase) -> list[dict[str, Any]]:
    return [
        {
            "id": s.id,
            "name": s.name,
            "plain_name": s.plain_name,
            "origin": s.origin,
            "lateral": s.lateral,
            "sides": _sides(s.lateral),
            "description": s.description,
            "lesion": s.lesion.model_dump(),
            "leak": provenance(kb, s.leak),
        }
        for s in kb.raw.sites
    ]


def regions_catalogue(kb: KnowledgeBase) -> list[dict[str, Any]]:
    """The body-map regions, with the roots (core, variable zone) and nerves that supply each."""
    return [
        {
            "id": r.id,
            "name": r.name,
            "clinical_name": r.clinical_name,
            "group": r.group,
            "sides": _sides(r.lateral),
            "roots_core": r.roots_core,
            "roots_variable": r.roots_variable,
            "nerves": r.nerves,
        }
        for r in kb.raw.anatomy.regions
    ]


def causes_catalogue(kb: KnowledgeBase) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "name": c.name,
            "plain_name": c.plain_name,
            "aliases": c.aliases,
            "lateral": c.lateral,
            "red_flag": c.red_flag,
            "description": c.description,
            "prior": provenance(kb, c.prior),
            "sites": [
                {"site": link.site, "side": link.side, **provenance(kb, link.probability)}
                for link in c.sites
            ],
        }
        for c in kb.raw.causes
    ]


def allowed_values(finding: FindingDef) -> list[str]:
    if finding.graded:
        return [*finding.states, UNKNOWN]
    if not finding.asked:
        # A part of the leg named without a finer place (``pain_thigh``) records where a
        # symptom is. "No pain in the thigh" is left to the regions: as one finding its
        # absence would rule out every region at once, more than their independence allows.
        return ["present", UNKNOWN]
    return ["present", "absent", UNKNOWN]


def findings_catalogue(kb: KnowledgeBase, setting: str | None = None) -> list[dict[str, Any]]:
    """Every answerable finding instance: the ids a case uses."""
    out = []
    red_flags = kb.red_flag_findings
    for instance in kb.finding_instances:
        f = kb.findings[instance.id]
        if setting is not None and setting not in f.settings:
            continue
        out.append(
            {
                "id": instance.name,
                "finding": f.id,
                "side": instance.side,
                "category": f.category,
                "kind": "graded" if f.graded else "binary",
                "question": f.question,
                "clinician_text": f.clinician_text,
                "values": allowed_values(f),
                "settings": list(f.settings),
                "red_flag": f.id in red_flags,
            }
        )
    return out


def _link(kb: KnowledgeBase, link: LinkDef, states: tuple[str, ...]) -> dict[str, Any]:
    strength = dict(zip(states, link.distribution, strict=True))
    return {
        "finding": link.finding,
        "parent": link.parent,
        "side": link.side,
        "probabilities": strength,
        "basis": link.basis,
        **{k: v for k, v in provenance(kb, link.provenance).items() if k != "value"},
    }


def describe(kb: KnowledgeBase, entry_id: str) -> dict[str, Any]:
    """Any entry by id (base id or side instance): what it is, supplies, links, sources."""
    a = kb.raw.anatomy
    base = entry_id.removesuffix("_left").removesuffix("_right")
    states = {fid: f.states for fid, f in kb.findings.items()}
    links_from = [_link(kb, x, states[x.finding]) for x in kb.links if x.parent == base]
    for group, kind in (
        (a.roots, "root"),
        (a.nerves, "nerve"),
        (a.regions, "region"),
        (a.muscles, "muscle"),
        (a.movements, "movement"),
        (a.reflexes, "reflex"),
    ):
        for entry in group:
            if entry.id == base:
                return {"kind": kind, **entry.model_dump(), **_anatomy_relations(kb, kind, base)}
    patterns = {h.id: h for h in kb.hidden if h.kind == "pattern"}
    if base in kb.sites:
        site = next(s for s in sites_catalogue(kb) if s["id"] == base)
        causes = [c.id for c in kb.raw.causes if any(x.site == base for x in c.sites)]
        own = [
            {"pattern": h.id, **provenance(kb, link)}
            for h in patterns.values()
            for parent, link in h.parents
            if parent.removesuffix("_left").removesuffix("_right") == base
        ]
        return {"kind": "site", **site, "causes": causes, "findings": links_from, "patterns": own}
    if base in patterns:
        h = patterns[base]
        return {
            "kind": "pattern",
            "id": h.id,
            "leak": provenance(kb, h.probability),
            "sites": [{"site": parent, **provenance(kb, link)} for parent, link in h.parents],
            "findings": links_from,
        }
    if base in kb.causes:
        cause = next(c for c in causes_catalogue(kb) if c["id"] == base)
        return {"kind": "cause", **cause, "findings": links_from}
    if base in kb.findings:
        f = kb.findings[base]
        return {
            "kind": "finding",
            "id": f.id,
            "category": f.category,
            "lateral": f.lateral,
            "question": f.question,
            "clinician_text": f.clinician_text,
            "values": allowed_values(f),
            "derived_from": f.derived_from,
            "leak": dict(zip(f.states, f.leak, strict=True)),
            "leak_provenance": provenance(kb, f.leak_provenance),
            "parents": [_link(kb, x, f.states) for x in kb.links if x.finding == base],
        }
    if base in kb.references:
        return {"kind": "reference", **kb.references[base].model_dump()}
    from difflib import get_close_matches

    known = [*_all_ids(kb)]
    near = get_close_matches(base, known, n=3)
    hint = f"; did you mean {', '.join(near)}?" if near else ""
    raise UnknownEntryError(
        f"no root, nerve, region, muscle, movement, reflex, site, cause, "
        f"finding or reference has the id {entry_id!r}{hint}"
    )


def _all_ids(kb: KnowledgeBase) -> Iterator[str]:
    a = kb.raw.anatomy
    for group in (a.roots, a.nerves, a.regions, a.muscles, a.movements, a.reflexes):
        yield from (e.id for e in group)
    yield from kb.sites
    yield from kb.causes
    yield from (h.id for h in kb.hidden if h.kind == "pattern")
    yield from kb.findings
    yield from kb.references


def _anatomy_relations(kb: KnowledgeBase, kind: str, base: str) -> dict[str, Any]:
    a = kb.raw.anatomy
    if kind == "root":
        return {
            "regions_core": [r.id for r in a.regions if base in r.roots_core],
            "regions_variable": [r.id for r in a.regions if base in r.roots_variable],
            "nerves": [n.id for n in a.nerves if base in n.roots],
            "muscles_primary": [m.id for m in a.muscles if base in m.roots_primary],
            "muscles_secondary": [m.id for m in a.muscles if base in m.roots_secondary],
            "reflexes": [r.id for r in a.reflexes if base in r.roots],
            "sites": [s.id for s in kb.raw.sites if base in s.lesion.roots],
        }
    if kind == "nerve":
        branches = nerve_descendants(a.nerves)[base]
        return {
            "branches": sorted(branches - {base}),
            "regions": [r.id for r in a.regions if branches & set(r.nerves)],
            "muscles": [m.id for m in a.muscles if m.nerve in branches],
            "reflexes": [r.id for r in a.reflexes if r.nerve in branches],
            "sites": [s.id for s in kb.raw.sites if base in s.lesion.nerves],
        }
    if kind == "region":
        return {
            "findings": sorted(
                f
                for f, d in kb.findings.items()
                if d.derived_from and d.derived_from.endswith(f"region {base}")
            )
        }
    return {}


def _numbers(kb: KnowledgeBase) -> Iterator[schema.Probability | schema.Grades]:
    def walk(model: object) -> Iterator[schema.Probability | schema.Grades]:
        if isinstance(model, schema.Probability | schema.Grades):
            yield model
        elif isinstance(model, list | tuple):
            for item in model:
                yield from walk(item)
        elif isinstance(model, dict):  # a site's territory rates, by quality
            for item in model.values():
                yield from walk(item)
        elif isinstance(model, schema.Strict):
            for _, value in model:
                yield from walk(value)

    raw = kb.raw
    for entry in (*raw.sites, *raw.causes, *raw.findings, *raw.links, raw.derivation):
        yield from walk(entry)


def statistics(kb: KnowledgeBase) -> dict[str, Any]:
    """Counts, and how many numbers carry a literature source rather than an estimate."""
    a = kb.raw.anatomy
    numbers = list(_numbers(kb))
    sourced = sum(1 for n in numbers if n.source is not None)
    categories = Counter(kb.findings[i.id].category for i in kb.finding_instances)
    return {
        **kb.stamp(),
        "roots": len(a.roots),
        "nerves": len(a.nerves),
        "regions": len(a.regions),
        "regions_per_side": sum(1 for r in a.regions if r.lateral),
        "muscles": len(a.muscles),
        "movements": len(a.movements),
        "reflexes": len(a.reflexes),
        "sites": len(kb.raw.sites),
        "site_instances": sum(1 for h in kb.hidden if h.kind == "site"),
        "causes": len(kb.raw.causes),
        "cause_instances": sum(1 for h in kb.hidden if h.kind == "cause"),
        "region_patterns": sum(1 for h in kb.hidden if h.kind == "pattern"),
        "findings": len(kb.findings),
        "finding_instances": len(kb.finding_instances),
        "finding_instances_by_category": dict(sorted(categories.items())),
        "links": len(kb.links),
        "links_hand_written": sum(1 for x in kb.links if x.basis.startswith("hand-written")),
        "link_instances": sum(len(i.parents) for i in kb.finding_instances),
        "references": len(kb.raw.references),
        "numbers": len(numbers),
        "numbers_sourced": sourced,
        "numbers_estimated": len(numbers) - sourced,
        "share_sourced": round(sourced / len(numbers), 3) if numbers else 0.0,
    }
