"""Small inline SVG charts for reports: probability bars and signed contribution bars."""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from nervepath.bodymap.render import MARK_COLOUR

__all__ = ["Bar", "contribution_bar", "marked_swatch", "percent", "probability_chart", "signed"]

FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"
WIDTH = 760
LINE = 15
LABEL_CHARS = 58  # about 370 units of 12-unit text: the label column
BAR_X = 390
BAR_WIDTH = 300


@dataclass(frozen=True)
class Bar:
    """One row of a probability chart: what, a short note after it, and its probability."""

    label: str
    note: str
    probability: float


def percent(p: float) -> str:
    """A probability as printed in every report: ``98.5%``, ``0.4%``, ``<0.1%``."""
    if 0 < p < 0.0005:
        return "<0.1%"
    return f"{100 * p:.1f}%"


def signed(x: float) -> str:
    """A signed number with a real minus sign: ``+0.65``, ``−1.20``, ``0.00``."""
    text = f"{abs(x):.2f}"
    if text == "0.00":
        return text
    return f"+{text}" if x > 0 else f"−{text}"


def probability_chart(bars: Sequence[Bar], *, title: str) -> str:
    """Horizontal bars: the label on the left (wrapped), the bar, then the probability.

    The numbers are printed, so nothing depends on the bar's colour or length alone.
    """
    rows: list[str] = []
    y = 0.0
    for bar in bars:
        label = bar.label + (f" · {bar.note}" if bar.note else "")
        lines = textwrap.wrap(label, LABEL_CHARS) or [""]
        height = LINE * len(lines) + 8
        mid = y + height / 2
        width = max(0.0, min(1.0, bar.probability)) * BAR_WIDTH
        for i, line in enumerate(lines):
            rows.append(
                f'<text x="0" y="{y + 4 + LINE * (i + 1) - 3:g}" font-size="12">'
                f"{escape(line)}</text>"
            )
        rows += [
            f'<rect x="{BAR_X}" y="{mid - 6:g}" width="{BAR_WIDTH}" height="12" fill="#ffffff" '
            'stroke="#8a8a8a" stroke-width="0.8"/>',
            f'<rect x="{BAR_X}" y="{mid - 6:g}" width="{width:.1f}" height="12" fill="#333333"/>',
            f'<text x="{WIDTH}" y="{mid + 4.5:g}" font-size="12.5" font-weight="bold" '
            f'text-anchor="end">{percent(bar.probability)}</text>',
            f'<line x1="0" y1="{y + height:g}" x2="{WIDTH}" y2="{y + height:g}" stroke="#dddddd" '
            'stroke-width="0.6"/>',
        ]
        y += height
    return "\n".join(
        [
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} '
            f'{y + 2:g}" font-family="{FONT}" role="img" aria-label="{escape(title, quote=True)}">',
            f"<title>{escape(title)}</title>",
            *rows,
            "</svg>",
        ]
    )


def contribution_bar(value: float, scale: float) -> str:
    """A bar from a centre line: right and solid for support, left and hollow against.

    Direction and fill both carry the sign (and the number is printed next to it), so the
    bar reads in black and white.
    """
    half = 40.0
    length = 0.0 if scale <= 0 else min(1.0, abs(value) / scale) * half
    if value >= 0:
        bar = f'<rect x="{half:g}" y="2" width="{length:.1f}" height="8" fill="#222222"/>'
    else:
        bar = (
            f'<rect x="{half - length:.1f}" y="2" width="{length:.1f}" height="8" '
            'fill="#ffffff" stroke="#222222" stroke-width="1"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="cbar" viewBox="0 0 {2 * half:g} 12" '
        'aria-hidden="true">'
        f'{bar}<line x1="{half:g}" y1="0" x2="{half:g}" y2="12" stroke="#000000" '
        'stroke-width="1"/></svg>'
    )


def marked_swatch(*, id_prefix: str) -> str:
    """The body map's mark (colour and hatch) as a small key swatch."""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="swatch" viewBox="0 0 26 10" '
        'aria-hidden="true"><defs>'
        f'<pattern id="{escape(id_prefix, quote=True)}" patternUnits="userSpaceOnUse" width="5" '
        'height="5" patternTransform="rotate(45)">'
        f'<rect width="5" height="5" fill="{MARK_COLOUR}"/>'
        f'<line x1="0" y1="0" x2="0" y2="5" stroke="#000000" stroke-width="1.8"/></pattern></defs>'
        f'<rect x="0.5" y="0.5" width="25" height="9" fill="url(#{escape(id_prefix, quote=True)})" '
        'stroke="#000000"/></svg>'
    )
