"""The knowledge base's case sets, and the full assessment timed as the service does it.

A case set is the published cases (``tests/published/cases``) in one setting, or the clinical
vignettes (``tests/vignettes``). A full assessment is ``Assessor.assess``: posterior and
origin groups, explanations of the top sites, ranked next questions, triage and advice.
Where its time goes is measured by wrapping the engine calls the service makes (the wrappers
only read the clock), so what is timed is exactly what every door runs.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nervepath.assessment import service
from nervepath.assessment.case import Case, to_evidence
from nervepath.engine import Network
from nervepath.evaluation.labelled import load_labelled_cases
from nervepath.evaluation.published import labelled, load_published_cases
from nervepath.knowledge.model import KnowledgeBase

TESTS = Path(__file__).resolve().parent.parent / "tests"

PARTS = {
    "posterior": ("infer",),
    "origin_groups": ("probabilities_all_absent",),
    "explanations": ("explain",),
    "ranking": ("rank_questions",),
}
"""Where a full assessment's time goes: the service's engine calls, by part; the rest
(answers → evidence, triage, advice, building the result) is ``other``."""


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


@contextlib.contextmanager
def _clocked(spent: dict[str, float]) -> Iterator[None]:
    """Add the time of each of the service's engine calls to ``spent[part]`` while open."""
    originals = {name: getattr(service, name) for names in PARTS.values() for name in names}

    def clocked(part: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[part] += time.perf_counter() - start

        return call

    for part, names in PARTS.items():
        for name in names:
            setattr(service, name, clocked(part, originals[name]))
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
