"""Use cases shared by every door (Python API, CLI, web): assess a case, returning the
assessment contract (``assessment.contract``, design.md)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, get_args

from nervepath.assessment.case import Case, parse_case, to_evidence
from nervepath.assessment.contract import (
    Assessment,
    Contribution,
    NextQuestion,
    RankedCause,
    RankedSite,
)
from nervepath.assessment.recommend import recommend
from nervepath.assessment.triage import Triage, triage
from nervepath.engine.build import build_network
from nervepath.engine.causation import Causing, SplitTree, causation, probabilities_causing
from nervepath.engine.compiled import CompiledNetwork, compile_network
from nervepath.engine.explain import FindingContribution, explain
from nervepath.engine.questions import QuestionScore, rank_questions
from nervepath.engine.revalue import revalue
from nervepath.knowledge.ages import bands_answered, bands_of_age
from nervepath.knowledge.catalogue import allowed_values
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base
from nervepath.knowledge.schema import OriginGroup

__all__ = [
    "Assessment",
    "Assessor",
    "Contribution",
    "Differential",
    "NextQuestion",
    "RankedCause",
    "RankedSite",
    "assess",
    "rank_sites",
    "ranked_origins",
]

TOP_SITES_EXPLAINED = 5
NEXT_QUESTIONS = 5
"""At most this many unasked warning-sign questions, then at most this many others."""
ORIGIN_GROUPS: tuple[str, ...] = get_args(OriginGroup)  # in the knowledge base's order


def ranked_origins(
    origin: Mapping[str, float], origin_explains: Mapping[str, float] | None
) -> list[tuple[str, float, float | None]]:
    """``(group, P(some site of it affected), P(… and explains a reported finding))``, the
    likeliest to explain first (by ``origin`` alone for an assessment stored without it)."""
    explains = origin_explains or {}
    rows = [(g, p, explains.get(g)) for g, p in origin.items()]
    return sorted(rows, key=lambda row: (-(row[2] or 0.0), -row[1]))


def rank_sites(
    names: Sequence[str], posterior: Mapping[str, float], explains: Mapping[str, float]
) -> tuple[tuple[str, float], ...]:
    """``(site, P(site affected))``, the likeliest to explain a reported finding first
    (``explains``), ties by the posterior, then in ``names``' order. Both keys are taken to
    1e-12: the same value computed in another batch (a left and a right twin, a look-ahead)
    differs in its last digits, and must not reorder the sites."""
    return tuple(
        sorted(
            ((name, posterior[name]) for name in names),
            key=lambda item: (-round(explains[item[0]], 12), -round(item[1], 12)),
        )
    )


@dataclass(frozen=True)
class Differential:
    """The numbers of an assessment, without explanations or questions (for batch scoring)."""

    evidence: Mapping[str, str]
    origin: Mapping[str, float]  # origin group → P(some site of it is affected)
    origin_explains: Mapping[str, float]  # → P(… and it explains some reported finding)
    sites: tuple[tuple[str, float], ...]  # site instance name, posterior; ranked as ``explains``
    explains: Mapping[str, float]  # site instance name → P(it causes some reported finding)
    causes: tuple[tuple[str, float], ...]
    triage: Triage
    # The split tree the posteriors were propagated on, which the explanations reuse.
    split: SplitTree | None = field(default=None, repr=False, compare=False)
    # The network with the case's age-banded leaks (Assessor.compiled_for) they came from.
    network: CompiledNetwork | None = field(default=None, repr=False, compare=False)


class Assessor:
    """A knowledge base with its compiled network, reused across cases.

    ``compiled`` holds the population's age mixture of the age-banded leaks (the age unknown);
    a case whose age, or age answers, leave fewer age bands is assessed on the same network
    with those bands' leaks (:meth:`compiled_for`, knowledge/ages.py), made once per set of
    bands and kept: a few sets at most (one per band, the self-check's age answers, none).
    """

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb
        self.compiled: CompiledNetwork = compile_network(build_network(kb))
        self._everyone = frozenset(range(len(kb.age_bands)))
        self._by_ages: dict[frozenset[int], CompiledNetwork] = {self._everyone: self.compiled}
        self._hidden = {h.name: h for h in kb.hidden}
        self._sites = [h for h in kb.hidden if h.kind == "site"]
        site_defs = kb.sites
        self._groups = {
            group: [h.name for h in self._sites if site_defs[h.id].origin == group]
            for group in ORIGIN_GROUPS
        }
        self._instances = kb.finding_instances_by_name
        self._askable_in: dict[str, tuple[str, ...]] = {}
        self._one_leg = {f.id for f in kb.raw.findings if f.one_leg_answers_no}
        # What a site can be credited with explaining (module causation; the ranking's
        # ``explains``): the symptoms, signs and results it produces (FindingDef.effect), not
        # risk factors nor the course of the whole complaint, which move the posteriors but
        # are not produced at a place (docs/engine.md). As indices: no case converts names.
        index = self.compiled.network.finding_index
        self._effects = frozenset(
            index[name]
            for name, inst in self._instances.items()
            if kb.findings[inst.id].effect and name in index
        )
        hidden = self.compiled.network.hidden_index
        self._site_names = [h.name for h in self._sites]
        self._site_indices = [[hidden[name]] for name in self._site_names]
        self._causes = [(h.name, hidden[h.name]) for h in kb.hidden if h.kind == "cause"]
        # A site produces what its region patterns and nerve territories produce
        # (engine.causation, expressions).
        patterns = [h for h in kb.hidden if h.kind in ("pattern", "territory", "myotome")]
        self._expressions = {
            hidden[site]: tuple(hidden[h.name] for h in patterns if site in dict(h.parents))
            for site in {parent for h in patterns for parent, _ in h.parents}
        }
        self._cause_fields = {
            h.name: (h.id, h.side, c.name, c.plain_name, c.red_flag)
            for h in kb.hidden
            if h.kind == "cause" and (c := kb.causes[h.id])
        }

    def compiled_for(
        self, evidence: Mapping[str, str], *, age: int | None = None
    ) -> CompiledNetwork:
        """The network for a patient of this ``age`` (when given) or whose answered age
        findings are ``evidence``'s: the leaks of the age bands left (knowledge/ages.py)."""
        bands = self.kb.age_bands
        left = (
            bands_of_age(bands, age)
            if age is not None and bands
            else bands_answered(bands, self.kb.raw.findings, evidence)
        )
        if left not in self._by_ages:
            network = build_network(self.kb, ages=self.kb.aged(left))
            self._by_ages[left] = revalue(self.compiled, network)
        return self._by_ages[left]

    def differential(self, case: Case) -> Differential:
        """Posteriors, origin groups and triage: everything but explanations and questions."""
        kb = self.kb
        # 1. Answers → evidence (unknown ids and values are errors that name the nearest).
        evidence = to_evidence(kb, case)
        compiled = self.compiled_for(evidence, age=case.patient.age)
        # 2. Exact posteriors of every cause and site, and of every origin group (some site of
        #    it affected). Sites are ranked by how probably they cause what was reported, not
        #    by how probably they are present: a site likely only by its prior explains none
        #    of it. Likewise the origin groups.
        #    Both come from one propagation of the evidence (engine.causation).
        groups = [g for g in ORIGIN_GROUPS if self._groups[g]]
        names = self._site_names
        found = causation(
            compiled,
            evidence,
            [*self._site_indices, *(self._groups[g] for g in groups)],
            effects=self._effects,
            expressions=self._expressions,
        )
        causing, marginals = found.groups, found.marginals
        explains = {n: c.explains for n, c in zip(names, causing[: len(names)], strict=True)}
        by_group = dict(zip(groups, causing[len(names) :], strict=True))
        origin = {g: c.present for g, c in by_group.items()}
        origin_explains = {g: c.explains for g, c in by_group.items()}
        sites = rank_sites(
            names,
            {n: float(marginals[v]) for n, [v] in zip(names, self._site_indices, strict=True)},
            explains,
        )
        # Likeliest first, to 1e-12 (a left and a right twin computed in one batch differ in
        # their last digits, and must not swap with the tree), ties in the knowledge base's order.
        causes = tuple(
            sorted(
                ((name, float(marginals[i])) for name, i in self._causes),
                key=lambda item: -round(item[1], 12),
            )
        )
        # 3. Red-flag rules over the answers; they only ever raise the urgency.
        triaged = triage(
            kb, evidence, dict(sites), cause_probabilities=dict(causes), site_explains=explains
        )
        return Differential(
            evidence,
            origin,
            origin_explains,
            sites,
            explains,
            causes,
            triaged,
            found.split,
            compiled,
        )

    def explaining(self, evidence: Mapping[str, str], sites: Sequence[str]) -> dict[str, Causing]:
        """Site instance → its ``P(affected | evidence)`` and ``P(affected, and it or one of
        its causes produces a reported finding | evidence)`` (``explains``, what
        :meth:`differential` ranks by), for the named ``sites`` only, from one batch (an
        interview looking ahead at an answer asks for the plausible ones)."""
        causing = probabilities_causing(
            self.compiled_for(evidence),
            evidence,
            [[name] for name in sites],
            effects=self._effects,
            expressions=self._expressions,
        )
        return dict(zip(sites, causing, strict=True))

    def assess(self, case: Case) -> Assessment:
        kb = self.kb
        d = self.differential(case)
        # 4. Explain the top sites by each answer's contribution.
        top = [name for name, _ in d.sites[:TOP_SITES_EXPLAINED]]
        compiled = d.network or self.compiled_for(d.evidence, age=case.patient.age)
        explained = explain(compiled, d.evidence, top, tree=d.split)
        explanations = {e.node: e.contributions for e in explained}
        sites = tuple(
            self._ranked_site(name, p, d.explains[name], explanations.get(name, ()))
            for name, p in d.sites
        )
        causes = tuple(self._ranked_cause(name, p) for name, p in d.causes)
        # 5. The most useful next questions for this setting.
        # Unanswered red-flag questions come first, whatever their information gain; then the
        # most informative others, so the test that best separates the top sites is never
        # crowded out by warning signs. Only the best of each are scored in full.
        red = kb.red_flag_findings
        scores = self.best_questions(case.setting, d.evidence, network=compiled)
        flagged = [
            (s.finding, s.expected_information_gain)
            for s in scores
            if self._instances[s.finding].id in red
        ]
        others = [s for s in scores if self._instances[s.finding].id not in red]
        # A warning sign answered only by implication ("both legs?" no, as symptoms were
        # reported in one leg) is still asked, first: alternating sciatica may be marked on one
        # leg, and the implied answer carries no information gain to rank it by.
        implied = [
            (name, 0.0)
            for name in d.evidence
            if name not in case.answers and self._instances[name].id in self._one_leg & red
        ]
        next_questions = tuple(
            self._question(name, gain) for name, gain in (*implied, *flagged)[:NEXT_QUESTIONS]
        ) + tuple(
            self._question(s.finding, s.expected_information_gain) for s in others[:NEXT_QUESTIONS]
        )
        # 6. Guideline recommendations for this urgency and differential.
        advice = recommend(
            kb,
            setting=case.setting,
            urgency=d.triage.urgency,
            red_flags=d.triage.red_flags,
            ranked_sites=d.sites,
        )
        return Assessment(
            kb.version,
            kb.content_hash,
            case.setting,
            d.evidence,
            d.triage.urgency,
            d.triage.red_flags,
            d.origin,
            sites,
            causes,
            next_questions,
            advice,
            d.origin_explains,
        )

    def best_questions(
        self,
        setting: str,
        evidence: Mapping[str, str],
        *,
        top: int | None = NEXT_QUESTIONS,
        network: CompiledNetwork | None = None,
    ) -> tuple[QuestionScore, ...]:
        """The ``top`` most informative questions about the sites that may be asked in this
        setting, and as many warning signs (listed apart), each exactly as the whole ranking
        scores it (engine.questions); ``top=None``: every candidate, scored in full. On
        ``network``, the case's (:meth:`compiled_for`; by default its age answers')."""
        candidates = self.candidates(setting, evidence)
        red = self.kb.red_flag_findings
        return rank_questions(
            network or self.compiled_for(evidence),
            evidence,
            candidates=candidates,
            targets=[h.name for h in self._sites],
            top=top,
            apart=[name for name in candidates if self._instances[name].id in red],
        )

    def candidates(self, setting: str, evidence: Mapping[str, str]) -> list[str]:
        """Unanswered findings that may be asked in this setting for what they tell (parts of
        the leg without a finer place are recorded, never asked: the regions are; triage-only
        findings tell nothing about the sites)."""
        return [name for name in self._askable(setting) if name not in evidence]

    def _askable(self, setting: str) -> tuple[str, ...]:
        """The findings :meth:`candidates` may offer in ``setting``, answered or not (once)."""
        if setting not in self._askable_in:
            findings = self.kb.findings
            self._askable_in[setting] = tuple(
                name
                for name, inst in self._instances.items()
                if setting in findings[inst.id].settings
                and findings[inst.id].asked
                and not findings[inst.id].triage_only
            )
        return self._askable_in[setting]

    def _ranked_site(
        self, name: str, p: float, explains: float, contributions: Sequence[FindingContribution]
    ) -> RankedSite:
        node = self._hidden[name]
        site = self.kb.sites[node.id]
        explanation = tuple(
            Contribution(c.finding, c.state, c.log_odds_change, self._text(c.finding))
            for c in contributions
        )
        return RankedSite(
            node.id, node.side, site.name, site.plain_name, site.origin, p, explanation, explains
        )

    def _ranked_cause(self, name: str, p: float) -> RankedCause:
        node_id, side, label, plain, red_flag = self._cause_fields[name]
        return RankedCause(node_id, side, label, plain, p, red_flag)

    def _text(self, name: str) -> str:
        return self.kb.findings[self._instances[name].id].question

    def _question(self, name: str, gain: float) -> NextQuestion:
        instance = self._instances[name]
        finding = self.kb.findings[instance.id]
        # A question about one leg says which: the same words are asked of each leg.
        side = f"{instance.side.capitalize()} leg: " if instance.side else ""
        return NextQuestion(
            name,
            side + finding.question,
            "graded" if finding.graded else "binary",
            tuple(allowed_values(finding)),
            gain,
            finding.id in self.kb.red_flag_findings,
        )


@cache
def _shipped_assessor() -> Assessor:
    return Assessor(load_knowledge_base())


def assess(case: Case | Mapping[str, Any]) -> Assessment:
    """Assess a case (a ``Case`` or its JSON-like mapping) on the shipped knowledge base."""
    parsed = case if isinstance(case, Case) else parse_case(case)
    return _shipped_assessor().assess(parsed)
