"""What a person reads about their result, on the web page and on the patient report alike.

Worked out from the assessment document and the knowledge base's plain words (patient.yaml):
the likeliest condition in plain words with its medical name, the ranked sites in words
(most likely / possible / less likely) with their numbers kept for those who ask, the answers
that most support the top site, its causes, and the safety net every result carries. When the
urgency is an emergency, the emergency is the headline and the sites are only "what else was
considered", so nothing below the banner reads as a calmer answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nervepath.knowledge.model import KnowledgeBase
from nervepath.knowledge.schema import Citation, PlainCondition

__all__ = [
    "MOST_LIKELY",
    "PlainCause",
    "PlainSite",
    "Reason",
    "SafetyNet",
    "Source",
    "TopAnswer",
    "View",
    "patient_view",
]

MOST_LIKELY, POSSIBLE, LESS_LIKELY = "most likely", "possible", "less likely"
SITES_SHOWN = 4
REASONS_SHOWN = 3
NOTABLE = 0.1
"""A change in log-odds worth a sentence (smaller ones are noise)."""
CAUSE_SHOWN = 0.05
"""A cause of the top site named to the person ("a slipped disc between …")."""
CAUSES_SHOWN = 3
_SAID = {"present": "yes"}  # only a "yes" is a reason: a "no" that raises a site reads as nonsense


@dataclass(frozen=True)
class Source:
    ref: str
    title: str  # short: "NHS. Sciatica"
    url: str | None


@dataclass(frozen=True)
class PlainSite:
    """One ranked site in words; ``probability`` is shown only on request."""

    words: str  # most likely | possible | less likely
    condition: str
    medical_name: str
    meaning: str
    side: str | None
    probability: float


@dataclass(frozen=True)
class TopAnswer:
    site: PlainSite
    explanation: str
    source: Source
    clear: bool  # False: even the likeliest site is below "possible"


@dataclass(frozen=True)
class Reason:
    question: str
    side: str | None
    answer: str


@dataclass(frozen=True)
class PlainCause:
    plain_name: str
    name: str
    side: str | None
    probability: float


@dataclass(frozen=True)
class SafetyNet:
    heading: str
    signs: tuple[str, ...]
    source: Source


@dataclass(frozen=True)
class View:
    """The result in a person's words (see the module docstring)."""

    emergency: bool
    top: TopAnswer | None
    sites: tuple[PlainSite, ...]
    reasons: tuple[Reason, ...]
    causes: tuple[PlainCause, ...]
    safety_net: SafetyNet


def _source(kb: KnowledgeBase, cited: Citation) -> Source:
    ref = kb.references.get(cited.ref)
    if ref is None:
        return Source(cited.ref, cited.ref, None)
    head = ref.citation.split(":", 1)[0]
    return Source(cited.ref, head if len(head) <= 90 else head[:87] + "…", ref.url)


def _conditions(kb: KnowledgeBase) -> dict[str, PlainCondition]:
    return {c.site: c for c in kb.raw.patient.conditions}


def patient_view(doc: Mapping[str, Any], kb: KnowledgeBase) -> View:
    """The plain view of an assessment document (``Assessment.to_dict()``, as stored)."""
    book = kb.raw.patient
    conditions = _conditions(kb)
    threshold = book.likelihood.possible_at_least.value
    ranked: Sequence[Mapping[str, Any]] = doc.get("sites", ())
    clear = bool(ranked) and float(ranked[0]["probability"]) >= threshold
    emergency = doc.get("urgency") == "emergency"

    def words(rank: int, p: float) -> str:
        if rank == 0 and clear and not emergency:
            return MOST_LIKELY
        return POSSIBLE if p >= threshold else LESS_LIKELY

    sites = tuple(
        _plain_site(s, conditions, words(rank, float(s["probability"])))
        for rank, s in enumerate(ranked[:SITES_SHOWN])
    )
    top = None
    if ranked and not emergency:
        entry = conditions.get(str(ranked[0]["id"]))
        if entry is not None:
            top = TopAnswer(sites[0], entry.explanation, _source(kb, entry.source), clear)
    net = book.safety_net
    return View(
        emergency=emergency,
        top=top,
        sites=sites,
        reasons=_reasons(doc, kb, ranked[0]) if top is not None else (),
        causes=_causes(doc, kb, ranked[0]) if top is not None else (),
        safety_net=SafetyNet(net.heading, tuple(net.signs), _source(kb, net.source)),
    )


def _plain_site(
    s: Mapping[str, Any], conditions: Mapping[str, PlainCondition], words: str
) -> PlainSite:
    entry = conditions.get(str(s["id"]))
    plain = str(s.get("plain_name", s["id"]))
    return PlainSite(
        words=words,
        condition=entry.condition if entry else plain[:1].upper() + plain[1:],
        medical_name=entry.medical_name if entry else str(s.get("name", "")),
        meaning=entry.meaning if entry else plain,
        side=s.get("side"),
        probability=float(s["probability"]),
    )


def _reasons(
    doc: Mapping[str, Any], kb: KnowledgeBase, top: Mapping[str, Any]
) -> tuple[Reason, ...]:
    """The person's own "yes" answers that raised the top site most: never an answer they did
    not give, never a "no" or "don't know", never one that argues against it."""
    given = doc.get("answers") or {}
    instances = kb.finding_instances_by_name
    supporting = sorted(
        (
            c
            for c in top.get("explanation", ())
            if c["state"] in _SAID
            and given.get(c["finding"]) == c["state"]
            and float(c["log_odds_change"]) > NOTABLE
        ),
        key=lambda c: -float(c["log_odds_change"]),
    )
    out = []
    for c in supporting[:REASONS_SHOWN]:
        found = instances.get(c["finding"])
        out.append(Reason(str(c["question"]), found.side if found else None, _SAID[c["state"]]))
    return tuple(out)


def _causes(
    doc: Mapping[str, Any], kb: KnowledgeBase, top: Mapping[str, Any]
) -> tuple[PlainCause, ...]:
    """The likeliest causes of the top site on its side (or midline)."""
    site, side = top["id"], top.get("side")
    out = []
    for c in doc.get("causes", ()):
        cause = kb.causes.get(c["id"])
        if cause is None or site not in {s.site for s in cause.sites}:
            continue
        if c.get("side") not in (None, side) or float(c["probability"]) < CAUSE_SHOWN:
            continue
        out.append(PlainCause(c["plain_name"], c["name"], c.get("side"), float(c["probability"])))
    return tuple(out[:CAUSES_SHOWN])
