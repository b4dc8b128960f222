"""The published cases scored: each half (tuning, held-out) in each setting, and the interview.

``evaluate_published`` runs ``evaluate`` once per half × setting, so every figure of
``evaluate`` (site top-1/top-3, origin, the triage confusion matrix, emergencies triaged lower,
calibration, the ten worst cases) is given for each section; ``render_published`` prints them
as Rich tables, the ``to_dict`` of the result is the ``--json`` document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessor
from nervepath.evaluation.evaluate import TOP_K, EvaluationReport, LabelledCase, evaluate, is_hit
from nervepath.evaluation.published import HALVES, PublishedCase, labelled
from nervepath.evaluation.render import confusion_table, reliability_table, worst_table
from nervepath.evaluation.replay import ReplaySummary

__all__ = [
    "PRIOR_BANDS",
    "SETTINGS",
    "PriorBand",
    "PublishedEvaluation",
    "Section",
    "evaluate_published",
    "render_published",
]

SETTINGS: Final = ("clinician", "self_check")
Setting = Literal["clinician", "self_check"]
# Case reports favour rare conditions, while the priors are those of the people nervepath serves;
# the top-3 by how probable the truth was before any answer shows how much of the gap that is.
PRIOR_BANDS: Final = ((0.0, 0.005), (0.005, 0.02), (0.02, 1.0))


@dataclass(frozen=True)
class PriorBand:
    lower: float
    upper: float
    cases: int  # cases the model can name whose truth had a prior in [lower, upper)
    top3: int

    @property
    def label(self) -> str:
        if self.upper >= 1.0:
            return f"≥ {100 * self.lower:g} %"
        return f"{100 * self.lower:g}–{100 * self.upper:g} %"


@dataclass(frozen=True)
class Section:
    half: str
    setting: str
    report: EvaluationReport
    per_prior: tuple[PriorBand, ...] = ()


@dataclass(frozen=True)
class PublishedEvaluation:
    cases: int
    sections: tuple[Section, ...]
    interview: tuple[tuple[str, ReplaySummary], ...] = ()  # (half, summary) per half × silent

    def to_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "sections": [
                {
                    "half": s.half,
                    "setting": s.setting,
                    **s.report.to_dict(),
                    "per_prior": [{**asdict(b), "label": b.label} for b in s.per_prior],
                }
                for s in self.sections
            ],
            "interview": [{"half": h, **r.to_dict()} for h, r in self.interview],
        }


def evaluate_published(
    assessor: Assessor,
    cases: Sequence[PublishedCase],
    *,
    halves: Iterable[str] = HALVES,
    settings: Iterable[Setting] = SETTINGS,
    progress: Callable[[int, int], None] | None = None,
) -> PublishedEvaluation:
    """Score each half in each setting; ``progress(done, total)`` counts cases scored."""
    plan = [
        (half, setting, [labelled(c, setting) for c in cases if c.half == half])
        for half in halves
        for setting in settings
    ]
    plan = [(h, s, items) for h, s, items in plan if items]
    total = sum(len(items) for _, _, items in plan)
    done = 0
    sections: list[Section] = []
    for half, setting, items in plan:
        start = done

        def step(n: int, _total: int, start: int = start) -> None:
            if progress is not None:
                progress(start + n, total)

        report = evaluate(assessor, items, progress=step)
        sections.append(Section(half, setting, report, _per_prior(assessor, items, report)))
        done += len(items)
    return PublishedEvaluation(len(cases), tuple(sections))


def _per_prior(
    assessor: Assessor, items: Sequence[LabelledCase], report: EvaluationReport
) -> tuple[PriorBand, ...]:
    """Top-3 hits grouped by the truth's prior: its posterior with no answers, at the
    patient's age and sex in that setting."""
    blanks: dict[tuple[str, int | None, str | None], dict[str, float]] = {}
    priors: list[tuple[float, bool]] = []
    for item, result in zip(items, report.results, strict=True):
        if not result.in_model:
            continue
        c, patient = item.case, item.case.patient
        key = (c.setting, patient.age, patient.sex)
        if key not in blanks:
            blank = Case(setting=c.setting, patient=patient)
            blanks[key] = dict(assessor.differential(blank).sites)
        prior = max(p for name, p in blanks[key].items() if is_hit(name, item.expected))
        priors.append((prior, result.top3))
    return tuple(
        PriorBand(
            lower,
            upper,
            sum(lower <= p < upper for p, _ in priors),
            sum(lower <= p < upper and hit for p, hit in priors),
        )
        for lower, upper in PRIOR_BANDS
    )


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def render_published(result: PublishedEvaluation) -> RenderableType:
    """A summary table over the sections, then each section's triage, calibration and misses."""
    heads = [f"{s.half}\n{s.setting}" for s in result.sections]
    summary = Table("", *heads, title=f"{result.cases} published cases")
    rows: list[list[str | Text]] = [
        ["cases (in the model)"],
        ["site top-1"],
        [f"site top-{TOP_K}"],
        ["origin"],
        ["urgency exact"],
        ["over-triaged"],
        ["under-triaged"],
        ["emergencies lower"],
        ["Brier (sites)"],
    ]
    rows += [[f"top-{TOP_K}, truth's prior {b.label}"] for b in _bands(result)]
    for s in result.sections:
        r, t = s.report, s.report.triage
        cells: list[str | Text] = [
            f"{r.cases} ({r.in_model})",
            _pct(r.top1_accuracy),
            _pct(r.top3_accuracy),
            _pct(r.origin_accuracy),
            _pct(t.agreement),
            _pct(t.over_triage_rate),
            _pct(t.under_triage_rate),
            Text(
                f"{len(t.under_triaged_emergencies)} of {sum(t.confusion[-1])}",
                style="bold red" if t.under_triaged_emergencies else "green",
            ),
            f"{r.calibration.brier:.4f}",
            *(f"{b.top3} of {b.cases}" for b in s.per_prior),
        ]
        for row, cell in zip(rows, cells, strict=True):
            row.append(cell)
    for row in rows:
        summary.add_row(*row)
    parts: list[RenderableType] = [summary, _per_site(result)]
    for s in result.sections:
        title = f"{s.half}, {s.setting}"
        t = s.report.triage
        parts.append(Text(f"\n── {title} ──", style="bold"))
        if t.under_triaged_emergencies:
            parts.append(
                Text(
                    "✗ emergencies assessed below emergency: "
                    + ", ".join(t.under_triaged_emergencies),
                    style="bold red",
                )
            )
        parts += [
            confusion_table(t, f"Triage confusion ({title})"),
            reliability_table(s.report.calibration, f"Reliability ({title})"),
            worst_table(s.report.worst(), f"Ten worst ({title}): truth vs top {TOP_K}"),
        ]
    for half, replays in result.interview:
        parts.append(_interview_table(half, replays))
    return Group(*parts)


