"""A readable terminal summary of an assessment (Rich); the JSON document is the contract."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from nervepath.assessment.service import Assessment, ranked_origins
from nervepath.assessment.wording import ORIGIN_PLAIN, URGENCY_MEANING

__all__ = ["render_assessment"]

_STYLE = {
    "emergency": "bold white on red",
    "urgent": "bold black on yellow",
    "routine": "bold black on cyan",
    "self_care": "bold black on green",
}
_MEANING = URGENCY_MEANING
_ORIGIN = ORIGIN_PLAIN


def _bar(p: float, width: int = 20) -> str:
    filled = round(p * width)
    return "█" * filled + "·" * (width - filled)


def render_assessment(a: Assessment, *, top: int = 5) -> RenderableType:
    clinician = a.setting == "clinician"
    parts: list[RenderableType] = [
        Panel(Text(_MEANING[a.urgency], justify="center"), style=_STYLE[a.urgency])
    ]
    if a.red_flags:
        flags = Table.grid(padding=(0, 1))
        for flag in a.red_flags:
            flags.add_row(
                Text(f"⚠ {flag.level}", style="bold red"),
                Text(flag.clinical if clinician else flag.plain),
            )
            flags.add_row("", Text(f"source: {flag.citation}", style="dim"))
        parts.append(Panel(flags, title="Red flags", border_style="red"))
    origin = Table("where it probably comes from", "explains", "probability", box=None)
    for group, p, explains in ranked_origins(a.origin, a.origin_explains):
        origin.add_row(
            group if clinician else _ORIGIN.get(group, group),
            "—" if explains is None else f"{_bar(explains)} {100 * explains:5.1f}%",
            f"{100 * p:5.1f}%",
        )
    parts.append(origin)
    # Ranked by "explains": the chance the site causes something reported, not only is there.
    sites = Table("site", "side", "explains", "probability", box=None)
    sites.add_column("what pushed it most", overflow="fold")
    for s in a.sites[:top]:
        pushes = ", ".join(
            f"{c.finding}={c.state} ({c.log_odds_change:+.1f})" for c in s.explanation[:3]
        )
        sites.add_row(
            s.name if clinician else s.plain_name,
            s.side or "both",
            "—" if s.explains is None else f"{100 * s.explains:5.1f}%",
            f"{100 * s.probability:5.1f}%",
            pushes,
        )
    parts.append(sites)
    if clinician:
        causes = Table("cause", "side", "probability", box=None)
        for c in a.causes[:top]:
            causes.add_row(c.name, c.side or "both", f"{100 * c.probability:5.1f}%")
        parts.append(causes)
    if a.next_questions:
        questions = Table("next most useful question", "id", box=None)
        for q in a.next_questions[:3]:
            questions.add_row(q.question, q.finding)
        parts.append(questions)
    advice = Table("what to do next", "source", box=None)
    for r in a.recommendations:
        advice.add_row(r.text, r.source_ref)
    parts.append(advice)
    parts.append(
        Text(
            f"knowledge base {a.kb_version} (sha256 {a.kb_hash[:12]}…). "
            "Decision support, not a diagnosis.",
            style="dim",
        )
    )
    return Group(*parts)
