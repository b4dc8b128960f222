"""Batch scoring and evaluation against labelled cases: accuracy, triage, calibration.

A *labelled case* is one JSON line: ``{"id", "case", "expected": {"site", "side", "origin",
"urgency"}}``, optionally with ``source`` and ``description``. ``evaluate`` runs each case through
the differential (no explanations or questions, so it stays fast) and reports:

* top-1 and top-3 site accuracy. A ranked site instance is a *hit* when its base site is the
  expected one and, when the expected side is not null, it is on that side or is a midline site.
  A case whose condition lies outside the model (expected site null: a deep vein thrombosis, a
  knee) has no hit; the site figures are over the cases the model can name, and such cases
  count in the origin, triage and calibration figures only;
* origin accuracy, the predicted origin being the group with the highest ``origin`` probability;
* the triage confusion matrix (expected × assessed urgency), every emergency assessed below
  ``emergency`` by id, and the over- and under-triage rates;
* calibration of the site posteriors. Every (case, site instance) pair is one prediction ``p``
  with outcome ``y`` = 1 if the instance is a hit, else 0. The Brier score is the mean of
  (p − y)² over all pairs (Brier 1950); the reliability table puts the pairs into ten equal-width
  bins of ``p`` and gives each bin's mean ``p`` against its observed frequency of ``y``. Sites are
  separate yes/no nodes, not one categorical variable, so every instance counts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Final, Protocol

from nervepath.assessment.case import Case
from nervepath.assessment.service import ORIGIN_GROUPS, Differential, ranked_origins
from nervepath.assessment.triage import URGENCY_LEVELS, urgency_rank
from nervepath.errors import CaseError, NervepathError
from nervepath.knowledge.model import SIDES

__all__ = [
    "Calibration",
    "CaseResult",
    "EvaluationReport",
    "Expected",
    "LabelledCase",
    "OriginAccuracy",
    "ReliabilityBin",
    "SiteAccuracy",
    "TriageSummary",
    "evaluate",
    "is_hit",
    "split_instance",
]

TOP_K: Final = 3
BINS: Final = 10


@dataclass(frozen=True)
class Expected:
    site: str | None  # base site id, e.g. "l5_root"; None: a condition outside the model
    side: str | None  # "left", "right", or None (midline site, or either side)
    origin: str
    urgency: str


@dataclass(frozen=True)
class LabelledCase:
    id: str
    case: Case
    expected: Expected
    description: str = ""
    source_ref: str | None = None
    source_locator: str | None = None


@dataclass(frozen=True)
class CaseResult:
    id: str
    expected: Expected
    top_sites: tuple[tuple[str, float], ...]  # the first TOP_K site instances and posteriors
    rank: int | None  # 1-based rank of the first hit; None if no instance is a hit
    truth_probability: float  # the posterior of the best hit (0 when nothing is a hit)
    origin: str  # the most probable origin group
    urgency: str
    red_flags: tuple[str, ...]  # ids of the triage rules that fired

    @property
    def in_model(self) -> bool:
        return self.expected.site is not None

    @property
    def top1(self) -> bool:
        return self.rank == 1

    @property
    def top3(self) -> bool:
        return self.rank is not None and self.rank <= TOP_K

    @property
    def origin_correct(self) -> bool:
        return self.origin == self.expected.origin


@dataclass(frozen=True)
class SiteAccuracy:
    site: str
    cases: int
    top1: int
    top3: int


@dataclass(frozen=True)
class OriginAccuracy:
    origin: str
    cases: int
    correct: int


@dataclass(frozen=True)
class TriageSummary:
    levels: tuple[str, ...]  # row and column order of ``confusion``
    confusion: tuple[tuple[int, ...], ...]  # confusion[expected][assessed]
    agreement: float  # share assessed exactly at the expected level
    over_triage_rate: float  # share assessed above the expected level
    under_triage_rate: float  # share assessed below the expected level
    under_triaged: tuple[str, ...]  # ids assessed below the expected level
    under_triaged_emergencies: tuple[str, ...]  # expected emergency, assessed lower


@dataclass(frozen=True)
class ReliabilityBin:
    lower: float
    upper: float
    count: int
    mean_predicted: float | None  # None for an empty bin
    observed_frequency: float | None


@dataclass(frozen=True)
class Calibration:
    brier: float
    predictions: int  # number of (case, site instance) pairs
    bins: tuple[ReliabilityBin, ...]


@dataclass(frozen=True)
class EvaluationReport:
    cases: int
    in_model: int  # cases whose expected site is a site of the model: the site figures' base
    top1_accuracy: float
    top3_accuracy: float
    origin_accuracy: float
    per_site: tuple[SiteAccuracy, ...]
    per_origin: tuple[OriginAccuracy, ...]
    triage: TriageSummary
    calibration: Calibration
    results: tuple[CaseResult, ...]

    def worst(self, count: int = 10) -> tuple[CaseResult, ...]:
        """The cases the model can name that it got most wrong: lowest posterior on the truth."""
        named = [r for r in self.results if r.in_model]
        return tuple(sorted(named, key=lambda r: (r.truth_probability, r.id))[:count])

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of the report (per-case results included)."""
        out = asdict(self)
        out["results"] = [
            {**asdict(r), "top1": r.top1, "top3": r.top3, "origin_correct": r.origin_correct}
            for r in self.results
        ]
        out["worst"] = [r.id for r in self.worst()]
        return out


