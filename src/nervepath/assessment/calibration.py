"""Published likelihood ratios against the ones the model implies, by exact inference.

For each entry of ``likelihood_ratios.yaml`` the implied LR+ is the posterior odds of the
target with the finding answered positive, over its odds with nothing answered (the same age
in both); the implied LR− the same with the finding answered absent (its normal grade, if
graded). An age finding (``age_over_70``) is answered together with the other age findings
its band settles (over 70 is also over 50 and not under 40), as a stated age answers them
all: the bands are nested, so one answered alone would leave the model free to place the
patient under 40 and over 70 at once. A symptom in one leg is not also read as "not in both
legs" (case.py's one-leg rule): that is a second finding the studies did not condition on,
and it would count against a midline site of ``among`` (groin pain, hip against stenosis).
A lateral target is taken on the left.

An entry with ``among`` was measured in a narrower population than leg pain at large (the
straight leg raise among people referred with suspected radiculopathy): its odds are then the
target's against the other sites the study enrolled, ``P(T | e) / (P(T or any of them | e) −
P(T | e))``, both exact (one batched propagation); people with none of those sites are outside
the study, as are those with only other sites. The implied value must fall inside the
published interval, or within 0.67–1.5× the point value where no interval is published
(the clinical audit's rule, ``shared/docs/clinical-audit.md`` §4).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final, Literal

from nervepath.assessment.case import Case, Patient, to_evidence
from nervepath.assessment.service import Assessor
from nervepath.engine.inference import probabilities_all_absent
from nervepath.errors import KnowledgeBaseError
from nervepath.knowledge import schema
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["TOLERANCE", "RatioCheck", "check_ratios"]

TOLERANCE: Final = (0.67, 1.5)
"""Allowed implied / published where the publication gives no interval."""


@dataclass(frozen=True)
class RatioCheck:
    finding: str  # the finding instance answered, e.g. straight_leg_raise_left
    state: str  # its answer
    target: str  # the site or cause instance, e.g. l5_root_left
    kind: Literal["LR+", "LR−"]
    age: int | None
    published: schema.PublishedRatio
    implied: float
    citation: str

    @property
    def bounds(self) -> tuple[float, float]:
        p = self.published
        if p.low is not None and p.high is not None:
            return p.low, p.high
        return TOLERANCE[0] * p.value, TOLERANCE[1] * p.value

    @property
    def ok(self) -> bool:
        low, high = self.bounds
        return low <= self.implied <= high


def _odds(p: float) -> float:
    return math.inf if p >= 1.0 else p / (1.0 - p)


def check_ratios(assessor: Assessor) -> tuple[RatioCheck, ...]:
    """Every published ratio of the knowledge base with the value the model implies."""
    kb = assessor.kb
    references = {r.id: r.citation for r in kb.raw.references}
    return tuple(
        check
        for entry in kb.raw.likelihood_ratios
        for check in _checks(assessor, kb, entry, references[entry.source.ref])
    )


def _checks(
    assessor: Assessor, kb: KnowledgeBase, entry: schema.LikelihoodRatio, citation: str
) -> Iterator[RatioCheck]:
    finding = kb.findings[entry.finding]
    where = kb.raw.where(entry)
    if entry.state not in finding.states or entry.state == finding.states[0]:
        raise KnowledgeBaseError(
            [f"{where} › state: {entry.state!r}; expected an abnormal state of {entry.finding}"]
        )
    hidden = {h.name for h in kb.hidden}
    target = f"{entry.target}_left" if f"{entry.target}_left" in hidden else entry.target
    side = "right" if entry.side == "contralateral" else "left"
    name = f"{entry.finding}_{side}" if finding.lateral else entry.finding
    patient = Patient(age=entry.age)

    population = _population(kb, entry.among, target) if entry.among else None

    def odds(answers: dict[str, str]) -> float:
        case = Case(setting="clinician", patient=patient, answers=answers)
        evidence = to_evidence(kb, case, one_leg=False)
        compiled = assessor.compiled_for(evidence, age=entry.age)
        if population is None:
            (alone,) = probabilities_all_absent(compiled, evidence, [[target]])
            return _odds(1.0 - alone)
        alone, none = probabilities_all_absent(compiled, evidence, [[target], population])
        p_target, p_population = 1.0 - alone, 1.0 - none
        return math.inf if p_population <= p_target else p_target / (p_population - p_target)

    def answered(state: str) -> dict[str, str]:
        return _entailed_ages(kb, entry.finding, state) | {name: state}

    prior = odds({})
    kinds: tuple[tuple[Literal["LR+", "LR−"], str, schema.PublishedRatio | None], ...] = (
        ("LR+", entry.state, entry.positive),
        ("LR−", finding.states[0], entry.negative),  # absent, or the normal grade
    )
    for kind, state, published in kinds:
        if published is None:
            continue
        implied = odds(answered(state)) / prior
        yield RatioCheck(name, state, target, kind, entry.age, published, implied, citation)


def _population(kb: KnowledgeBase, among: schema.StudyPopulation, target: str) -> list[str]:
    """The site instances of the study's population: the target instance and ``among``'s sites,
    a lateral one on the target's side (a study examines the painful leg: someone whose other
    leg hurts was not tested on this one), either side where the target is midline."""
    sites = [h for h in kb.hidden if h.kind == "site"]
    side = next(h.side for h in sites if h.name == target)
    return [target] + [
        h.name
        for h in sites
        if h.name != target
        and (h.id in among.sites or kb.sites[h.id].origin in among.origins)
        and (side is None or h.side in (None, side))
    ]


def _entailed_ages(kb: KnowledgeBase, finding: str, state: str) -> dict[str, str]:
    """The other age findings an answered age finding settles: present where the ages it
    leaves lie wholly inside their band, absent where wholly outside (none for a band with two
    limits answered absent, which leaves two separate ranges)."""
    bands = {f.id: f.age_band for f in kb.raw.findings if f.age_band is not None}
    band = bands.get(finding)
    if band is None:
        return {}
    low: int
    high: int | None
    if state == "present":
        low, high = band.at_least or 0, band.below
    elif band.at_least is None and band.below is not None:
        low, high = band.below, None
    elif band.below is None and band.at_least is not None:
        low, high = 0, band.at_least
    else:
        return {}
    out: dict[str, str] = {}
    for other, b in bands.items():
        if other == finding or other not in kb.findings:
            continue
        b_low, b_high = b.at_least or 0, b.below
        if b_low <= low and (b_high is None or (high is not None and high <= b_high)):
            out[other] = "present"
        elif (b_high is not None and b_high <= low) or (high is not None and high <= b_low):
            out[other] = "absent"
    return out
