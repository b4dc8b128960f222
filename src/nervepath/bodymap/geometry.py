"""The body-map drawing (``shapes.yaml``): views, outlines and region shapes, validated on load."""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = ["PANEL_WIDTH", "Drawing", "Outline", "SideLabel", "View", "load_drawing"]

PANEL_WIDTH = 400
"""Every view is drawn in a panel this many units wide; lateral shapes mirror about its middle."""


# Absolute commands and "x,y" pairs only: the other side is drawn by mirroring every x.
_PATH = re.compile(r"(?:[MLQCZ]\s*|-?\d+(?:\.\d+)?,-?\d+(?:\.\d+)?\s*)+")


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
    subtitle: str
    height: float = Field(gt=0)
    drawn_side: Literal["left", "right"]
    side_label: SideLabel
    outline: Outline
    details: list[PathData] = []
    midline_details: list[PathData] = []
    regions: dict[str, list[PathData]] = {}
    midline: dict[str, list[PathData]] = {}


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
