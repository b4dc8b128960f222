"""Answers that make a triage condition hold, every way it can (up to a cap): shared by the
exclusion tests and the one-leg property of the triage tests."""

from __future__ import annotations

import itertools
import random

from nervepath.knowledge import schema
from nervepath.knowledge.model import SIDES, KnowledgeBase

Evidence = dict[str, str]
CAP = 40  # witnesses kept per condition: enough to cover every branch of the shipped rules


def merge(parts: tuple[Evidence, ...]) -> Evidence | None:
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
            found.extend(m for combo in itertools.product(*options) if (m := merge(combo)))
        return _capped(found, rng)
    if isinstance(condition, schema.AtLeast):
        found = []
        for chosen in itertools.combinations(condition.of, condition.at_least):
            options = [witnesses(kb, part, side, rng) for part in chosen]
            found.extend(m for combo in itertools.product(*options) if (m := merge(combo)))
        return _capped(found, rng)
    assert isinstance(condition, schema.Score)
    positive = [i for i in condition.items if i.points > 0]
    found = []
    for size in range(1, len(positive) + 1):
        for chosen in itertools.combinations(positive, size):
            if sum(i.points for i in chosen) >= condition.score_at_least:
                options = [witnesses(kb, i.when, side, rng) for i in chosen]
                found.extend(m for combo in itertools.product(*options) if (m := merge(combo)))
        if found:
            break
    return _capped(found, rng)
