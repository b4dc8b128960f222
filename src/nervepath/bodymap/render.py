"""Draw the body map as an inline SVG: static (reports) or interactive (web form)."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from difflib import get_close_matches
from html import escape

from nervepath.bodymap.geometry import PANEL_WIDTH, View, bounds, load_drawing, mirror
from nervepath.bodymap.regions import RegionInstance, quality_names, region_instances
from nervepath.errors import CaseError
from nervepath.knowledge.model import KnowledgeBase

__all__ = [
    "FONT",
    "MIN_TARGET",
    "defs",
    "describe",
    "felt_line",
    "orientation",
    "render_body_map",
    "resolve_marks",
    "style",
    "summary",
    "view_shapes",
]

# Unmarked regions are light with a visible edge; marked ones are coloured AND hatched so that
# they still stand out when printed in black and white.
UNMARKED_FILL = "#efebe4"
UNMARKED_STROKE = "#6b6b6b"
MARK_COLOUR = "#e07b39"
MARK_STROKE = "#000000"
OUTLINE_STROKE = "#2b2b2b"
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"

HEADER = 64.0  # views are shifted down this much to make room for their title
GAP = 12.0
LEGEND_LINE = 20.0
MIN_TARGET = 25.0
"""A place smaller than this (in CSS px at the page's scale) gets an invisible hit area this
large: WCAG 2.2 asks for 24 × 24 px targets (2.5.8); one more px absorbs rounding."""


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
    instances, felt = resolve_marks(kb, marked)
    if columns not in (1, 2, 3, 4):
        raise ValueError(f"columns must be 1, 2, 3 or 4, not {columns!r}")
    drawing = load_drawing()

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
        shapes = view_shapes(
            view, instances, felt, interactive=interactive, setting=setting, prefix=id_prefix
        )
        body.extend(_panel(view, shapes, setting))
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
        role = f'role="img" aria-label="{_attr(summary(title, instances, felt, setting))}"'
    head = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bodymap" id="{_attr(id_prefix)}" '
        f'viewBox="0 0 {width:g} {total:g}" preserveAspectRatio="xMidYMin meet" '
        f'style="width:100%;height:auto;max-width:{width:g}px" font-family="{FONT}" {role}>',
        f'<title id="{_attr(title_id)}">{escape(title)}</title>',
        f"<desc>{escape(describe(drawing.views, setting))}</desc>",
        defs(id_prefix),
    ]
    if interactive:
        head.append(style(f"#{id_prefix}", id_prefix))
    return "\n".join([*head, *body, "</svg>"])


def resolve_marks(
    kb: KnowledgeBase, marked: Mapping[str, str | Sequence[str]] | None
) -> tuple[dict[str, RegionInstance], dict[str, list[str]]]:
    """The region instances by name, and the marked ones with the names of what is felt there;
    an unknown name is a :class:`CaseError` that suggests the nearest valid ones."""
    marked = marked or {}
    instances = {i.name: i for i in region_instances(kb)}
    for name in marked:
        if name not in instances:
            near = get_close_matches(name, list(instances), n=3, cutoff=0.6)
            hint = f"; nearest valid names: {', '.join(near)}" if near else ""
            raise CaseError(f"body map › {name}: no region has this name{hint}")
    words = quality_names(kb)
    felt = {name: [words.get(q, q) for q in _qualities(value)] for name, value in marked.items()}
    return instances, felt


def orientation(view: View, setting: str) -> str:
    """Whose right is where, in words: "your right is on the left of the picture"."""
    whose = "the patient's" if setting == "clinician" else "your"
    where = "right" if view.left_on_left else "left"
    return f"{whose} right is on the {where} of the picture"


def describe(views: Sequence[View], setting: str) -> str:
    """A text alternative for the drawing as a whole: its views and how each is turned."""
    parts = [f"{v.title} ({v.subtitle}): {orientation(v, setting)}" for v in views]
    return "Both legs and both feet, each view labelled Right and Left. " + "; ".join(parts) + "."


def defs(prefix: str) -> str:
    hatch = f"{prefix}-hatch"
    return (
        "<defs>"
        f'<pattern id="{_attr(hatch)}" patternUnits="userSpaceOnUse" width="7" height="7" '
        'patternTransform="rotate(45)">'
        f'<rect width="7" height="7" fill="{MARK_COLOUR}"/>'
        f'<line x1="0" y1="0" x2="0" y2="7" stroke="{MARK_STROKE}" stroke-width="2.4"/>'
        "</pattern></defs>"
    )


def style(scope: str, prefix: str) -> str:
    """CSS for the web page: a script only flips ``aria-checked``; the look follows from it.
    ``scope`` is a selector for the map (or one of its views), ``prefix`` its hatch's id."""
    p = scope
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


def _panel(view: View, shapes: list[str], setting: str) -> list[str]:
    """A view in the one-picture layout: a framed panel with its title and orientation."""
    mid = PANEL_WIDTH / 2
    return [
        f'<rect x="1" y="1" width="{PANEL_WIDTH - 2}" height="{view.height + HEADER - 2:g}" '
        'rx="8" fill="none" stroke="#c8c8c8"/>',
        f'<text x="{mid:g}" y="22" text-anchor="middle" font-size="20" font-weight="bold">'
        f"{escape(view.title)}</text>",
        f'<text x="{mid:g}" y="40" text-anchor="middle" font-size="14">'
        f"({escape(view.subtitle)})</text>",
        f'<text x="{mid:g}" y="58" text-anchor="middle" font-size="14" font-style="italic">'
        f"{escape(orientation(view, setting)).capitalize()}</text>",
        f'<g transform="translate(0,{HEADER:g})">',
        *shapes,
        "</g>",
    ]


def view_shapes(
    view: View,
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    *,
    interactive: bool,
    setting: str,
    prefix: str,
    min_target: float = MIN_TARGET,
) -> list[str]:
    """A view's outline, regions, details and Right/Left labels, in its own coordinates.

    ``min_target`` is the smallest target in drawing units: an interactive region smaller than
    it gets an invisible hit area that large, drawn after (above) the larger regions.
    """
    other = "left" if view.drawn_side == "right" else "right"
    out: list[str] = []
    # Outline behind the regions: the drawn side and its mirror image.
    for d in (view.outline.fill, mirror(view.outline.fill)):
        stroke = "none" if view.outline.contour else OUTLINE_STROKE
        out.append(
            f'<path class="outline" d="{d}" fill="#ffffff" stroke="{stroke}" stroke-width="2"/>'
        )
    if view.outline.contour:
        for d in (view.outline.contour, mirror(view.outline.contour)):
            out.append(
                f'<path class="outline" d="{d}" fill="none" stroke="{OUTLINE_STROKE}" '
                'stroke-width="2" stroke-linejoin="round"/>'
            )
    shapes: list[tuple[RegionInstance, list[str]]] = []
    for side, flip in ((view.drawn_side, False), (other, True)):
        for rid, paths in view.regions.items():
            name = f"{rid}_{side}"
            if name in instances:  # a drawing may show regions a smaller knowledge base lacks
                shapes.append((instances[name], [mirror(d) if flip else d for d in paths]))
    shapes += [(instances[rid], paths) for rid, paths in view.midline.items() if rid in instances]
    hits = {i.name: _hit_area(paths, min_target) if interactive else "" for i, paths in shapes}
    # Regions with a hit area go last, so that it lies over its larger neighbours.
    for instance, paths in sorted(shapes, key=lambda s: bool(hits[s[0].name])):
        out.append(
            _region(instance, paths, felt, interactive, setting, prefix, hits[instance.name])
        )
    # Details (kneecap, creases) on top, so that regions do not hide them; they take no clicks.
    details = [*view.details, *(mirror(d) for d in view.details), *view.midline_details]
    for d in details:
        out.append(
            f'<path class="detail" d="{d}" fill="none" stroke="#7a7a7a" stroke-width="1.2" '
            'pointer-events="none"/>'
        )
    # "Your / left" under the left leg: whose side it is, not only which side of the picture.
    label = view.side_label
    whose = "Patient's" if setting == "clinician" else "Your"
    for side, x in ((view.drawn_side, label.x), (other, PANEL_WIDTH - label.x)):
        out.append(
            f'<text class="side-label" data-side="{side}" x="{x:g}" y="{label.y - 22:g}" '
            f'text-anchor="middle" font-size="20"><tspan>{whose} </tspan>'
            f'<tspan x="{x:g}" dy="22" font-weight="bold">{side}</tspan></text>'
        )
    return out


def _hit_area(paths: Sequence[str], size: float) -> str:
    """An invisible rectangle at least ``size`` square around a small region ("" if none is
    needed): it takes clicks and taps (``pointer-events="all"``) but draws nothing."""
    x0, y0, x1, y1 = bounds(paths)
    w, h = x1 - x0, y1 - y0
    if w >= size and h >= size:
        return ""
    gw, gh = max(w, size), max(h, size)
    x, y = (x0 + x1 - gw) / 2, (y0 + y1 - gh) / 2
    return (
        f'<rect class="hit" x="{x:.1f}" y="{y:.1f}" width="{gw:.1f}" height="{gh:.1f}" '
        'fill="none" stroke="none" pointer-events="all"/>'
    )


def _region(
    instance: RegionInstance,
    shapes: Sequence[str],
    felt: Mapping[str, list[str]],
    interactive: bool,
    setting: str,
    prefix: str,
    hit: str = "",
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
    return (
        f'<g {" ".join(attrs)} stroke-linejoin="round"><title>{escape(tip)}</title>{paths}{hit}</g>'
    )


def felt_line(instance: RegionInstance, qualities: Sequence[str], setting: str) -> str:
    words = [q[:1].lower() + q[1:] if i else q for i, q in enumerate(qualities)]
    return f"{instance.label(setting)}: {', '.join(words)}" if words else instance.label(setting)


def summary(
    title: str,
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    setting: str,
) -> str:
    if not felt:
        return f"{title}: no region marked"
    parts = [felt_line(instances[n], q, setting) for n, q in felt.items()]
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
        lines = textwrap.wrap(felt_line(instances[name], qualities, setting), chars - 2)
        for i, line in enumerate(lines):
            y += LEGEND_LINE
            bullet = "■ " if i == 0 else "   "
            out.append(f'<text x="4" y="{y:g}" font-size="14">{escape(bullet + line)}</text>')
    return out, y + 8
