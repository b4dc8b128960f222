"""Draw the body map as an inline SVG: static (reports) or interactive (web form)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from html import escape

from nervepath.bodymap.geometry import PANEL_WIDTH, View, load_drawing
from nervepath.bodymap.regions import RegionInstance, quality_names, region_instances
from nervepath.errors import CaseError
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["render_body_map"]

# Unmarked regions are light with a visible edge; marked ones are coloured AND hatched so that
# they still stand out when printed in black and white.
UNMARKED_FILL = "#efebe4"
UNMARKED_STROKE = "#6b6b6b"
MARK_COLOUR = "#e07b39"
MARK_STROKE = "#000000"
OUTLINE_STROKE = "#2b2b2b"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"

HEADER = 46.0  # views are shifted down this much to make room for their title
GAP = 12.0
LEGEND_LINE = 20.0
_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


def _mirror(d: str) -> str:
    """The path mirrored about the middle of the panel (absolute ``x,y`` pairs only)."""

    def flip(m: re.Match[str]) -> str:
        return f"{round(PANEL_WIDTH - float(m.group(1)), 1):g},{m.group(2)}"

    return _PAIR.sub(flip, d)


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _qualities(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def render_body_map(
    kb: KnowledgeBase,
    *,
    marked: Mapping[str, str | Sequence[str]] | None = None,
    interactive: bool = False,
    setting: str = "self_check",
    title: str = "Body map",
    columns: int = 2,
    legend: bool = True,
    id_prefix: str = "bodymap",
) -> str:
    """An inline ``<svg>`` of both legs (front, back) and both feet (tops, soles).

    ``marked`` maps region instance names (``first_web_space_left``, ``saddle``) to the
    qualities felt there (``pain``, ``numbness``… or any words); marked regions are filled and
    hatched, and a static map lists them under the drawing. ``interactive`` adds checkbox
    semantics (``role``, ``aria-checked``, ``tabindex``) and the CSS that restyles a region when
    a script flips its ``aria-checked``. ``columns`` (1–4) lays the four views out: 2 is a
    2 × 2 grid, 1 a single column for narrow screens, 3 a wide band for printed reports.
    ``legend=False`` leaves out the key and the list of marked regions (a page that prints its
    own). ``id_prefix`` keeps ids unique when a page shows several maps.
    """
    marked = marked or {}
    instances = {i.name: i for i in region_instances(kb)}
    for name in marked:
        if name not in instances:
            near = get_close_matches(name, list(instances), n=3, cutoff=0.6)
            hint = f"; nearest valid names: {', '.join(near)}" if near else ""
            raise CaseError(f"body map › {name}: no region has this name{hint}")
    if columns not in (1, 2, 3, 4):
        raise ValueError(f"columns must be 1, 2, 3 or 4, not {columns!r}")
    drawing = load_drawing()
    words = quality_names(kb)
    felt = {name: [words.get(q, q) for q in _qualities(value)] for name, value in marked.items()}

    # 1. Lay the views out in columns, each view going to the shortest column so far (with two
    #    columns: legs on top, feet below; with three: front, back, then both feet views).
    tops = [0.0] * columns
    body: list[str] = []
    for view in drawing.views:
        col = tops.index(min(tops))
        x, y = col * (PANEL_WIDTH + GAP), tops[col]
        body.append(
            f'<g class="view" data-view="{_attr(view.id)}" transform="translate({x:g},{y:g})">'
        )
        body.extend(_view(view, instances, felt, interactive, setting, id_prefix))
        body.append("</g>")
        tops[col] += view.height + HEADER + GAP
    width = columns * PANEL_WIDTH + (columns - 1) * GAP
    y = max(tops)

    # 2. The legend: what a hatched region means, and (static) what was felt where.
    total = y - GAP
    if legend:
        lines, legend_height = _legend(instances, felt, interactive, setting, width, id_prefix)
        body.append(f'<g class="legend" transform="translate(0,{y:g})">')
        body.extend(lines)
        body.append("</g>")
        total = y + legend_height

    # 3. The accessible name: a group of checkboxes, or an image that says what is marked.
    title_id = f"{id_prefix}-title"
    if interactive:
        role = f'role="group" aria-labelledby="{_attr(title_id)}"'
    else:
        role = f'role="img" aria-label="{_attr(_summary(title, instances, felt, setting))}"'
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bodymap" id="{_attr(id_prefix)}" '
        f'viewBox="0 0 {width:g} {total:g}" preserveAspectRatio="xMidYMin meet" '
        f'style="width:100%;height:auto;max-width:{width:g}px" font-family="{FONT}" {role}>',
        f'<title id="{_attr(title_id)}">{escape(title)}</title>',
        "<desc>Front and back of both legs, and the tops and soles of both feet. Each view is "
        "labelled Right and Left; in the front view and on the tops of the feet the person's "
        "right side is on the left of the picture.</desc>",
        _defs(id_prefix),
    ]
    if interactive:
        head.append(_style(id_prefix))
    return "\n".join([*head, *body, "</svg>"])


def _defs(prefix: str) -> str:
    hatch = f"{prefix}-hatch"
    return (
        "<defs>"
        f'<pattern id="{_attr(hatch)}" patternUnits="userSpaceOnUse" width="7" height="7" '
        'patternTransform="rotate(45)">'
        f'<rect width="7" height="7" fill="{MARK_COLOUR}"/>'
        f'<line x1="0" y1="0" x2="0" y2="7" stroke="{MARK_STROKE}" stroke-width="2.4"/>'
        "</pattern></defs>"
    )


def _style(prefix: str) -> str:
    """CSS for the web page: a script only flips ``aria-checked``; the look follows from it."""
    p = f"#{prefix}"
    return (
        "<style>"
        f"{p} .region{{cursor:pointer}}"
        f'{p} .region[aria-checked="true"]{{fill:url(#{prefix}-hatch);stroke:{MARK_STROKE};'
        "stroke-width:1.6}"
        f'{p} .region[aria-checked="false"]{{fill:{UNMARKED_FILL};stroke:{UNMARKED_STROKE}}}'
        f'{p} .region[aria-checked="false"]:hover{{fill:#d7e3f4}}'
        f"{p} .region:focus{{outline:none}}"
        f"{p} .region:focus-visible{{stroke:#1d4ed8;stroke-width:3.5}}"
        "</style>"
    )


def _view(
    view: View,
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    interactive: bool,
    setting: str,
    prefix: str,
) -> list[str]:
    mid = PANEL_WIDTH / 2
    other = "left" if view.drawn_side == "right" else "right"
    out = [
        f'<rect x="1" y="1" width="{PANEL_WIDTH - 2}" height="{view.height + HEADER - 2:g}" '
        'rx="8" fill="none" stroke="#c8c8c8"/>',
        f'<text x="{mid:g}" y="22" text-anchor="middle" font-size="20" font-weight="bold">'
        f"{escape(view.title)}</text>",
        f'<text x="{mid:g}" y="40" text-anchor="middle" font-size="14">'
        f"({escape(view.subtitle)})</text>",
        f'<g transform="translate(0,{HEADER:g})">',
    ]
    # Outline behind the regions: the drawn side and its mirror image.
    for d in (view.outline.fill, _mirror(view.outline.fill)):
        stroke = "none" if view.outline.contour else OUTLINE_STROKE
        out.append(
            f'<path class="outline" d="{d}" fill="#ffffff" stroke="{stroke}" stroke-width="2"/>'
        )
    if view.outline.contour:
        for d in (view.outline.contour, _mirror(view.outline.contour)):
            out.append(
                f'<path class="outline" d="{d}" fill="none" stroke="{OUTLINE_STROKE}" '
                'stroke-width="2" stroke-linejoin="round"/>'
            )
    for side, flip in ((view.drawn_side, False), (other, True)):
        for rid, paths in view.regions.items():
            name = f"{rid}_{side}"
            if name not in instances:
                continue  # a drawing may show regions a smaller knowledge base lacks
            shapes = [_mirror(d) if flip else d for d in paths]
            out.append(_region(instances[name], shapes, felt, interactive, setting, prefix))
    for rid, paths in view.midline.items():
        if rid in instances:
            out.append(_region(instances[rid], paths, felt, interactive, setting, prefix))
    # Details (kneecap, creases) on top, so that regions do not hide them; they take no clicks.
    details = [*view.details, *(_mirror(d) for d in view.details), *view.midline_details]
    for d in details:
        out.append(
            f'<path class="detail" d="{d}" fill="none" stroke="#7a7a7a" stroke-width="1.2" '
            'pointer-events="none"/>'
        )
    label = view.side_label
    for side, x in ((view.drawn_side, label.x), (other, PANEL_WIDTH - label.x)):
        out.append(
            f'<text class="side-label" x="{x:g}" y="{label.y:g}" text-anchor="middle" '
            f'font-size="24" font-weight="bold">{side.capitalize()}</text>'
        )
    out.append("</g>")
    return out


def _region(
    instance: RegionInstance,
    shapes: Sequence[str],
    felt: Mapping[str, list[str]],
    interactive: bool,
    setting: str,
    prefix: str,
) -> str:
    is_marked = instance.name in felt
    label = instance.label(setting)
    attrs = [
        f'class="region{" marked" if is_marked else ""}"',
        f'data-region="{_attr(instance.id)}"',
    ]
    if instance.side is not None:
        attrs.append(f'data-side="{instance.side}"')
    attrs.append(f'data-instance="{_attr(instance.name)}"')
    if interactive:
        attrs += [
            'role="checkbox"',
            f'aria-checked="{"true" if is_marked else "false"}"',
            'tabindex="0"',
            f'aria-label="{_attr(label)}"',
        ]
    if is_marked:
        attrs.append(
            f'fill="url(#{_attr(prefix)}-hatch)" stroke="{MARK_STROKE}" stroke-width="1.6"'
        )
    else:
        attrs.append(f'fill="{UNMARKED_FILL}" stroke="{UNMARKED_STROKE}" stroke-width="1"')
    tip = label if not felt.get(instance.name) else f"{label}: {', '.join(felt[instance.name])}"
    paths = "".join(f'<path d="{d}"/>' for d in shapes)
    return f'<g {" ".join(attrs)} stroke-linejoin="round"><title>{escape(tip)}</title>{paths}</g>'


def _felt_line(instance: RegionInstance, qualities: Sequence[str], setting: str) -> str:
    words = [q[:1].lower() + q[1:] if i else q for i, q in enumerate(qualities)]
    return f"{instance.label(setting)}: {', '.join(words)}" if words else instance.label(setting)


def _summary(
    title: str,
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    setting: str,
) -> str:
    if not felt:
        return f"{title}: no region marked"
    parts = [_felt_line(instances[n], q, setting) for n, q in felt.items()]
    return f"{title}. Marked: " + "; ".join(parts)


def _legend(
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    interactive: bool,
    setting: str,
    width: float,
    prefix: str,
) -> tuple[list[str], float]:
    out = [
        f'<rect x="4" y="6" width="26" height="16" fill="url(#{_attr(prefix)}-hatch)" '
        f'stroke="{MARK_STROKE}"/>',
        '<text x="38" y="19" font-size="14">Marked: where it is felt</text>',
        f'<rect x="250" y="6" width="26" height="16" fill="{UNMARKED_FILL}" '
        f'stroke="{UNMARKED_STROKE}"/>',
        '<text x="284" y="19" font-size="14">Not marked</text>',
    ]
    y = 28.0
    if interactive or not felt:
        return out, y
    # One line per marked region (wrapped: SVG text does not wrap by itself).
    chars = int(width / 7.6)
    for name, qualities in felt.items():
        lines = textwrap.wrap(_felt_line(instances[name], qualities, setting), chars - 2)
        for i, line in enumerate(lines):
            y += LEGEND_LINE
            bullet = "■ " if i == 0 else "   "
            out.append(f'<text x="4" y="{y:g}" font-size="14">{escape(bullet + line)}</text>')
    return out, y + 8
