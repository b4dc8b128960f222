"""The clinician form, built from the finding catalogue (so a new examination finding in the
knowledge base appears here without code), and the answers read back from a posted form."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nervepath.bodymap import region_instances
from nervepath.knowledge.catalogue import UNKNOWN, allowed_values
from nervepath.knowledge.model import SIDES, KnowledgeBase

__all__ = [
    "Cell",
    "RegionChoice",
    "Row",
    "Section",
    "examination_sections",
    "form_answers",
    "region_choices",
    "sensory_choices",
    "value_words",
]

SENSORY_PREFIX = "sensory_loss_"
_VALUE_WORDS = {"present": "yes / positive", "absent": "no / negative", UNKNOWN: "don't know"}


@dataclass(frozen=True)
class Cell:
    name: str  # the finding instance, which is also the form field's name
    side: str | None
    values: tuple[str, ...]


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell | None, ...]  # one per column of the section; None where no instance


@dataclass(frozen=True)
class Section:
    title: str
    sides: tuple[str | None, ...]
    rows: tuple[Row, ...]


@dataclass(frozen=True)
class RegionChoice:
    name: str  # region instance: heel_left, saddle
    label: str
    group: str


def value_words(value: str) -> str:
    return _VALUE_WORDS.get(value, value)


def region_choices(kb: KnowledgeBase, *, setting: str) -> list[tuple[str, list[RegionChoice]]]:
    """Body-map places grouped as the knowledge base groups them (foot, ankle, … back)."""
    groups: dict[str, list[RegionChoice]] = {}
    for place in region_instances(kb):
        # The same words as the place's name on the drawing ("…, left foot").
        choice = RegionChoice(place.name, place.label(setting), place.group)
        groups.setdefault(place.group, []).append(choice)
    return list(groups.items())


def examination_sections(kb: KnowledgeBase) -> list[Section]:
    """History and examination findings of the clinician setting, as rows of per-side cells.

    Symptoms and sensory loss are marked on body maps instead, so ``symptom`` and
    ``sensory_loss_*`` findings are left out here; so is weakness of a part of the leg with
    no muscle named (never asked): the form grades each movement.
    """
    by_base: dict[str, dict[str | None, str]] = {}
    for inst in kb.finding_instances:
        f = kb.findings[inst.id]
        if "clinician" in f.settings and f.category in ("history", "exam") and f.asked:
            by_base.setdefault(inst.id, {})[inst.side] = inst.name
    titles = {
        "strength": "Strength (MRC 0–5)",
        "reflex": "Reflexes",
        "exam": "Examination tests",
        "history": "History",
    }
    rows: dict[str, list[Row]] = {key: [] for key in titles}
    for base, sides in by_base.items():
        f = kb.findings[base]
        key = _section_key(base, f.category)
        if key == "sensory":
            continue
        label = f.clinician_text
        if key in ("strength", "reflex"):
            label = label.split(":")[0]
        cells = tuple(
            Cell(sides[s], s, tuple(v for v in allowed_values(f) if v != UNKNOWN))
            if s in sides
            else None
            for s in (None, *SIDES)
        )
        rows[key].append(Row(label, cells))
    return [
        Section(titles[key], (None, *SIDES), tuple(found)) for key, found in rows.items() if found
    ]


def _section_key(base: str, category: str) -> str:
    for prefix, key in (("strength_", "strength"), ("reflex_", "reflex"), ("sensory_", "sensory")):
        if base.startswith(prefix):
            return key
    return "history" if category == "history" else "exam"


def sensory_choices(kb: KnowledgeBase) -> list[tuple[str, list[RegionChoice]]]:
    """The places where sensory loss can be recorded: ``sensory_loss_{region}[_{side}]``."""
    names = {i.name for i in kb.finding_instances}
    return [
        (group, [c for c in items if f"{SENSORY_PREFIX}{c.name}" in names])
        for group, items in region_choices(kb, setting="clinician")
    ]


def form_answers(kb: KnowledgeBase, form: Mapping[str, Any]) -> dict[str, str]:
    """Answers from the examination fields of a posted form: a field named after a finding
    instance with a value; empty means not tested (and is left out)."""
    names = {i.name for i in kb.finding_instances}
    return {
        key: str(value)
        for key, value in form.items()
        if key in names and isinstance(value, str) and value
    }
