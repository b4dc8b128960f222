"""Follow-up questions one answer from an emergency: which unanswered findings would fire a
new emergency rule, and which of them to ask first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

from nervepath.assessment.triage import triage
from nervepath.interview.plan import Plan
from nervepath.interview.state import State
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["ESCALATION_BUDGET", "Fired", "escalating", "follow_first"]

ESCALATION_BUDGET: Final = 3
"""Most "one answer from an emergency" follow-up questions put ahead of the most useful one."""

# An emergency rule → the findings that would fire it (one follow-up answer away).
Fired = dict[str, frozenset[str]]


def follow_first(
    kb: KnowledgeBase,
    plan: Plan,
    state: State,
    evidence: Mapping[str, str],
    found: Mapping[str, Fired],
) -> list[str]:
    """The follow-up candidates to rank (``found``: :func:`escalating`'s), the most pressing
    tier only: first those that could fire an emergency rule no earlier follow-up could have
    fired AND that reads a warning sign ticked on the screen (a swollen calf ticked: the
    breathlessness of a clot on the lung, the pain of a compartment syndrome), then any such
    new rule, then the rest. So the budget is not spent on one rule's many items (each leg
    movement of a new weakness) while another emergency's single question goes unasked."""
    probed = escalating(kb, plan, evidence, state.followed, answered=True)
    asked_rules = {rule for fired in probed.values() for rule in fired}
    ticked = {n for n in state.screen if state.answers.get(n) == "present"}

    def tier(name: str) -> int:
        new = {r: f for r, f in found[name].items() if r not in asked_rules}
        if not new:
            return 2
        return 0 if any(findings & ticked for findings in new.values()) else 1

    best = min(tier(n) for n in found)
    return [n for n in found if tier(n) == best]


def escalating(
    kb: KnowledgeBase,
    plan: Plan,
    evidence: Mapping[str, str],
    candidates: Iterable[str],
    *,
    answered: bool = False,
) -> dict[str, Fired]:
    """Unanswered findings one of whose answers alone would fire a new emergency rule,
    each with the rules it would fire and the findings that would fire them;
    ``answered``: findings already answered, as if their answer were changed (what an
    earlier follow-up question could have fired)."""

    def emergency_rules(answers: Mapping[str, str]) -> Fired:
        found = triage(kb, answers, {}).red_flags
        return {f.id: frozenset(f.findings) for f in found if f.level == "emergency"}

    now = {} if answered else emergency_rules(evidence)
    out: dict[str, Fired] = {}
    for name in candidates:
        if plan.instances[name].id not in kb.triaged_findings:
            continue
        base = evidence
        if answered:
            base = {k: v for k, v in evidence.items() if k != name}
            now = emergency_rules(base)
        states = kb.findings[plan.instances[name].id].states
        # states[0] is the normal state (absent, MRC 5, normal reflex).
        rules: dict[str, frozenset[str]] = {}
        for value in states[1:]:
            for rule, found in emergency_rules({**base, name: value}).items():
                if rule not in now:
                    rules[rule] = rules.get(rule, frozenset()) | found
        if rules:
            out[name] = rules
    return out