class DifferentialSource(Protocol):
    """What ``evaluate`` needs: an ``Assessor``, or a stand-in in tests."""

    def differential(self, case: Case) -> Differential: ...


def split_instance(name: str) -> tuple[str, str | None]:
    """``l5_root_left`` → (``l5_root``, ``left``); a midline name → (name, None)."""
    for side in SIDES:
        if name.endswith(f"_{side}"):
            return name[: -len(side) - 1], side
    return name, None


def is_hit(instance: str, expected: Expected) -> bool:
    """A ranked site instance names the expected site, on its side (or a midline site)."""
    base, side = split_instance(instance)
    return (
        expected.site is not None
        and base == expected.site
        and (expected.side is None or side is None or side == expected.side)
    )


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0


def evaluate(
    assessor: DifferentialSource,
    labelled_cases: Iterable[LabelledCase],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> EvaluationReport:
    """Score every labelled case; ``progress(done, total)`` is called after each one."""
    cases = tuple(labelled_cases)
    if not cases:
        raise CaseError("no labelled cases to evaluate")
    results: list[CaseResult] = []
    pairs: list[tuple[float, int]] = []  # (posterior, outcome) per case × site instance
    for done, item in enumerate(cases, 1):
        try:
            d = assessor.differential(item.case)
        except NervepathError as exc:
            raise CaseError(f"{item.id}: {exc}") from None
        hits = [is_hit(name, item.expected) for name, _ in d.sites]
        pairs.extend((p, int(hit)) for (_, p), hit in zip(d.sites, hits, strict=True))
        rank = hits.index(True) + 1 if any(hits) else None
        results.append(
            CaseResult(
                item.id,
                item.expected,
                d.sites[:TOP_K],
                rank,
                max((p for (_, p), hit in zip(d.sites, hits, strict=True) if hit), default=0.0),
                ranked_origins(d.origin, d.origin_explains)[0][0],
                d.triage.urgency,
                tuple(f.id for f in d.triage.red_flags),
            )
        )
        if progress is not None:
            progress(done, len(cases))
    n = len(results)
    named = sum(r.in_model for r in results)
    return EvaluationReport(
        n,
        named,
        _share(sum(r.top1 for r in results), named),
        _share(sum(r.top3 for r in results), named),
        _share(sum(r.origin_correct for r in results), n),
        _per_site(results),
        _per_origin(results),
        _triage_summary(results),
        _calibration(pairs),
        tuple(results),
    )


def _per_site(results: list[CaseResult]) -> tuple[SiteAccuracy, ...]:
    sites = sorted({r.expected.site for r in results if r.expected.site is not None})
    return tuple(
        SiteAccuracy(
            site,
            sum(r.expected.site == site for r in results),
            sum(r.top1 for r in results if r.expected.site == site),
            sum(r.top3 for r in results if r.expected.site == site),
        )
        for site in sites
    )


def _per_origin(results: list[CaseResult]) -> tuple[OriginAccuracy, ...]:
    seen = {r.expected.origin for r in results}
    order = [g for g in ORIGIN_GROUPS if g in seen] + sorted(seen - set(ORIGIN_GROUPS))
    return tuple(
        OriginAccuracy(
            origin,
            sum(r.expected.origin == origin for r in results),
            sum(r.origin_correct for r in results if r.expected.origin == origin),
        )
        for origin in order
    )


def _triage_summary(results: list[CaseResult]) -> TriageSummary:
    return triage_summary((r.id, r.expected.urgency, r.urgency) for r in results)


def triage_summary(rows: Iterable[tuple[str, str, str]]) -> TriageSummary:
    """Confusion and rates from ``(id, expected urgency, assessed urgency)`` rows."""
    size = len(URGENCY_LEVELS)
    matrix = [[0] * size for _ in range(size)]
    over: list[str] = []
    under: list[str] = []
    under_emergencies: list[str] = []
    n = 0
    for case_id, expected, assessed in rows:
        n += 1
        want, got = urgency_rank(expected), urgency_rank(assessed)
        matrix[want][got] += 1
        if got > want:
            over.append(case_id)
        elif got < want:
            under.append(case_id)
            if expected == URGENCY_LEVELS[-1]:
                under_emergencies.append(case_id)
    return TriageSummary(
        tuple(URGENCY_LEVELS),
        tuple(tuple(row) for row in matrix),
        _share(sum(matrix[i][i] for i in range(size)), n),
        _share(len(over), n),
        _share(len(under), n),
        tuple(under),
        tuple(under_emergencies),
    )


def _calibration(pairs: list[tuple[float, int]]) -> Calibration:
    brier = sum((p - y) ** 2 for p, y in pairs) / len(pairs) if pairs else 0.0
    grouped: list[list[tuple[float, int]]] = [[] for _ in range(BINS)]
    for p, y in pairs:
        grouped[min(int(p * BINS), BINS - 1)].append((p, y))  # p = 1.0 joins the last bin
    bins = tuple(
        ReliabilityBin(
            i / BINS,
            (i + 1) / BINS,
            len(group),
            sum(p for p, _ in group) / len(group) if group else None,
            sum(y for _, y in group) / len(group) if group else None,
        )
        for i, group in enumerate(grouped)
    )
    return Calibration(brier, len(pairs), bins)
