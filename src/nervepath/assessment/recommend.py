"""What to do next: whom to see, which test confirms, and whether imaging is indicated.

The advice is data (``recommendations.yaml``), each item with its source. The order is fixed
so that the most important thing is read first:

1. what to do at this urgency level (at ``emergency``: go to an emergency department now,
   always first);
2. what each fired red flag calls for (e.g. same-day MRI for suspected cauda equina syndrome);
3. whom to see and which test confirms, for the candidate sites (care, test, imaging,
   examination, self-care, in that order), including for clinicians the classic examinations
   that separate two candidate sites (evidence §1.6). Advice such as "no routine imaging" is
   written to apply only when no red flag fired.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Final

from nervepath.assessment.triage import URGENCY_LEVELS, RedFlag, urgency_rank
from nervepath.errors import CaseError
from nervepath.knowledge import schema
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["RECOMMENDATION_KINDS", "SETTINGS", "Recommendation", "recommend"]

SETTINGS: Final = ("self_check", "clinician")
RECOMMENDATION_KINDS: Final = ("care", "test", "imaging", "examination", "self_care")


@dataclass(frozen=True)
class Recommendation:
    """One piece of advice: plain words for a self-check, clinical words for a clinician."""

    kind: str  # care | test | imaging | examination | self_care
    text: str
    source_ref: str
    citation: str


def recommend(
    kb: KnowledgeBase,
    *,
    setting: str,
    urgency: str,
    red_flags: Sequence[RedFlag],
    ranked_sites: Sequence[tuple[str, float]],
) -> tuple[Recommendation, ...]:
    """Recommendations for a triaged assessment.

    ``ranked_sites`` are site instance names (``l5_root_left``) with their posteriors;
    ``red_flags`` come from ``nervepath.assessment.triage.triage`` (most urgent first).
    """
    if setting not in SETTINGS:
        raise CaseError(f"setting {setting!r} is not known, expected one of {', '.join(SETTINGS)}")
    urgency_rank(urgency)  # raises CaseError for an unknown level
    book = kb.raw.recommendations
    citations = {r.id: r.citation for r in kb.raw.references}
    clinician = setting == "clinician"
    out: list[Recommendation] = []
    seen: set[tuple[str, str]] = set()

    def add(advice: Iterable[schema.Advice]) -> None:
        for item in advice:
            text = item.clinical if clinician else item.plain
            if (item.kind, text) not in seen:
                seen.add((item.kind, text))
                ref = item.source.ref
                out.append(Recommendation(item.kind, text, ref, citations.get(ref, ref)))

    # 1. The urgency level. In an emergency, sending to the emergency department comes first;
    #    at a lower level the same advice is the safety net, after what to do now.
    for level in book.urgency:
        if level.urgency == urgency:
            emergency = urgency == URGENCY_LEVELS[-1]
            add(
                sorted(level.advice, key=lambda a: a.see != "emergency_department")
                if emergency
                else level.advice
            )

    # 2. What each fired red flag calls for, most urgent flag first.
    for flag in red_flags:
        for action in book.red_flags:
            if flag.id in action.rules and setting in action.settings:
                add(action.advice)

    # 3. Whom to see and which test confirms, for the candidate sites; for clinicians, the
    #    examinations that separate two candidates. Sorted by kind: care before tests.
    candidates = _candidates(kb, ranked_sites, book.candidates)
    considered = candidates if clinician else candidates[:1]
    origins = {s.id: s.origin for s in kb.raw.sites}
    site_advice: list[schema.Advice] = []
    for site in considered:
        for entry in book.sites:
            if (
                (site in entry.sites or origins[site] in entry.origins)
                and urgency in entry.urgencies
                and setting in entry.settings
                and (entry.red_flags == "any" or not red_flags)
            ):
                site_advice.extend(entry.advice)
    if clinician:
        site_advice.extend(
            schema.Advice(
                kind="examination", plain=exam.plain, clinical=exam.clinical, source=exam.source
            )
            for exam in book.examinations
            if all(site in candidates for site in exam.between)
        )
    add(sorted(site_advice, key=lambda a: RECOMMENDATION_KINDS.index(a.kind)))
    return tuple(out)


def _candidates(
    kb: KnowledgeBase, ranked_sites: Sequence[tuple[str, float]], rule: schema.Candidates
) -> list[str]:
    """Base site ids of the leading sites, most probable first (sides merged)."""
    base = {h.name: h.id for h in kb.hidden if h.kind == "site"}
    problems: list[str] = []
    for name, p in ranked_sites:
        if name not in base:
            problems.append(f"{name!r} is not a site")
        elif not isinstance(p, int | float) or not math.isfinite(p) or not 0.0 <= p <= 1.0:
            problems.append(f"{name}: found probability {p!r}, expected a number from 0 to 1")
    if problems:
        raise CaseError("; ".join(problems))
    out: list[str] = []
    for name, p in sorted(ranked_sites, key=lambda item: -item[1]):
        if p >= rule.at_least.value and base[name] not in out:
            out.append(base[name])
    return out[: rule.top]
