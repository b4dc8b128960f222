"""Body-map regions on each side, and which answered findings mark which region."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from nervepath.knowledge.model import SIDES, KnowledgeBase

__all__ = ["RegionInstance", "marked_from_answers", "quality_names", "region_instances"]

# How a side is named after a region, by region group: "your big toe, left foot" reads better
# than "left leg" for a toe, and a buttock or hip belongs to a side rather than to a leg.
_SIDE_NOUN = {
    "foot": "foot",
    "ankle": "leg",
    "leg": "leg",
    "knee": "leg",
    "thigh": "leg",
    "hip": "side",
    "pelvis": "side",
    "back": "side",
}


@dataclass(frozen=True)
class RegionInstance:
    """A body-map region on one side (or midline): what a checkbox or a map shape stands for."""

    name: str  # instance name, as in finding ids: ``first_web_space_left``, ``saddle``
    id: str  # region id in the knowledge base: ``first_web_space``
    side: str | None  # ``left`` | ``right`` | None (midline)
    plain_name: str  # "the skin between your big toe and second toe"
    clinical_name: str  # "First dorsal web space"
    group: str  # foot | ankle | leg | knee | thigh | hip | pelvis | back

    def label(self, setting: str = "self_check") -> str:
        """An accessible name: "The top of your foot, left foot" (clinical words for clinicians)."""
        base = self.clinical_name if setting == "clinician" else self.plain_name
        base = base[:1].upper() + base[1:]
        if self.side is None:
            return base
        return f"{base}, {self.side} {_SIDE_NOUN.get(self.group, 'side')}"


def region_instances(kb: KnowledgeBase) -> list[RegionInstance]:
    """Every region instance of the knowledge base, in its anatomy order (left before right)."""
    out: list[RegionInstance] = []
    for region in kb.raw.anatomy.regions:
        for side in SIDES if region.lateral else (None,):
            name = region.id if side is None else f"{region.id}_{side}"
            out.append(
                RegionInstance(
                    name, region.id, side, region.name, region.clinical_name, region.group
                )
            )
    return out


def quality_names(kb: KnowledgeBase) -> dict[str, str]:
    """Sensory quality id → its name (``pins_and_needles`` → "Pins and needles")."""
    d = kb.raw.derivation
    return {q.id: q.name for q in (*d.sensory_qualities, d.sensory_exam)}


def _region_findings(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    """Finding id → (quality id, region id), for findings derived from quality × region.

    The derivation names these findings ``{quality}_{region}``; building the names from the
    qualities and regions (and keeping only those the knowledge base has) avoids guessing where
    a quality id ends and a region id begins.
    """
    d = kb.raw.derivation
    out: dict[str, tuple[str, str]] = {}
    for quality in (*d.sensory_qualities, d.sensory_exam):
        for region in kb.raw.anatomy.regions:
            fid = f"{quality.id}_{region.id}"
            finding = kb.findings.get(fid)
            if finding is not None and finding.derived_from is not None:
                out[fid] = (quality.id, region.id)
    return out


def marked_from_answers(kb: KnowledgeBase, answers: Mapping[str, object]) -> dict[str, list[str]]:
    """Region instance → quality ids answered ``present`` there, in answer order.

    ``answers`` maps finding instance names to states (a case's ``answers``); answers that are
    not a quality felt in a region (history, strength grades, unknown ids) are ignored.
    """
    by_finding = _region_findings(kb)
    instances = kb.finding_instances_by_name
    marked: dict[str, list[str]] = {}
    for name, state in answers.items():
        instance = instances.get(name)
        if instance is None or str(state).strip().lower() != "present":
            continue
        pair = by_finding.get(instance.id)
        if pair is None:
            continue
        quality, region = pair
        key = region if instance.side is None else f"{region}_{instance.side}"
        qualities = marked.setdefault(key, [])
        if quality not in qualities:
            qualities.append(quality)
    return marked
