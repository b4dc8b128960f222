"""Red flags and urgency: guideline rules over the answers, never quieter than the probabilities.

Why the rules override the probabilities
----------------------------------------
The network is calibrated on people who present with foot or leg pain, where cauda equina
syndrome is about 1 in 2,500 back-pain presentations and every single red flag is weak
(LR+ ≈ 1–2.5 in suspected-CES cohorts; 80% of acute back pain has at least one red flag, but
serious pathology is under 1%: evidence §0 item 5, §3.5). A posterior therefore stays low after
one red flag, which is right as a probability and wrong as advice: guidelines (GIRFT suspected
CES pathway, NICE CKS, the IFOMPT framework) send every suspected CES for same-day MRI because
missing one costs bladder, bowel and sexual function for life while an unnecessary scan costs
an evening. The asymmetry of harms, not the probability, sets the level. So:

* each rule in ``triage.yaml`` that fires sets a floor on urgency;
* the probabilities give only a *baseline* level (``baselines``, or the ``default``);
* urgency = the highest of the baseline and every fired rule. Adding an answer can raise the
  urgency of a rule, and no probability can lower it;
* a rule's ``unless`` says what its wording excludes, and a companion rule covers that case
  (new sexual dysfunction with back or leg symptoms shows only the emergency rule; a dense foot
  drop localised to the fibular head only the urgent one); ``excludes`` names such pairs, and a
  test checks that they never both fire on the same leg;
* a rule that fires on a leg is silenced only by what its ``unless`` finds on that leg (and in
  the midline): a finding on the other leg never quietens it (``_fires``); a baseline's
  ``unless`` likewise reads the side of the site it names (``_side_of``);
* a rule with ``long_standing`` fires one level lower, worded so, when the symptoms are
  long-standing and not getting worse (the CES pathway's flags are for recent onset or
  deterioration): by the book's ``long_standing`` condition, or by the rule's own where its
  meaning rests on one course (a motor deficit's, not the pain's). Only tempo answers,
  localising findings or a more urgent rule make a rule stand down or step down.

Levels, least to most urgent: ``self_care`` < ``routine`` (weeks) < ``urgent`` (days) <
``emergency`` (same day, emergency department).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Final

from nervepath.errors import CaseError
from nervepath.knowledge import schema
from nervepath.knowledge.model import SIDES, KnowledgeBase

__all__ = [
    "URGENCY_LEVELS",
    "BaselineLevel",
    "RedFlag",
    "Triage",
    "most_urgent",
    "triage",
    "urgency_rank",
]

URGENCY_LEVELS: Final = ("self_care", "routine", "urgent", "emergency")
"""Urgency levels from least to most urgent."""


@dataclass(frozen=True)
class RedFlag:
    """A triage rule that fired, with the answered findings (instance names) that fired it."""

    id: str
    level: str
    plain: str
    clinical: str
    source_ref: str
    source_locator: str | None
    citation: str
    findings: tuple[str, ...]
    long_standing: bool = False  # fired one level lower: long-standing and not getting worse


@dataclass(frozen=True)
class BaselineLevel:
    """The level the probabilities suggest, and the sites or causes that suggest it."""

    id: str  # a baseline id from triage.yaml, or "default"
    level: str
    plain: str
    clinical: str
    source_ref: str
    source_locator: str | None
    citation: str
    hidden: tuple[str, ...]  # site or cause instance names involved, most probable first


@dataclass(frozen=True)
class Triage:
    """How urgent, which red flags fired (most urgent first), and the probability baseline."""

    urgency: str
    red_flags: tuple[RedFlag, ...]
    baselines: tuple[BaselineLevel, ...] = ()


def urgency_rank(level: str) -> int:
    """0 for ``self_care`` … 3 for ``emergency``."""
    try:
        return URGENCY_LEVELS.index(level)
    except ValueError:
        raise CaseError(
            f"urgency {level!r} is not a level, expected one of {', '.join(URGENCY_LEVELS)}"
        ) from None


def most_urgent(levels: Iterable[str]) -> str:
    """The highest of ``levels`` (``self_care`` when there are none)."""
    return max(levels, key=urgency_rank, default=URGENCY_LEVELS[0])


@dataclass(frozen=True)
class _Fact:
    name: str  # instance name, e.g. foot_drop_left
    side: str | None
    state: str


_Facts = Mapping[str, tuple[_Fact, ...]]  # base finding id -> its answered instances


def triage(
    kb: KnowledgeBase,
    evidence: Mapping[str, str],
    site_probabilities: Mapping[str, float],
    *,
    cause_probabilities: Mapping[str, float] | None = None,
    site_explains: Mapping[str, float] | None = None,
) -> Triage:
    """Urgency and red flags for answered findings and the posterior probabilities.

    ``evidence`` maps finding instance names (``foot_drop_left``, ``numbness_saddle``,
    ``strength_ankle_dorsiflexion_right``) to states; ``site_probabilities`` (and optionally
    ``cause_probabilities``) map site (cause) instance names to posteriors. Unknown names,
    states or probabilities outside [0, 1] raise ``CaseError``: a misspelt red flag must never
    be silently ignored.
    """
    facts = _facts(kb, evidence)
    sites = _probabilities(kb, site_probabilities, "site")
    causes = _probabilities(kb, cause_probabilities or {}, "cause")
    # A baseline's rivals (``others_below``) are weighed by what they explain of the answers
    # where that is given: a site likely by age alone points to nothing reported.
    rivals = sites | _probabilities(kb, site_explains or {}, "site")
    book = kb.raw.triage
    citations = {r.id: r.citation for r in kb.raw.references}

    # 1. Red-flag rules: each that holds is a floor on urgency; a rule that reads the tempo is
    #    one level lower when the symptoms are long-standing and not getting worse.
    book_stable = book.long_standing.when if book.long_standing is not None else None
    fired: list[tuple[int, int, RedFlag]] = []
    for order, rule in enumerate(book.rules):
        hits = _fires(rule, facts)
        if hits is None:
            continue
        level: str = rule.level
        plain, clinical = rule.plain, rule.clinical
        step_down = rule.long_standing
        stable = book_stable if step_down is None or step_down.when is None else step_down.when
        if stable is None or _holds(stable, facts, None) is None:
            step_down = None
        if step_down is not None:
            level = URGENCY_LEVELS[urgency_rank(rule.level) - 1]
            plain, clinical = step_down.plain, step_down.clinical
        flag = RedFlag(
            rule.id,
            level,
            plain,
            clinical,
            rule.source.ref,
            rule.source.locator,
            citations.get(rule.source.ref, rule.source.ref),
            tuple(sorted(hits)),
            step_down is not None,
        )
        fired.append((-urgency_rank(level), order, flag))
    red_flags = tuple(flag for *_, flag in sorted(fired, key=lambda t: (t[0], t[1])))

    # 2. Baselines from the probabilities; the default only when none matches. A baseline's
    #    ``unless`` is read on the side of the site it names, as a rule's is on its leg.
    baselines = [
        _baseline_level(b, hidden, citations)
        for b in book.baselines
        if (b.when is None or _holds(b.when, facts, None) is not None)
        and (hidden := _baseline_holds(kb, b, sites, causes, rivals)) is not None
        and (b.unless is None or _holds(b.unless, facts, _side_of(kb, hidden)) is None)
    ]
    if not baselines:
        d = book.default
        baselines = [
            BaselineLevel(
                "default",
                d.level,
                d.plain,
                d.clinical,
                d.source.ref,
                d.source.locator,
                citations.get(d.source.ref, d.source.ref),
                (),
            )
        ]

    # 3. The highest level wins: rules can only raise urgency.
    urgency = most_urgent([*(b.level for b in baselines), *(f.level for f in red_flags)])
    return Triage(urgency, red_flags, tuple(baselines))


def _nearest(name: str, known: Iterable[str]) -> str:
    near = get_close_matches(name, list(known), n=3)
    return f" (did you mean {', '.join(near)}?)" if near else ""


def _facts(kb: KnowledgeBase, evidence: Mapping[str, str]) -> _Facts:
    """Validate the answers and group them by base finding id."""
    instances = kb.finding_instances_by_name
    problems: list[str] = []
    grouped: dict[str, list[_Fact]] = {}
    for name, state in evidence.items():
        instance = instances.get(name)
        if instance is None:
            problems.append(f"{name!r} is not a finding{_nearest(name, instances)}")
            continue
        allowed = (*kb.findings[instance.id].states, "unknown")
        if state not in allowed:
            problems.append(
                f"{name}: found {state!r}, expected one of {', '.join(allowed)}"
                f"{_nearest(str(state), allowed)}"
            )
            continue
        grouped.setdefault(instance.id, []).append(_Fact(name, instance.side, state))
    if problems:
        raise CaseError("; ".join(problems))
    return {fid: tuple(items) for fid, items in grouped.items()}


def _probabilities(kb: KnowledgeBase, values: Mapping[str, float], kind: str) -> dict[str, float]:
    known = {h.name for h in kb.hidden if h.kind == kind}
    problems: list[str] = []
    for name, p in values.items():
        if name not in known:
            problems.append(f"{name!r} is not a {kind}{_nearest(name, known)}")
        elif not isinstance(p, int | float) or not math.isfinite(p) or not 0.0 <= p <= 1.0:
            problems.append(f"{name}: found probability {p!r}, expected a number from 0 to 1")
    if problems:
        raise CaseError("; ".join(problems))
    return dict(values)


def _matching(facts: _Facts, pattern: str, excluding: Iterable[str] = ()) -> Iterable[_Fact]:
    if pattern.endswith("*"):
        prefix, skip = pattern[:-1], set(excluding)
        return [
            f
            for fid, items in facts.items()
            if fid.startswith(prefix) and fid not in skip
            for f in items
        ]
    return facts.get(pattern, ())


def _fires(rule: schema.TriageRule, facts: _Facts) -> frozenset[str] | None:
    """The instances that fire ``rule`` (None if it does not fire).

    A rule fires for the whole person when its ``when`` holds and its ``unless`` does not. It
    also fires on one leg when its ``when`` holds with a finding on that leg and its ``unless``
    does not hold on that leg (that leg's findings and the midline ones): what the ``unless``
    excludes ("localised to the fibular head", "began in sport") is said of a leg, and evidence
    about the other leg must never silence a red flag (a peroneal palsy placed at the left
    fibular head says nothing of a dense foot drop on the right). A rule whose ``when`` reads
    only midline findings ("without leg symptoms") keeps its ``unless`` over both legs.
    """
    whole = _holds(rule.when, facts, None)
    if whole is None or rule.unless is None or _holds(rule.unless, facts, None) is None:
        return whole
    found: set[str] = set()
    for leg in SIDES:
        on_leg = {f.name for items in facts.values() for f in items if f.side == leg}
        hits = _holds(rule.when, facts, leg)
        if hits is not None and hits & on_leg and _holds(rule.unless, facts, leg) is None:
            found.update(hits)
    return frozenset(found) or None


def _holds(
    condition: schema.FindingCondition
    | schema.AllOf
    | schema.AnyOf
    | schema.AtLeast
    | schema.Score,
    facts: _Facts,
    side: str | None,
) -> frozenset[str] | None:
    """The instances that make ``condition`` hold (None if it does not).

    ``side`` restricts lateral findings to one leg (inside ``all_of`` with ``same_side``, or a
    rule fired on one leg); midline findings match on either, and ``sides: both`` always reads
    both legs.
    """
    if isinstance(condition, schema.FindingCondition):
        if condition.sides == "both":
            side = None
        hits = [
            f
            for f in _matching(facts, condition.finding, condition.excluding)
            if f.state in condition.states and (side is None or f.side in (None, side))
        ]
        if condition.sides == "both" and side is None:
            hit_sides = {f.side for f in hits}
            if None not in hit_sides and not set(SIDES) <= hit_sides:
                return None
        return frozenset(f.name for f in hits) or None
    if isinstance(condition, schema.AllOf):
        legs: tuple[str | None, ...] = SIDES if condition.same_side and side is None else (side,)
        found: set[str] = set()
        holds = False
        for leg in legs:
            results = [_holds(part, facts, leg) for part in condition.all_of]
            if all(r is not None for r in results):
                holds = True
                found.update(*(r for r in results if r is not None))
        return frozenset(found) if holds else None
    if isinstance(condition, schema.Score):
        held_items = [
            (item.points, p)
            for item in condition.items
            if (p := _holds(item.when, facts, side)) is not None
        ]
        if sum(points for points, _ in held_items) < condition.score_at_least:
            return None
        return frozenset().union(*(p for points, p in held_items if points > 0))
    parts = condition.any_of if isinstance(condition, schema.AnyOf) else condition.of
    needed = 1 if isinstance(condition, schema.AnyOf) else condition.at_least
    held = [p for part in parts if (p := _holds(part, facts, side)) is not None]
    return frozenset().union(*held) if len(held) >= needed else None


def _baseline_holds(
    kb: KnowledgeBase,
    baseline: schema.Baseline,
    sites: Mapping[str, float],
    causes: Mapping[str, float],
    rivals: Mapping[str, float],
) -> tuple[str, ...] | None:
    """The instances that make a baseline match, most probable first (None if it does not);
    ``rivals`` weigh the other sites against ``others_below``."""
    base = {h.name: h.id for h in kb.hidden}
    if baseline.probability_of is not None and baseline.at_least is not None:
        threshold = baseline.at_least.value
        over = [
            (p, name)
            for name, p in (*sites.items(), *causes.items())
            if base[name] == baseline.probability_of and p >= threshold
        ]
        return tuple(name for _, name in sorted(over, reverse=True)) or None
    if not sites:
        return None
    top_name, top_p = max(sites.items(), key=lambda item: item[1])
    if base[top_name] not in baseline.top_site_in:
        return None
    if baseline.top_at_least is not None and top_p < baseline.top_at_least.value:
        return None
    if baseline.others_below is not None and any(
        p >= baseline.others_below.value
        for name, p in rivals.items()
        if base[name] not in baseline.top_site_in
    ):
        return None
    return (top_name,)


def _side_of(kb: KnowledgeBase, hidden: tuple[str, ...]) -> str | None:
    """The one leg the matched sites or causes lie on (None: midline, or both legs)."""
    sides = {h.side for h in kb.hidden if h.name in hidden}
    return sides.pop() if len(sides) == 1 else None


def _baseline_level(
    baseline: schema.Baseline, hidden: tuple[str, ...], citations: Mapping[str, str]
) -> BaselineLevel:
    return BaselineLevel(
        baseline.id,
        baseline.level,
        baseline.plain,
        baseline.clinical,
        baseline.source.ref,
        baseline.source.locator,
        citations.get(baseline.source.ref, baseline.source.ref),
        hidden,
    )
