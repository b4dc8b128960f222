"""The body map for web pages: one ``<svg>`` per view, cropped and drawn to scale, in HTML.

A page lays the views out with CSS (side by side on a desktop, one at a time on a phone) and
writes the titles, the "whose right is where" line and the key in HTML text, which stays
readable at any size, where the one-picture map (:func:`render_body_map`) shrinks them with
the drawing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from nervepath.bodymap.geometry import View, load_drawing
from nervepath.bodymap.regions import RegionInstance
from nervepath.bodymap.render import (
    FONT,
    MIN_TARGET,
    defs,
    felt_line,
    orientation,
    resolve_marks,
    style,
    summary,
    view_shapes,
)
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["render_body_map_views"]


def render_body_map_views(
    kb: KnowledgeBase,
    *,
    marked: Mapping[str, str | Sequence[str]] | None = None,
    interactive: bool = False,
    setting: str = "self_check",
    title: str = "Body map",
    scale: float = 1.0,
    id_prefix: str = "bodymap",
) -> str:
    """HTML: a figure per view (caption + ``<svg>``), then the key.

    ``scale`` is CSS px per drawing unit (times a view's ``zoom`` when ``interactive``): at
    1.0 every interactive place is at least :data:`MIN_TARGET` px square, its own shape or an
    invisible hit area. ``interactive`` makes the places checkboxes (``role``,
    ``aria-checked``, ``tabindex``) that a script toggles; a static map lists what is marked
    under the views. ``marked`` and ``setting`` are as for :func:`render_body_map`.
    """
    instances, felt = resolve_marks(kb, marked)
    figures = [
        _figure(view, instances, felt, interactive, setting, scale, id_prefix)
        for view in load_drawing().views
    ]
    prefix = escape(id_prefix, quote=True)
    if interactive:
        head = (
            f'<div class="bodymap-views" id="{prefix}" role="group" '
            f'aria-labelledby="{prefix}-title"><p class="visually-hidden" id="{prefix}-title">'
            f"{escape(title)}</p>"
        )
    else:
        head = f'<div class="bodymap-views static" id="{prefix}">'
    return "\n".join([head, *figures, "</div>", _key(instances, felt, interactive, setting, title)])


def _figure(
    view: View,
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    interactive: bool,
    setting: str,
    scale: float,
    prefix: str,
) -> str:
    vid = f"{prefix}-{view.id}"
    zoom = scale * (view.zoom if interactive else 1.0)
    x, y, w, h = view.content_box()
    caption = (
        f'<figcaption id="{escape(vid)}-caption"><strong>{escape(view.title)}</strong> '
        f"({escape(view.subtitle)}): {escape(orientation(view, setting))}.</figcaption>"
    )
    if interactive:
        role = f'role="group" aria-labelledby="{escape(vid)}-caption"'
    else:
        role = 'aria-hidden="true"'
    shapes = view_shapes(
        view,
        instances,
        felt,
        interactive=interactive,
        setting=setting,
        prefix=vid,
        min_target=MIN_TARGET / zoom,
    )
    svg = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="bodymap-drawing" id="{escape(vid)}" '
        f'viewBox="{x:g} {y:g} {w:g} {h:g}" width="{w * zoom:.0f}" height="{h * zoom:.0f}" '
        f'font-family="{FONT}" {role}>',
        defs(vid),
        style(f"#{vid}", vid) if interactive else "",
        *shapes,
        "</svg>",
    ]
    return (
        f'<figure class="bodymap-view" id="{escape(vid)}-view" data-view="{escape(view.id)}" '
        f'data-short="{escape(view.short)}" style="--width:{w * zoom:.0f}px">'
        f"{caption}{''.join(svg)}</figure>"
    )


def _key(
    instances: Mapping[str, RegionInstance],
    felt: Mapping[str, list[str]],
    interactive: bool,
    setting: str,
    title: str,
) -> str:
    """What a hatched place means and, on a static map, each marked place and what is felt."""
    swatches = (
        '<p class="bodymap-key"><span><span class="swatch marked"></span>Marked: where it is '
        'felt</span> <span><span class="swatch"></span>Not marked</span></p>'
    )
    if interactive:
        return swatches
    if not felt:
        none = escape(summary(title, instances, felt, setting))
        return f'{swatches}<p class="bodymap-marked">{none}.</p>'
    items = (f"<li>{escape(felt_line(instances[n], q, setting))}</li>" for n, q in felt.items())
    return f'{swatches}<ul class="bodymap-marked">{"".join(items)}</ul>'
