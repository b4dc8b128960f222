"""The body-map drawing (``shapes.yaml``): views, outlines and region shapes, validated on load."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache, cached_property, lru_cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "PANEL_WIDTH",
    "Drawing",
    "Outline",
    "SideLabel",
    "View",
    "bounds",
    "load_drawing",
    "mirror",
]

PANEL_WIDTH = 400
"""Every view is drawn in a panel this many units wide; lateral shapes mirror about its middle."""


# Absolute commands and "x,y" pairs only: the other side is drawn by mirroring every x.
_PATH = re.compile(r"(?:[MLQCZ]\s*|-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?\s*)+")
_PAIR = re.compile(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)")


@lru_cache(maxsize=256)  # the drawing has about 60 paths; every page with a map mirrors them
def mirror(d: str) -> str:
    """The path mirrored about the middle of the panel (absolute ``x,y`` pairs only)."""

    def flip(m: re.Match[str]) -> str:
        return f"{round(PANEL_WIDTH - float(m.group(1)), 1):g},{m.group(2)}"

    return _PAIR.sub(flip, d)


def bounds(paths: Iterable[str]) -> tuple[float, float, float, float]:
    """``(x0, y0, x1, y1)`` around every point of the paths (control points included: a
    little larger than the curve, never smaller)."""
    pts = [(float(x), float(y)) for d in paths for x, y in _PAIR.findall(d)]
    xs, ys = [x for x, _ in pts], [y for _, y in pts]
    return min(xs), min(ys), max(xs), max(ys)


def _absolute_path(d: str) -> str:
    if not _PATH.fullmatch(d.strip()):
        raise ValueError("path data may hold only M, L, Q, C, Z and absolute x,y pairs")
    return d


PathData = Annotated[str, AfterValidator(_absolute_path)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SideLabel(_Strict):
    """Where "Right"/"Left" is written under the drawn side (the other side is mirrored)."""

    x: float
    y: float


class Outline(_Strict):
    """The silhouette drawn behind the regions: a filled shape and an optional stroked edge."""

    fill: PathData
    contour: PathData | None = None


class View(_Strict):
    id: str
    title: str
    short: str  # the view's name on a phone's view switcher
    subtitle: str
    height: float = Field(gt=0)
    zoom: float = Field(default=1.0, gt=0)  # how much larger it is drawn on the web page
    drawn_side: Literal["left", "right"]
    side_label: SideLabel
    outline: Outline
    details: list[PathData] = []
    midline_details: list[PathData] = []
    regions: dict[str, list[PathData]] = {}
    midline: dict[str, list[PathData]] = {}

    @property
    def left_on_left(self) -> bool:
        """Whether the person's left side is on the left of the picture: the drawn side is
        the left half of the panel, its mirror image the right half."""
        return self.drawn_side == "left"

    def content_box(self, margin: float = 8.0) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` around everything drawn (both sides and the side
        labels): a panel cropped to it wastes no room on a phone."""
        x0, y0, y1 = self._extent
        x0, y0 = x0 - margin, y0 - margin
        return x0, y0, PANEL_WIDTH - x0 - x0, y1 + margin - y0

    @cached_property
    def _extent(self) -> tuple[float, float, float]:
        """Left, top and bottom of everything drawn: once per view, not once per page."""
        paths = [self.outline.fill, *self.details, *self.midline_details]
        paths += [d for shapes in (*self.regions.values(), *self.midline.values()) for d in shapes]
        x0, y0, _, y1 = bounds([*paths, *(mirror(d) for d in paths)])
        return min(x0, self.side_label.x - 40), y0, max(y1, self.side_label.y + 6)


class Drawing(_Strict):
    views: list[View] = Field(min_length=1)

    def region_ids(self) -> set[str]:
        """Every region id that has a shape in some view."""
        return {rid for v in self.views for rid in (*v.regions, *v.midline)}


@cache
def load_drawing() -> Drawing:
    """The shipped drawing (read once)."""
    text = (resources.files("nervepath.bodymap") / "shapes.yaml").read_text(encoding="utf-8")
    return Drawing.model_validate(yaml.safe_load(text))
