"""The loaded knowledge base: validated entries, derived findings and links, and their
expansion to the left and right sides (sides.py)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache, cached_property
from importlib.resources.abc import Traversable
from pathlib import Path

from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge import ages, schema
from nervepath.knowledge.checks import (
    MIN_FINDINGS_PER_SITE,
    condition_leaves,
    cross_reference_problems,
    matching_findings,
)
from nervepath.knowledge.derive import (
    FindingDef,
    LinkDef,
    derive_findings,
    derive_links,
)
from nervepath.knowledge.loader import RawKnowledgeBase, read_knowledge_base
from nervepath.knowledge.myotome import MyotomeDef, derive_myotomes
from nervepath.knowledge.pattern import PatternDef, derive_patterns
from nervepath.knowledge.sides import (
    SIDES,
    FindingInstance,
    HiddenInstance,
    expand_findings,
    expand_hidden,
)
from nervepath.knowledge.signs import (
    apply_sign_patterns,
    derive_sign_patterns,
    sign_background_id,
    split_sign_leak,
)
from nervepath.knowledge.territory import TerritoryDef, derive_territories, territory_problems

__all__ = [
    "SIDES",
    "FindingInstance",
    "HiddenInstance",
    "KnowledgeBase",
    "load_knowledge_base",
]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything the engine and the doors need, read once and never mutated."""

    raw: RawKnowledgeBase
    findings: Mapping[str, FindingDef]
    links: tuple[LinkDef, ...]
    hidden: tuple[HiddenInstance, ...]
    finding_instances: tuple[FindingInstance, ...]

    @cached_property
    def red_flag_findings(self) -> frozenset[str]:
        """Findings marked as red flags, or named by an urgent or emergency triage rule."""
        alone = {
            finding
            for rule in self.raw.triage.rules
            if rule.level in ("urgent", "emergency")
            for finding in _sufficient_findings(rule.when)
            if not finding.endswith("*")
        }
        return frozenset(alone | {f for f, d in self.findings.items() if d.red_flag})

    @cached_property
    def triaged_findings(self) -> frozenset[str]:
        """Findings some triage rule reads (by id or ``prefix*``): only these move the urgency."""
        return frozenset(
            fid
            for rule in self.raw.triage.rules
            for leaf in condition_leaves(rule.when)
            for fid in matching_findings(leaf.finding, self.findings)
        )

    @property
    def version(self) -> str:
        return self.raw.manifest.version

    @property
    def content_hash(self) -> str:
        return self.raw.content_hash

    @cached_property
    def same_questions(self) -> dict[str, str]:
        """Derived finding id → the hand-written finding whose answers it shares."""
        return {p.finding: p.same_as for p in self.raw.derivation.same_questions}

    @cached_property
    def finding_instances_by_name(self) -> Mapping[str, FindingInstance]:
        """Every finding instance by its name (``reflex_achilles_left``)."""
        return {i.name: i for i in self.finding_instances}

    @cached_property
    def sites(self) -> dict[str, schema.Site]:
        return {s.id: s for s in self.raw.sites}

    @cached_property
    def causes(self) -> dict[str, schema.Cause]:
        return {c.id: c for c in self.raw.causes}

    @cached_property
    def references(self) -> dict[str, schema.Reference]:
        return {r.id: r for r in self.raw.references}

    @cached_property
    def age_bands(self) -> tuple[ages.PopulationBand, ...]:
        """The population's age bands (derivation.yaml › age_mix; knowledge/ages.py)."""
        return ages.population_bands(self.raw.derivation)

    def aged(self, bands: frozenset[int]) -> ages.AgedValues:
        """The age-banded leaks (and sign backgrounds) for a patient whose age lies in these
        population bands; every band gives the values the network holds already."""
        signs = self.raw.derivation.sign_pattern
        leaks: dict[str, tuple[float, ...]] = {}
        priors: dict[str, float] = {}
        for fid, f in self.findings.items():
            if not f.by_age:
                continue
            leak = ages.mixed(self.age_bands, f.by_age, bands)
            if signs is not None and fid in signs.findings:
                side, prior = split_sign_leak(leak[1], signs)
                leak, priors[sign_background_id(fid)] = (1.0 - side, side), prior
            leaks[fid] = leak
        return ages.AgedValues(leaks, priors)

    def stamp(self) -> dict[str, str]:
        """What every output carries so that any past result can be reproduced."""
        return {"kb_version": self.version, "kb_hash": self.content_hash}


def _sufficient_findings(condition: schema.Condition) -> set[str]:
    """Findings that satisfy ``condition`` on their own (not only as part of a pair)."""
    if isinstance(condition, schema.FindingCondition):
        return {condition.finding}
    if isinstance(condition, schema.AnyOf):
        return {f for part in condition.any_of for f in _sufficient_findings(part)}
    if isinstance(condition, schema.AllOf):
        return _sufficient_findings(condition.all_of[0]) if len(condition.all_of) == 1 else set()
    if isinstance(condition, schema.AtLeast) and condition.at_least == 1:
        return {f for part in condition.of for f in _sufficient_findings(part)}
    return set()  # a points score: no one item is sure to reach the threshold


