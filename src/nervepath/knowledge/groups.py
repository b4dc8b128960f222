"""Derived findings that are the OR of other derived findings: a part of the leg named without
a finer place ("pain in the thigh", "reduced sensation in the foot", "4/5 power in the leg")
and a feeling named without its kind ("altered sensation of the toes"). Here only which
findings each is made of; ``derive`` gives them their numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase

__all__ = ["OrFinding", "or_findings", "part_regions"]


@dataclass(frozen=True)
class OrFinding:
    """A derived finding that is the OR of other derived findings: a part of the leg named
    without a finer place, or a feeling named without its kind."""

    id: str
    members: tuple[str, ...]
    lateral: bool
    question: str
    clinician_text: str
    what: str  # for the leak's rationale: "numbness in at least one region of foot"
    basis: str


def or_findings(kb: RawKnowledgeBase) -> Iterator[OrFinding]:
    """Region groups × their qualities and movements, then quality groups × every region and
    region group."""
    qualities = {q.id: q for q in kb.derivation.sensory_qualities}
    # A part may be examined as well as felt: its sensory loss is the OR of the regions' too.
    region_qualities = {**qualities, kb.derivation.sensory_exam.id: kb.derivation.sensory_exam}

    for group in kb.derivation.region_groups:
        for qid in group.qualities:
            quality = region_qualities.get(qid)
            if quality is None:
                continue  # reported by the checks
            regions = [r for r in part_regions(kb, group) if quality.applies_to(r)]
            if regions:
                yield OrFinding(
                    f"{quality.id}_{group.id}",
                    tuple(f"{quality.id}_{r.id}" for r in regions),
                    True,
                    quality.question.format(region=group.name),
                    f"{quality.name}: {group.clinical_name}",
                    f"{quality.name.lower()} in at least one region of {group.id}",
                    f"{quality.id} × region group {group.id}",
                )
        yield from _motor_part(kb, group)
    places: list[tuple[str, str, str, bool, list[schema.Region]]] = [
        (r.id, r.name, r.clinical_name, r.lateral, [r]) for r in kb.anatomy.regions
    ] + [
        (g.id, g.name, g.clinical_name, True, part_regions(kb, g))
        for g in kb.derivation.region_groups
    ]
    for kind in kb.derivation.quality_groups:
        members = [qualities[q] for q in kind.qualities if q in qualities]
        for place, name, clinical_name, lateral, regions in places:
            ids = tuple(f"{q.id}_{r.id}" for q in members for r in regions if q.applies_to(r))
            if ids:
                yield OrFinding(
                    f"{kind.id}_{place}",
                    ids,
                    lateral,
                    kind.question.format(region=name),
                    f"{kind.name}: {clinical_name}",
                    f"{kind.name.lower()} (any of {', '.join(q.id for q in members)}) in {place}",
                    f"quality group {kind.id} × {place}",
                )


def part_regions(kb: RawKnowledgeBase, group: schema.RegionGroup) -> list[schema.Region]:
    """The body-map regions (one side's) of a part of the leg."""
    return [r for r in kb.anatomy.regions if r.lateral and r.group in group.groups]


def _motor_part(kb: RawKnowledgeBase, group: schema.RegionGroup) -> Iterator[OrFinding]:
    """Weakness found on examination in the part: some movement of it graded below normal.
    Under noisy-MAX "not the normal grade" is itself a noisy-OR, so the OR is exact."""
    motor = kb.derivation.motor_part
    known = {m.id for m in kb.anatomy.movements}
    members = tuple(f"strength_{m}" for m in group.movements if m in known)
    if motor is None or not members:
        return  # a group's movements without motor_part are reported by the checks
    yield OrFinding(
        f"{motor.id}_{group.id}",
        members,
        True,
        motor.question.format(region=group.name),
        f"{motor.name}: {group.clinical_name}",
        f"{motor.name.lower()} (strength below normal) in at least one movement of {group.id}",
        f"{motor.id} × region group {group.id}",
    )
