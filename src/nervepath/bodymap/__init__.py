"""The body map: an SVG of both legs and feet whose shapes are the knowledge base's regions."""

from __future__ import annotations

from nervepath.bodymap.panels import render_body_map_views
from nervepath.bodymap.regions import (
    RegionInstance,
    marked_from_answers,
    quality_names,
    region_instances,
)
from nervepath.bodymap.render import render_body_map

__all__ = [
    "RegionInstance",
    "marked_from_answers",
    "quality_names",
    "region_instances",
    "render_body_map",
    "render_body_map_views",
]