def load_knowledge_base(root: Traversable | Path | None = None) -> KnowledgeBase:
    """Load, validate and check a knowledge base (the shipped one by default).

    Raises ``KnowledgeBaseError`` listing every problem found.
    """
    if root is None:
        return _shipped()
    return _build(read_knowledge_base(root))


@cache
def _shipped() -> KnowledgeBase:
    return _build(read_knowledge_base())


def _build(raw: RawKnowledgeBase) -> KnowledgeBase:
    patterns = derive_patterns(raw)
    territories = derive_territories(raw)
    findings = derive_findings(raw, patterns=patterns, territories=territories)
    derived_ids = {f for f, d in findings.items() if d.derived_from is not None}
    problems = cross_reference_problems(raw, derived_ids)
    problems += territory_problems(raw, territories)
    for override in raw.derivation.leak_overrides:
        applied = findings.get(override.finding)
        yes_no = applied is not None and applied.states == ("absent", "present")
        if applied is None or applied.derived_from is None or (override.leak is not None) != yes_no:
            problems.append(
                f"derivation.yaml › leak_overrides › {override.finding}: expected a derived "
                "finding, with 'leak' for a yes/no one and 'leak_grades' for a graded one"
            )
    problems += _same_question_problems(raw, findings)
    problems += ages.age_problems(raw, {fid: (f.by_age, f.leak) for fid, f in findings.items()})
    signs, sign_problems = derive_sign_patterns(raw, findings)
    problems += sign_problems
    myotomes, myotome_problems = derive_myotomes(raw)
    problems += myotome_problems
    both_legs = raw.derivation.region_pattern and raw.derivation.region_pattern.both_legs
    if both_legs and both_legs.finding not in findings:
        problems.append(
            f"derivation.yaml › region_pattern › both_legs › finding: found {both_legs.finding!r},"
            " expected a finding of the knowledge base"
        )
    if problems:
        raise KnowledgeBaseError(problems)
    derived = derive_links(
        raw, findings, patterns=patterns, territories=territories, myotomes=myotomes
    )
    findings, signed = apply_sign_patterns(raw, signs, findings, derived)
    links = tuple(signed)
    patterns = patterns + signs  # hidden noisy-ORs of sites and a background, alike
    problems = _reachability_problems(raw, findings, links, patterns, territories, myotomes)
    if problems:
        raise KnowledgeBaseError(problems)
    hidden = expand_hidden(raw, patterns, territories, myotomes)
    instances = expand_findings(raw, findings, links, patterns, territories, myotomes)
    return KnowledgeBase(raw, findings, links, hidden, instances)


def _same_question_problems(raw: RawKnowledgeBase, findings: Mapping[str, FindingDef]) -> list[str]:
    """A same-question pair: a derived yes/no finding read as a hand-written one on the same
    sides; no hand link may point at the derived one, since it never holds evidence."""
    problems: list[str] = []
    hand_linked = {link.finding for link in raw.links}
    for pair in raw.derivation.same_questions:
        where = f"derivation.yaml › same_questions › {pair.finding}"
        finding, target = findings.get(pair.finding), findings.get(pair.same_as)
        if finding is None or finding.derived_from is None:
            problems.append(f"{where}: expected a derived finding")
        elif target is None or target.derived_from is not None:
            problems.append(f"{where} › same_as: expected a hand-written finding")
        elif (finding.lateral, finding.states) != (target.lateral, target.states):
            problems.append(f"{where}: expected the same sides and values as {pair.same_as}")
        if pair.finding in hand_linked:
            problems.append(
                f"{where}: found hand links to it; link {pair.same_as} instead, which holds "
                "its answers"
            )
    return problems


def _reachability_problems(
    raw: RawKnowledgeBase,
    findings: Mapping[str, FindingDef],
    links: tuple[LinkDef, ...],
    patterns: list[PatternDef],
    territories: list[TerritoryDef],
    myotomes: list[MyotomeDef],
) -> list[str]:
    problems: list[str] = []
    children: dict[str, set[str]] = {}
    for link in links:
        children.setdefault(link.parent, set()).add(link.finding)
    for pattern in patterns:  # a site reaches what its region patterns reach
        for parent, _ in pattern.parents:
            children.setdefault(parent, set()).update(children.get(pattern.id, ()))
    for t in territories:  # and what its nerve territories reach
        children.setdefault(t.site, set()).update(children.get(t.id, ()))
    for m in myotomes:  # and what its roots' dense lesions reach
        for parent, _, _ in m.sites:
            children.setdefault(parent, set()).update(children.get(m.id, ()))
    for site in raw.sites:
        count = len(children.get(site.id, ()))
        if count < MIN_FINDINGS_PER_SITE:
            problems.append(
                f"{raw.where(site)} › links: found {count} findings linked to this site, "
                f"expected at least {MIN_FINDINGS_PER_SITE} so that it can be recognised"
            )
    with_parent = {link.finding for link in links}
    for finding in raw.findings:
        if finding.triage_only and finding.id in with_parent:
            problems.append(
                f"{raw.where(finding)} › triage_only: found links to this finding, expected none "
                "(a linked finding is not triage-only)"
            )
        elif not finding.triage_only and finding.id not in with_parent:
            problems.append(
                f"{raw.where(finding)} › links: found no site or cause linked to this finding, "
                "expected at least one (or triage_only: true for a finding only triage reads)"
            )
    return problems
