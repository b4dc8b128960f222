"""What an interview knows before its first answer — the questions' words with their sides
named, the body-map places, the warning signs in order — worked out once per knowledge base
and setting: every step of a web interview builds a new ``Interview``, and this part took
7–12 ms of each."""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Final

from nervepath.assessment.triage import urgency_rank
from nervepath.interview.start import StartQuestion, place_words, sided, start_questions
from nervepath.knowledge import schema
from nervepath.knowledge.checks import condition_leaves
from nervepath.knowledge.model import SIDES, FindingInstance, HiddenInstance, KnowledgeBase

__all__ = ["QUALITIES", "Plan", "body_map_answers", "plan"]

QUALITIES: Final = (
    "pain",
    "numbness",
    "pins_and_needles",
    "tingling",
    "burning",
    "heaviness",
    "weakness",
    "altered_sensation",
)
"""What may be felt in a place. ``altered_sensation`` is the knowledge base's quality group
(derivation.yaml › quality_groups): the place "feels different from normal" in a way none
of the other words fits, the OR of its members (numb, pins and needles, burning); without
it such a place had nothing to tick, and three tuning cases name just that."""
_GROUPS: Final = ("foot", "ankle", "leg", "knee", "thigh", "hip", "pelvis", "back")
KEPT: Final = 8
"""Plans kept (knowledge base × setting): a server holds one knowledge base, tests a few."""


@dataclass(frozen=True, eq=False)
class Plan:
    """The static part of an interview; shared by every interview, so never changed."""

    start: tuple[StartQuestion, ...]
    instances: Mapping[str, FindingInstance]  # the setting's finding instances by name
    triage_only: tuple[str, ...]
    hidden: Mapping[str, HiddenInstance]
    targets: list[str]  # the site instances, whose distribution the questions sharpen
    regions: tuple[schema.Region, ...]
    lateral: Mapping[str, bool]
    # region instance → (region, side); also each part of the leg on each side (thigh_left →
    # (thigh, left)): "somewhere in my left thigh", for a person who cannot place it finer
    places: Mapping[str, tuple[str, str | None]]
    parts: frozenset[str]  # the places that are parts of the leg, not regions
    place_findings: frozenset[str]
    place_words: Mapping[str, str]
    texts: Mapping[str, tuple[str, str]]  # instance → (plain, clinical) words, side named
    twins: Mapping[str, tuple[str, ...]]
    mirrors: Mapping[str, str]  # a lateral instance → the same finding on the other leg
    warning_order: tuple[str, ...]
    background: tuple[str, ...]  # the self-check's checklist of risk factors, in KB order
    signs: tuple[str, ...]  # the self-check's checklist of rare noticed signs, in KB order
    # a quality group among QUALITIES (altered_sensation) → the qualities it is the OR of
    vague: Mapping[str, frozenset[str]]


_plans: OrderedDict[tuple[int, str], tuple[weakref.ref[KnowledgeBase], Plan]] = OrderedDict()
_lock = threading.Lock()


def plan(kb: KnowledgeBase, setting: str) -> Plan:
    """The plan of ``kb`` in ``setting``, from the last ``KEPT`` made (keyed by the knowledge
    base's identity, checked through a weak reference, so that a new one is never confused
    with a dead one at the same address)."""
    key = (id(kb), setting)
    with _lock:
        kept = _plans.get(key)
        if kept is not None and kept[0]() is kb:
            _plans.move_to_end(key)
            return kept[1]
    made = _make(kb, setting)
    with _lock:
        _plans[key] = (weakref.ref(kb), made)
        _plans.move_to_end(key)
        while len(_plans) > KEPT:
            _plans.popitem(last=False)
    return made


def body_map_answers(
    instances: Mapping[str, object],
    sides: Iterable[str],
    regions: Iterable[str],
    qualities: Iterable[str],
) -> dict[str, str]:
    """``{quality}_{region}_{side}`` present for each choice, where such a finding exists."""
    sides = tuple(sides)
    out: dict[str, str] = {}
    for quality in qualities:
        for region in regions:
            for side in (None, *sides):
                name = f"{quality}_{region}" + (f"_{side}" if side else "")
                if name in instances:
                    out[name] = "present"
    return out


