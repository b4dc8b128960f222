"""Rules whose wordings exclude each other never fire together on one leg, and a red flag on
one leg is never silenced by findings on the other.

A rule's ``excludes`` names the rules whose wording contradicts its own ("without back
symptoms" against "with back symptoms", "localised to the fibular head" against "not
localised"). For each such pair this test builds answers that satisfy both rules' ``when``
conditions at once (every way it can, up to a cap) and fails if both rules fire on any of them
for the same leg: the ``unless`` conditions must cover what the wordings claim. The same
generator then puts what each rule's ``unless`` excludes on the other leg only, and fails if
that silences the rule.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace

import pytest
from triage_support import merge, witnesses

from nervepath.assessment.triage import triage
from nervepath.knowledge import schema
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

SHIPPED = load_knowledge_base()


def _pairs(kb: KnowledgeBase) -> Iterator[tuple[schema.TriageRule, schema.TriageRule]]:
    rules = {r.id: r for r in kb.raw.triage.rules}
    for rule in kb.raw.triage.rules:
        for other in rule.excludes:
            if rule.id < other:
                yield rule, rules[other]


PAIRS = list(_pairs(SHIPPED))


def test_exclusions_are_declared_both_ways() -> None:
    rules = {r.id: r for r in SHIPPED.raw.triage.rules}
    for rule in rules.values():
        for other in rule.excludes:
            assert rule.id in rules[other].excludes, f"{other} should exclude {rule.id}"
    assert len(PAIRS) >= 5


@pytest.mark.parametrize(("first", "second"), PAIRS, ids=[f"{a.id}|{b.id}" for a, b in PAIRS])
def test_rules_whose_wordings_exclude_each_other_never_fire_together(
    first: schema.TriageRule, second: schema.TriageRule
) -> None:
    rng = random.Random(f"{first.id}|{second.id}")
    cases = [
        merged
        for a in witnesses(SHIPPED, first.when, None, rng)
        for b in witnesses(SHIPPED, second.when, None, rng)
        if (merged := merge((a, b))) is not None
    ]
    assert cases, "no answers satisfy both conditions: the generator found nothing to test"
    fired_one = 0
    for evidence in cases:
        flags = {f.id: f for f in triage(SHIPPED, evidence, {}).red_flags}
        if first.id in flags and second.id in flags:
            # Only on different legs: a dense foot drop on the right (emergency) beside one
            # placed at the left fibular head (urgent).
            legs = [_legs(flags[first.id].findings), _legs(flags[second.id].findings)]
            assert all(legs) and not legs[0] & legs[1], f"both fired on {evidence}"
        fired_one += bool({first.id, second.id} & flags.keys())
    assert fired_one == len(cases)  # their conditions hold, so one of the two always speaks


def _legs(findings: tuple[str, ...]) -> set[str]:
    sides = (SHIPPED.finding_instances_by_name[name].side for name in findings)
    return {side for side in sides if side is not None}


SIDED = [r for r in SHIPPED.raw.triage.rules if r.unless is not None]


@pytest.mark.parametrize("rule", SIDED, ids=[r.id for r in SIDED])
def test_a_red_flag_on_one_leg_is_never_silenced_by_the_other_leg(
    rule: schema.TriageRule,
) -> None:
    """Each way the rule fires on the left, with each way its ``unless`` holds made of
    right-leg findings only: the rule still fires, on the left."""
    rng = random.Random(rule.id)
    fired_left = [
        evidence
        for evidence in witnesses(SHIPPED, rule.when, "left", rng)
        if _legs(tuple(evidence)) == {"left"}
        and any(f.id == rule.id for f in triage(SHIPPED, evidence, {}).red_flags)
    ]
    other_leg = [
        evidence
        for evidence in witnesses(SHIPPED, rule.unless, "right", rng)
        if all(SHIPPED.finding_instances_by_name[n].side == "right" for n in evidence)
    ]
    checked = 0
    for left in fired_left:
        for right in other_leg:
            evidence = {**left, **right}
            flag = next(
                (f for f in triage(SHIPPED, evidence, {}).red_flags if f.id == rule.id), None
            )
            assert flag is not None, f"{rule.id} silenced by the other leg: {evidence}"
            assert "left" in _legs(flag.findings)
            checked += 1
    if rule.id in LATERAL_UNLESS:
        assert checked, "the generator found nothing to test"


# Rules whose ``unless`` can hold on a leg (a fibular-head localisation, sport at onset, a
# graded dorsiflexion): each must be tested above.
LATERAL_UNLESS = {
    "progressive_motor_deficit",
    "severe_foot_drop",
    "foot_drop_not_known_to_be_old",
    "sudden_new_leg_weakness",
}


def test_the_generator_finds_a_contradiction_when_an_unless_is_missing() -> None:
    """Drop the urgent sexual-dysfunction rule's ``unless`` and the pair must be caught."""
    book = SHIPPED.raw.triage
    rules = [
        r.model_copy(update={"unless": None}) if r.id == "new_sexual_dysfunction" else r
        for r in book.rules
    ]
    broken = replace(
        SHIPPED, raw=replace(SHIPPED.raw, triage=book.model_copy(update={"rules": rules}))
    )
    first, second = (next(r for r in rules if r.id == i) for i in PAIR_UNDER_TEST)
    rng = random.Random(0)
    both = [
        evidence
        for a in witnesses(broken, first.when, None, rng)
        for b in witnesses(broken, second.when, None, rng)
        if (evidence := merge((a, b))) is not None
        and set(PAIR_UNDER_TEST) <= {f.id for f in triage(broken, evidence, {}).red_flags}
    ]
    assert both


PAIR_UNDER_TEST = ("ces_new_sexual_dysfunction", "new_sexual_dysfunction")