def _bands(result: PublishedEvaluation) -> tuple[PriorBand, ...]:
    return next((s.per_prior for s in result.sections if s.per_prior), ())


def _per_site(result: PublishedEvaluation) -> Table:
    heads = [f"{s.half}\n{s.setting}" for s in result.sections]
    table = Table("expected site", *heads, title=f"Per site: top-{TOP_K} hits / cases")
    rows: dict[str, list[str]] = {}
    for i, s in enumerate(result.sections):
        for row in s.report.per_site:
            cells = rows.setdefault(row.site, ["–"] * len(heads))
            cells[i] = f"{row.top3}/{row.cases}"
    for site in sorted(rows):
        table.add_row(site, *rows[site])
    return table


def _interview_table(half: str, r: ReplaySummary) -> Table:
    answer = {"absent": '"no"', "unknown": '"don\'t know"'}[r.silent]
    table = Table(
        "metric", "value", title=f"Self-check interview, {half}: silence answered {answer}"
    )
    table.add_row("cases replayed", f"{r.replayed} of {r.cases}")
    table.add_row(
        "questions after the body map: median / p90 / max",
        f"{r.questions_median:g} / {r.questions_p90:g} / {r.questions_max}",
    )
    table.add_row(
        "signs on the warning-sign screen (one question; median)", f"{r.warning_signs_median:g}"
    )
    table.add_row("ran to the question cap", str(r.capped))
    table.add_row(
        f"site top-1 / top-{TOP_K} at the end",
        f"{r.top1}/{r.in_model} / {r.top3}/{r.in_model}",
    )
    table.add_row(
        f"the same cases answered at once: top-1 / top-{TOP_K}",
        f"{r.full_top1}/{r.in_model} / {r.full_top3}/{r.in_model}",
    )
    table.add_row("emergency shown, not an emergency", str(len(r.emergency_shown)))
    return table
