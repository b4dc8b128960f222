"""Examination signs a bilateral site gives on both sides at once (derivation.yaml › sign_pattern).

A length-dependent polyneuropathy is symmetric: its monofilament or vibration loss is found in
both feet or in neither. A midline site's link to a lateral finding reaches each side
independently, so the two feet were two independent tests: one abnormal and one normal still
counted for the polyneuropathy, and both abnormal counted twice. Each listed finding gets one
hidden node, the sign on both sides (kind ``pattern``, as the region patterns of pattern.py): a
noisy-OR of the midline sites that link the finding, each at its link over ``given`` (a rate per
person), and of a background root at link 1 whose prior is ``π = background_share · leak /
given``. Each side of the finding is the node's child at ``given``, and its own leak is lowered
to ``1 − (1 − leak)/(1 − π · given)``, so one side alone has the same probability under every
site as before: ``1 − (1 − leak)(1 − link)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from nervepath.knowledge import schema
from nervepath.knowledge.derive import FindingDef, LinkDef, binary
from nervepath.knowledge.loader import RawKnowledgeBase
from nervepath.knowledge.pattern import PatternDef

__all__ = [
    "apply_sign_patterns",
    "derive_sign_patterns",
    "sign_background_id",
    "sign_pattern_id",
    "split_sign_leak",
]


def sign_pattern_id(finding: str) -> str:
    return f"{finding}_both_sides_pattern"


def sign_background_id(finding: str) -> str:
    return f"{finding}_both_sides_background"


def split_sign_leak(leak: float, pattern: schema.SignPattern) -> tuple[float, float]:
    """A side's leak split into its own rest and the background's prior (module docstring):
    ``π = background_share · leak / given`` and ``1 − (1 − leak)/(1 − π · given)``."""
    prior = pattern.background_share.value * leak / pattern.given.value
    return 1.0 - (1.0 - leak) / (1.0 - prior * pattern.given.value), prior


def derive_sign_patterns(
    kb: RawKnowledgeBase, findings: Mapping[str, FindingDef]
) -> tuple[list[PatternDef], list[str]]:
    """Each listed finding's node, and the problems found (a finding that is not lateral or
    yes/no, a link above ``given``, no midline site linking it)."""
    signs = kb.derivation.sign_pattern
    if signs is None:
        return [], []
    given = signs.given.value
    midline = {s.id for s in kb.sites if not s.lateral}
    out: list[PatternDef] = []
    problems: list[str] = []
    where = "derivation.yaml › sign_pattern › findings"
    for fid in signs.findings:
        f = findings.get(fid)
        if f is None or not f.lateral or f.graded:
            problems.append(f"{where}: found {fid!r}, expected a lateral yes/no finding")
            continue
        parents: list[tuple[str, schema.Probability]] = []
        for link in kb.links:
            if link.finding != fid or link.parent not in midline or link.probability is None:
                continue
            rate = link.probability.value / given
            if rate > 1.0:
                problems.append(
                    f"{where}: {link.parent} → {fid} is {link.probability.value}, above given "
                    f"{given}; expected at most given (a rate per person is a probability)"
                )
                continue
            why = (
                f"{link.parent} → {fid} ({link.probability.value}, {kb.where(link)}) over "
                f"given {given}: the sign on both sides, a rate per person (calc)"
            )
            parents.append((link.parent, schema.Probability(value=rate, estimate=_why(why))))
        if not parents:
            problems.append(f"{where}: found no midline site linking {fid!r}, expected one")
            continue
        prior = signs.background_share.value * f.leak[1] / given
        why = (
            f"{fid} on both sides without a modelled lesion: background_share × leak / given = "
            f"{signs.background_share.value} × {f.leak[1]} / {given} (calc)"
        )
        out.append(
            PatternDef(
                sign_pattern_id(fid),
                fid,
                tuple(parents),
                sign_background_id(fid),
                schema.Probability(value=prior, estimate=_why(why)),
            )
        )
    return out, problems


def apply_sign_patterns(
    kb: RawKnowledgeBase,
    signs: list[PatternDef],
    findings: Mapping[str, FindingDef],
    links: list[LinkDef],
) -> tuple[dict[str, FindingDef], list[LinkDef]]:
    """The findings with each sign's side leak lowered, and the links with each midline
    site's own link to a sign replaced by the sign's node at ``given``."""
    pattern = kb.derivation.sign_pattern
    out = dict(findings)
    if pattern is None or not signs:
        return out, links
    given = pattern.given
    replaced = {(p.quality, parent) for p in signs for parent, _ in p.parents}
    kept = [link for link in links if (link.finding, link.parent) not in replaced]
    for p in signs:
        own = out[p.quality]
        through = p.prior.value * given.value
        rest = 1.0 - own.leak[0] / (1.0 - through)
        why = (
            f"the {p.quality} leak ({own.leak[1]}) less what its sign on both sides gives: "
            f"1 − {own.leak[0]}/(1 − {p.prior.value:.4g} × {given.value}) (calc, "
            "derivation.yaml › sign_pattern)"
        )
        out[p.quality] = replace(
            own,
            leak=binary(rest),
            leak_provenance=schema.Probability(value=rest, estimate=_why(why)),
        )
        kept.append(
            LinkDef(
                p.quality,
                p.id,
                "same",
                binary(given.value),
                given,
                f"sign pattern: {p.quality} on both sides reaches each side",
            )
        )
    return out, kept


def _why(text: str) -> schema.Estimate:
    return schema.Estimate(rationale=text)