def _make(kb: KnowledgeBase, setting: str) -> Plan:
    instances = {i.name: i for i in kb.finding_instances if setting in kb.findings[i.id].settings}
    # Triage-only findings move no probability, so they are never candidates; they are
    # asked only once an answer has made them complete an emergency rule.
    triage_only = tuple(
        name for name, inst in instances.items() if kb.findings[inst.id].triage_only
    )
    # Stable: knowledge-base order within a group.
    regions = tuple(sorted(kb.raw.anatomy.regions, key=lambda r: _GROUPS.index(r.group)))
    # Body-map places: region instance → (region, side); the words name the side.
    places = {
        (r.id if not r.lateral else f"{r.id}_{side}"): (r.id, side if r.lateral else None)
        for r in regions
        for side in SIDES
    }
    # A part of the leg (derivation.yaml › region_groups) is a place too: its findings are
    # ``{quality}_{part}_{side}`` (``pain_thigh_left``), named like a region's, so the body
    # map reads it the same way. Without it "pain somewhere in my thigh" was marked as the
    # thigh's places with nothing said about them: nothing was recorded at all.
    parts = {
        f"{g.id}_{side}": (g.id, side) for g in kb.raw.derivation.region_groups for side in SIDES
    }
    names = {r.id: r.name for r in regions} | {
        g.id: g.name for g in kb.raw.derivation.region_groups
    }
    places |= parts
    # Each instance's words, its side named; the same words (``back_pain`` and
    # ``pain_lower_back``) get one answer.
    texts = {
        name: (
            sided(kb.findings[inst.id].question, inst.side),
            sided(kb.findings[inst.id].clinician_text, inst.side, clinician=True),
        )
        for name, inst in instances.items()
    }
    twins: dict[str, list[str]] = {}
    for name in instances:
        twins.setdefault(texts[name][0], []).append(name)
    # The screen lists the catalogue's warning signs (a red flag, or enough alone for an
    # urgent or emergency rule); what only completes a rule (back pain with a fever) is
    # asked as a follow-up once the rest of that rule is there.
    warning_order = tuple(
        fid
        for fid in _warning_order(kb.raw.triage, kb.findings, setting)
        if fid in kb.red_flag_findings
    )
    return Plan(
        start=start_questions(kb) if setting == "self_check" else (),
        instances=instances,
        triage_only=triage_only,
        hidden={h.name: h for h in kb.hidden},
        targets=[h.name for h in kb.hidden if h.kind == "site"],
        regions=regions,
        lateral={r.id: r.lateral for r in regions},
        places=places,
        parts=frozenset(parts),
        place_findings=frozenset(
            name
            for rid, side in places.values()
            for name in body_map_answers(instances, (side,) if side else (), (rid,), QUALITIES)
        ),
        place_words={p: place_words(names[rid], side) for p, (rid, side) in places.items()},
        texts=texts,
        twins={n: tuple(t for t in group if t != n) for group in twins.values() for n in group},
        mirrors=_mirrors(instances),
        warning_order=warning_order,
        background=_background(kb, instances) if setting == "self_check" else (),
        signs=_signs(kb, instances) if setting == "self_check" else (),
        vague={
            g.id: frozenset(g.qualities)
            for g in kb.raw.derivation.quality_groups
            if g.id in QUALITIES
        },
    )


def _background(kb: KnowledgeBase, instances: Mapping[str, FindingInstance]) -> tuple[str, ...]:
    """The risk factors a self-check lists on one checklist (``risk_factor: true``): each is
    rare, so worth little asked alone (a blood thinner ranked 17th to 23rd among the questions
    on the tuning half, never reached), yet decisive when present. Not the age (the start
    answers it), not a warning sign (the screen lists it), not one about one leg. A triage-only
    risk factor (drug injection, a weakened immune system, a recent spinal procedure: the
    spinal infection risks) is listed too: it moves no posterior, so no question ranking would
    ever reach it, and without it the rule that reads it (back pain with an infection risk,
    urgent) could not fire on a self-check."""
    ages = {f.id for f in kb.raw.findings if f.age_band is not None}
    return tuple(
        name
        for name, inst in instances.items()
        if inst.side is None
        and (f := kb.findings[inst.id]).risk_factor
        and f.asked
        and inst.id not in ages
        and inst.id not in kb.red_flag_findings
    )


def _signs(kb: KnowledgeBase, instances: Mapping[str, FindingInstance]) -> tuple[str, ...]:
    """The rare signs a person notices (``noticed: true``: a lump, a swelling, a wasted
    muscle, being unable to bear weight), listed on one checklist: each is rare, so asked alone
    it ranks too low to be reached, yet decisive when present (a lump along the nerve of a
    tarsal tunnel, a thin thigh of a femoral nerve palsy)."""
    noticed = {f.id for f in kb.raw.findings if f.noticed}
    return tuple(name for name, inst in instances.items() if inst.id in noticed)


def _mirrors(instances: Mapping[str, FindingInstance]) -> dict[str, str]:
    """Each lateral instance (``slr_positive_left``) → its other leg's (``…_right``): one
    finding, asked once per leg."""
    by_side = {(inst.id, inst.side): name for name, inst in instances.items() if inst.side}
    return {
        name: by_side[(inst.id, other)]
        for name, inst in instances.items()
        for other in SIDES
        if inst.side and other != inst.side and (inst.id, other) in by_side
    }


def _warning_order(
    book: schema.TriageBook, findings: Mapping[str, Any], setting: str
) -> tuple[str, ...]:
    """Warning-sign findings (base ids), most urgent rule first, then by rule order.

    A warning sign is a finding marked ``red_flag: true``, or one that an ``emergency`` rule
    names by its id: saddle numbness is the question NICE asks to put explicitly, and back
    pain completes the emergency pairs (fever or symptoms in both legs with a deficit). Rules
    that read a triage-only finding (a Wells item, a blood thinner, a risk factor) or say
    ``asked_first: false`` (a compartment syndrome, an Achilles rupture, a cancer with
    neurological symptoms) are left to the interview's escalation: their questions come once
    an answer has made one of them decisive, so the warning signs stay few.
    """
    rank: dict[str, tuple[int, int]] = {}
    named_by_emergency: set[str] = set()
    for order, rule in enumerate(book.rules):
        leaves = [leaf.finding for leaf in condition_leaves(rule.when)]
        reads_triage_only = any(fid in findings and findings[fid].triage_only for fid in leaves)
        escalated = reads_triage_only or not rule.asked_first
        for fid in leaves:
            if fid.endswith("*"):
                continue
            key = (-urgency_rank(rule.level), order)
            rank[fid] = min(rank.get(fid, key), key)
            if rule.level == "emergency" and not escalated:
                named_by_emergency.add(fid)
    chosen = [
        fid
        for fid, f in findings.items()
        if setting in f.settings
        and (f.red_flag or (fid in named_by_emergency and f.asked and not f.triage_only))
    ]
    unranked = (1, len(book.rules))
    return tuple(sorted(chosen, key=lambda fid: rank.get(fid, unranked)))
