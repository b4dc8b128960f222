"""Rules whose wordings exclude each other never fire together.

A rule's ``excludes`` names the rules whose wording contradicts its own ("without back
symptoms" against "with back symptoms", "localised to the fibular head" against "not
localised"). For each such pair this test builds answers that satisfy both rules' ``when``
conditions at once (every way it can, up to a cap) and fails if both rules fire on any of them:
the ``unless`` conditions must cover what the wordings claim.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from dataclasses import replace

import pytest

from nervepath.assessment.triage import triage
from nervepath.knowledge import schema
from nervepath.knowledge.model import SIDES, KnowledgeBase, load_knowledge_base

Evidence = dict[str, str]
CAP = 40  # witnesses kept per condition: enough to cover every branch of the shipped rules

SHIPPED = load_knowledge_base()


def _merge(parts: tuple[Evidence, ...]) -> Evidence | None:
    out: Evidence = {}
    for part in parts:
        for name, state in part.items():
            if out.setdefault(name, state) != state:
                return None  # one finding answered two ways: not a case anyone could report
    return out


def _capped(items: list[Evidence], rng: random.Random) -> list[Evidence]:
    unique = list({tuple(sorted(e.items())): e for e in items}.values())
    return unique if len(unique) <= CAP else rng.sample(unique, CAP)


def _instances(
    kb: KnowledgeBase, condition: schema.FindingCondition, side: str | None
) -> list[list[str]]:
    """Instance names per matching finding id (a prefix matches every id it starts)."""
    pattern = condition.finding
    ids = (
        sorted(
            f for f in kb.findings if f.startswith(pattern[:-1]) and f not in condition.excluding
        )
        if pattern.endswith("*")
        else [pattern]
    )
    out = []
    for fid in ids[:4]:
        names = [i.name for i in kb.finding_instances if i.id == fid]
        if side is not None:
            names = [n for n in names if n == fid or n.endswith(f"_{side}")]
        if names:
            out.append(names)
    return out


def witnesses(
    kb: KnowledgeBase, condition: object, side: str | None, rng: random.Random
) -> list[Evidence]:
    """Answers that make ``condition`` hold, one per way it can (up to ``CAP``)."""
    if isinstance(condition, schema.FindingCondition):
        found: list[Evidence] = []
        for names in _instances(kb, condition, side):
            for state in condition.states:
                if condition.sides == "both" and len(names) == len(SIDES):
                    found.append(dict.fromkeys(names, state))
                else:
                    found.extend({n: state} for n in names)
        return _capped(found, rng)
    if isinstance(condition, schema.AnyOf):
        return _capped(
            [w for part in condition.any_of for w in witnesses(kb, part, side, rng)], rng
        )
    if isinstance(condition, schema.AllOf):
        legs = SIDES if condition.same_side and side is None else (side,)
        found = []
        for leg in legs:
            options = [witnesses(kb, part, leg, rng) for part in condition.all_of]
            found.extend(m for combo in itertools.product(*options) if (m := _merge(combo)))
        return _capped(found, rng)
    if isinstance(condition, schema.AtLeast):
        found = []
        for chosen in itertools.combinations(condition.of, condition.at_least):
            options = [witnesses(kb, part, side, rng) for part in chosen]
            found.extend(m for combo in itertools.product(*options) if (m := _merge(combo)))
        return _capped(found, rng)
    assert isinstance(condition, schema.Score)
    positive = [i for i in condition.items if i.points > 0]
    found = []
    for size in range(1, len(positive) + 1):
        for chosen in itertools.combinations(positive, size):
            if sum(i.points for i in chosen) >= condition.score_at_least:
                options = [witnesses(kb, i.when, side, rng) for i in chosen]
                found.extend(m for combo in itertools.product(*options) if (m := _merge(combo)))
        if found:
            break
    return _capped(found, rng)


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
        if (merged := _merge((a, b))) is not None
    ]
    assert cases, "no answers satisfy both conditions: the generator found nothing to test"
    fired_one = 0
    for evidence in cases:
        fired = {f.id for f in triage(SHIPPED, evidence, {}).red_flags}
        assert not {first.id, second.id} <= fired, f"both fired on {evidence}"
        fired_one += bool({first.id, second.id} & fired)
    assert fired_one == len(cases)  # their conditions hold, so one of the two always speaks


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
        if (evidence := _merge((a, b))) is not None
        and set(PAIR_UNDER_TEST) <= {f.id for f in triage(broken, evidence, {}).red_flags}
    ]
    assert both


PAIR_UNDER_TEST = ("ces_new_sexual_dysfunction", "new_sexual_dysfunction")
