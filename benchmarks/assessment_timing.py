"""The knowledge base's case sets, and the full assessment timed as the service does it.

A case set is the published cases (``tests/published/cases``) in one setting, the clinical
vignettes (``tests/vignettes``), cases generated from the network (:func:`generated_case_set`)
or the stress set of dense clinician cases (:func:`stress_case_set`). A full assessment is
``Assessor.assess``: posterior and origin groups, explanations of the top sites, ranked next
questions, triage and advice. Where its time goes is measured by wrapping the engine calls the
service makes (the wrappers only read the clock), so what is timed is exactly what every door
runs.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nervepath.assessment import service
from nervepath.assessment.case import Case, to_evidence
from nervepath.engine import Network
from nervepath.evaluation.labelled import load_labelled_cases
from nervepath.evaluation.published import labelled, load_published_cases
from nervepath.knowledge.catalogue import allowed_values
from nervepath.knowledge.model import KnowledgeBase
from synthetic import realistic_cases, sampled_patient

TESTS = Path(__file__).resolve().parent.parent / "tests"

PARTS = {
    "posterior": ("infer",),
    "origin_groups": ("probabilities_causing", "causation"),
    "explanations": ("explain",),
    "ranking": ("rank_questions",),
}
"""Where a full assessment's time goes: the service's engine calls, by part; the rest
(answers → evidence, triage, advice, building the result) is ``other``. A name the service
does not have (an older or newer source tree) is skipped; since ``causation`` gives the
posterior with the origin groups, ``posterior`` is 0 there and counted in ``origin_groups``."""


@dataclass
class CaseSet:
    """Evidence sets (finding index → state) and, for the knowledge base, the cases."""

    name: str
    evidence: list[dict[int, int]]
    cases: list[Case] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)


def kb_case_sets(kb: KnowledgeBase, network: Network) -> list[CaseSet]:
    """The published cases in each setting, then the vignettes, as the service reads them."""
    published = load_published_cases(TESTS / "published" / "cases", kb=kb)
    named = [
        (f"published {setting}", [labelled(c, setting) for c in published])
        for setting in ("clinician", "self_check")
    ]
    named.append(
        ("vignettes", list(load_labelled_cases(TESTS / "vignettes" / "vignettes.jsonl", kb=kb)))
    )
    return [
        CaseSet(
            name,
            [network.evidence_indices(to_evidence(kb, c.case)) for c in cases],
            [c.case for c in cases],
            [c.id for c in cases],
        )
        for name, cases in named
    ]


def _as_case(kb: KnowledgeBase, network: Network, evidence: dict[int, int]) -> Case:
    """Evidence by index as a clinician case; a same-question finding is answered by its twin
    (as :func:`to_evidence` reads it), so it is left out, and so is a state the catalogue
    does not offer (a place that is only ever marked, never denied). The network draws each
    sex finding on its own; a person has one sex, so a second one present is left out (the
    service refuses both, assessment.case)."""
    twins = kb.same_questions
    instances = kb.finding_instances_by_name
    sex_of = {f.id: f.sex for f in kb.raw.findings if f.sex is not None}
    answers: dict[str, str | int] = {}
    sexes: set[str] = set()
    for f, k in evidence.items():
        name = network.findings[f].answered_as
        state = network.findings[f].states[k]
        finding = instances[name].id
        sex = sex_of.get(finding) if state == "present" else None
        if sex is not None and sexes - {sex}:
            continue
        if finding not in twins and state in allowed_values(kb.findings[finding]):
            answers[name] = state
            if sex is not None:
                sexes.add(sex)
    return Case(setting="clinician", answers=answers)


def _case_set(
    kb: KnowledgeBase, network: Network, name: str, drawn: list[dict[int, int]]
) -> CaseSet:
    cases = [_as_case(kb, network, e) for e in drawn]
    return CaseSet(
        name,
        [network.evidence_indices(to_evidence(kb, c)) for c in cases],
        cases,
        [f"{name} {i}" for i in range(len(cases))],
    )


def generated_case_set(
    kb: KnowledgeBase, network: Network, count: int = 200, seed: int = 1
) -> CaseSet:
    """``count`` seeded cases of 5–80 answers (1–25 abnormal) drawn from the network
    (:func:`synthetic.realistic_cases`), as clinician cases."""
    return _case_set(kb, network, "generated", realistic_cases(network, count, seed=seed))


STRESS_ABNORMAL = 20
"""At most this many abnormal answers in a stress case. A patient sampled from the network has
every finding's leak at work too, so answering the whole catalogue gives 50–90 abnormal
answers, whose junction trees need up to 10^11 table entries: beyond any exact engine, and
beyond any patient in the published cases (at most about 15)."""


def stress_case_set(kb: KnowledgeBase, network: Network, count: int = 20, seed: int = 2) -> CaseSet:
    """``count`` dense clinician cases: a patient drawn from the network (one to three causes
    present, every finding sampled) answers from 60 of the clinician catalogue's questions up to
    all of them (the last case), as sampled, but for the abnormal answers past
    :data:`STRESS_ABNORMAL` (in a random order), which are answered normal."""
    rng = np.random.default_rng(seed)
    findings = kb.findings
    # Questions a clinician can answer either way: a place that is only ever marked (never
    # denied) or a same-question twin would drop out of the case when sampled normal.
    # A risk factor is one question however many copies it has (engine.network): its first.
    asked = [
        copies[0]
        for name, copies in network.answers.items()
        if "clinician" in (finding := findings[kb.finding_instances_by_name[name].id]).settings
        and finding.id not in kb.same_questions
        and network.findings[copies[0]].states[0] in allowed_values(finding)
    ]
    drawn: list[dict[int, int]] = []
    for i in range(count):
        share = i / max(1, count - 1)
        answered = round(float(np.exp(np.log(60) + share * (np.log(len(asked)) - np.log(60)))))
        states = sampled_patient(network, rng, present_causes=int(rng.integers(1, 4)))
        chosen = [int(f) for f in rng.permutation(asked)[:answered]]
        abnormal = [f for f in chosen if states[f] > 0][:STRESS_ABNORMAL]
        drawn.append({f: states[f] if f in abnormal else 0 for f in chosen})
    return _case_set(kb, network, "stress (dense clinician)", drawn)


def clocked(spent: dict[str, float], part: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, adding the seconds of each call to ``spent[part]``."""

    def call(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            spent[part] += time.perf_counter() - start

    return call


@contextlib.contextmanager
def _clocked(spent: dict[str, float]) -> Iterator[None]:
    """Add the time of each of the service's engine calls to ``spent[part]`` while open."""
    originals = {
        name: getattr(service, name)
        for names in PARTS.values()
        for name in names
        if hasattr(service, name)
    }
    for part, names in PARTS.items():
        for name in names:
            if name in originals:
                setattr(service, name, clocked(spent, part, originals[name]))
    try:
        yield
    finally:
        for name, original in originals.items():
            setattr(service, name, original)


def time_assessments(
    assessor: service.Assessor, cases: list[Case], *, warm_up: int = 5
) -> dict[str, list[float]]:
    """Seconds per case of ``assess`` (``total``), of each of :data:`PARTS` and ``other``, and
    the CPU seconds of this process (``cpu``: less moved by other work on the machine)."""
    for case in cases[:warm_up]:
        assessor.assess(case)
    times: dict[str, list[float]] = {part: [] for part in ("total", *PARTS, "other", "cpu")}
    spent = dict.fromkeys(PARTS, 0.0)
    with _clocked(spent):
        for case in cases:
            for part in spent:
                spent[part] = 0.0
            start, cpu = time.perf_counter(), time.process_time()
            assessor.assess(case)
            total = time.perf_counter() - start
            times["cpu"].append(time.process_time() - cpu)
            times["total"].append(total)
            for part, seconds in spent.items():
                times[part].append(seconds)
            times["other"].append(total - sum(spent.values()))
    return times
