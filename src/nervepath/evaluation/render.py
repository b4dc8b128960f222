"""Evaluation reports as Rich tables for the terminal (``nervepath evaluate``)."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from nervepath.evaluation.evaluate import (
    TOP_K,
    Calibration,
    CaseResult,
    EvaluationReport,
    TriageSummary,
)

__all__ = ["confusion_table", "reliability_table", "render_report", "worst_table"]


def _pct(part: int, whole: int) -> str:
    return f"{part}/{whole} ({100 * part / whole if whole else 0:.0f}%)"


def confusion_table(t: TriageSummary, title: str = "Triage confusion") -> Table:
    """Expected × assessed urgency; emergencies assessed lower in bold red."""
    table = Table("expected ↓ / assessed →", *t.levels, title=title)
    for i, (level, row) in enumerate(zip(t.levels, t.confusion, strict=True)):
        cells = [
            Text(str(count), style="bold red" if count and j < i and level == t.levels[-1] else "")
            for j, count in enumerate(row)
        ]
        table.add_row(level, *cells)
    return table


def reliability_table(c: Calibration, title: str = "Reliability") -> Table:
    table = Table("bin", "count", "mean predicted", "observed", title=title)
    for b in c.bins:
        table.add_row(
            f"{b.lower:.1f}–{b.upper:.1f}",
            str(b.count),
            "–" if b.mean_predicted is None else f"{b.mean_predicted:.3f}",
            "–" if b.observed_frequency is None else f"{b.observed_frequency:.3f}",
        )
    return table


def worst_table(results: Iterable[CaseResult], title: str) -> Table:
    """Each case's truth (with the posterior it got) against the model's top sites."""
    table = Table("id", "truth", f"top {TOP_K}", "origin", title=title)
    for r in results:
        side = f" ({r.expected.side})" if r.expected.side else ""
        rank = "not ranked" if r.rank is None else f"rank {r.rank}"
        table.add_row(
            r.id,
            f"{r.expected.site}{side}\n{r.truth_probability:.3f}, {rank}",
            "\n".join(f"{name} {p:.2f}" for name, p in r.top_sites),
            r.origin,
        )
    return table


def render_report(report: EvaluationReport) -> RenderableType:
    """A readable Rich report; emergencies assessed below ``emergency`` are shown in red."""
    n, t = report.cases, report.triage
    summary = Table("metric", "value", title=f"Evaluation of {n} labelled cases")
    if report.in_model < n:
        summary.add_row("cases outside the model (no site figures)", str(n - report.in_model))
    summary.add_row("top-1 site accuracy", f"{report.top1_accuracy:.3f}")
    summary.add_row(f"top-{TOP_K} site accuracy", f"{report.top3_accuracy:.3f}")
    summary.add_row("origin accuracy", f"{report.origin_accuracy:.3f}")
    summary.add_row("triage agreement", f"{t.agreement:.3f}")
    summary.add_row("over-triage rate", f"{t.over_triage_rate:.3f}")
    summary.add_row("under-triage rate", f"{t.under_triage_rate:.3f}")
    summary.add_row("Brier score (site posteriors)", f"{report.calibration.brier:.4f}")
    parts: list[RenderableType] = [summary]
    if t.under_triaged_emergencies:
        parts.append(
            Text(
                f"✗ {len(t.under_triaged_emergencies)} emergencies assessed below emergency: "
                + ", ".join(t.under_triaged_emergencies),
                style="bold red",
            )
        )
    else:
        parts.append(Text("✓ no emergency was assessed below emergency", style="green"))
    others = [i for i in t.under_triaged if i not in t.under_triaged_emergencies]
    if others:
        parts.append(Text("under-triaged: " + ", ".join(others), style="yellow"))

    sites = Table("expected site", "cases", "top-1", f"top-{TOP_K}", title="Per site")
    for s in report.per_site:
        style = None if s.top3 == s.cases else "yellow"
        sites.add_row(
            s.site, str(s.cases), _pct(s.top1, s.cases), _pct(s.top3, s.cases), style=style
        )
    origins = Table("expected origin", "cases", "correct", title="Per origin")
    for o in report.per_origin:
        origins.add_row(o.origin, str(o.cases), _pct(o.correct, o.cases))
    parts += [sites, origins, confusion_table(t), reliability_table(report.calibration)]

    misses = [r for r in report.results if not r.top3 or not r.origin_correct]
    if misses:
        parts.append(worst_table(misses, "Misses"))
    return Group(*parts)
