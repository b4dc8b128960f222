"""The body map: coverage of the knowledge base, valid SVG, marks and accessibility."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

from nervepath.bodymap import (
    marked_from_answers,
    region_instances,
    render_body_map,
)
from nervepath.bodymap.geometry import load_drawing
from nervepath.errors import CaseError
from nervepath.knowledge.model import KnowledgeBase

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def _regions(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if "region" in g.get("class", "").split()]


def test_the_drawing_covers_every_region_of_the_knowledge_base(shipped_kb: KnowledgeBase) -> None:
    drawn = load_drawing().region_ids()
    regions = {r.id for r in shipped_kb.raw.anatomy.regions}
    assert regions - drawn == set(), "regions of the knowledge base with no shape"
    assert drawn - regions == set(), "shapes naming a region the knowledge base lacks"


def test_midline_regions_are_drawn_once_per_view_and_lateral_ones_on_both_sides(
    shipped_kb: KnowledgeBase,
) -> None:
    lateral = {r.id: r.lateral for r in shipped_kb.raw.anatomy.regions}
    for view in load_drawing().views:
        assert all(lateral[rid] for rid in view.regions), view.id
        assert not any(lateral[rid] for rid in view.midline), view.id


@pytest.mark.parametrize("kb_name", ["shipped_kb", "tiny_kb"])
def test_every_region_instance_has_a_shape_in_the_interactive_map(
    kb_name: str, request: pytest.FixtureRequest
) -> None:
    kb: KnowledgeBase = request.getfixturevalue(kb_name)
    root = _parse(render_body_map(kb, interactive=True))
    shown = {g.get("data-instance") for g in _regions(root)}
    assert shown == {i.name for i in region_instances(kb)}
    known = {r.id for r in kb.raw.anatomy.regions}
    assert {g.get("data-region") for g in _regions(root)} <= known


def test_interactive_shapes_are_labelled_checkboxes(shipped_kb: KnowledgeBase) -> None:
    root = _parse(
        render_body_map(shipped_kb, interactive=True, marked={"first_web_space_left": "pain"})
    )
    assert root.get("role") == "group"
    assert root.get("viewBox") and root.get("width") is None
    for g in _regions(root):
        assert g.get("role") == "checkbox"
        assert g.get("tabindex") == "0"
        assert g.find(f"{SVG}title") is not None
        instance = g.get("data-instance")
        side = g.get("data-side")
        if side is None:
            assert instance == g.get("data-region")
        else:
            assert instance == f"{g.get('data-region')}_{side}"
            assert f"{side} " in (g.get("aria-label") or "")
        checked = "true" if instance == "first_web_space_left" else "false"
        assert g.get("aria-checked") == checked
    web = [g for g in _regions(root) if g.get("data-instance") == "first_web_space_left"]
    assert web and web[0].get("aria-label") == (
        "The skin between your big toe and second toe, left foot"
    )


def test_clinician_labels_use_clinical_names(shipped_kb: KnowledgeBase) -> None:
    root = _parse(render_body_map(shipped_kb, interactive=True, setting="clinician"))
    labels = {g.get("aria-label") for g in _regions(root)}
    assert "First dorsal web space, right foot" in labels


def test_static_map_is_an_image_without_focus_stops(shipped_kb: KnowledgeBase) -> None:
    root = _parse(render_body_map(shipped_kb, marked={"heel_right": ["pain", "burning"]}))
    assert root.get("role") == "img"
    assert "The bottom of your heel, right foot: Pain, burning" in (root.get("aria-label") or "")
    for g in _regions(root):
        assert g.get("tabindex") is None and g.get("role") is None
        assert g.find(f"{SVG}title") is not None
    text = "".join(root.itertext())
    assert "The bottom of your heel, right foot: Pain, burning" in text


def test_marked_regions_are_hatched_in_every_view(shipped_kb: KnowledgeBase) -> None:
    marked = {"great_toe_left": "pain", "saddle": ["numbness"]}
    root = _parse(render_body_map(shipped_kb, marked=marked, id_prefix="m1"))
    hits = [g for g in _regions(root) if g.get("data-instance") in marked]
    assert len({g.get("data-instance") for g in hits}) == 2
    assert len(hits) >= 4  # the big toe and the saddle each show in two views
    for g in _regions(root):
        is_marked = g.get("data-instance") in marked
        assert ("marked" in (g.get("class") or "").split()) is is_marked
        assert (g.get("fill") == "url(#m1-hatch)") is is_marked
    patterns = [p.get("id") for p in root.iter(f"{SVG}pattern")]
    assert patterns == ["m1-hatch"]


def _side_labels(view: ET.Element) -> dict[str, tuple[str, float]]:
    """Side → (the label's words, its x) in one view."""
    return {
        t.get("data-side", ""): (" ".join("".join(t.itertext()).split()), float(t.get("x", 0)))
        for t in view.iter(f"{SVG}text")
        if t.get("class") == "side-label"
    }


@pytest.mark.parametrize(("setting", "whose"), [("self_check", "Your"), ("clinician", "Patient's")])
def test_every_view_says_whose_side_is_which(
    shipped_kb: KnowledgeBase, setting: str, whose: str
) -> None:
    root = _parse(render_body_map(shipped_kb, setting=setting))
    views = [g for g in root.iter(f"{SVG}g") if g.get("class") == "view"]
    assert len(views) == 4
    for view in views:
        labels = _side_labels(view)
        assert {side: words for side, (words, _) in labels.items()} == {
            "left": f"{whose} left",
            "right": f"{whose} right",
        }


def test_text_is_escaped(shipped_kb: KnowledgeBase) -> None:
    svg = render_body_map(
        shipped_kb, title='Pain & numbness <b>"x"</b>', marked={"calf_left": ["ache & <cramp>"]}
    )
    root = _parse(svg)
    assert root.find(f"{SVG}title").text == 'Pain & numbness <b>"x"</b>'  # type: ignore[union-attr]
    assert "<b>" not in svg and "<cramp>" not in svg
    assert "ache & <cramp>" in "".join(root.itertext())


def test_unknown_region_names_are_refused_with_a_suggestion(shipped_kb: KnowledgeBase) -> None:
    with pytest.raises(CaseError, match="heel_left"):
        render_body_map(shipped_kb, marked={"heel_lft": "pain"})


def test_one_column_layout_is_narrower(shipped_kb: KnowledgeBase) -> None:
    two = _parse(render_body_map(shipped_kb)).get("viewBox", "").split()
    one = _parse(render_body_map(shipped_kb, columns=1)).get("viewBox", "").split()
    assert float(one[2]) < float(two[2]) and float(one[3]) > float(two[3])


def test_marks_come_from_present_quality_answers(shipped_kb: KnowledgeBase) -> None:
    answers = {
        "numbness_first_web_space_left": "present",
        "pain_first_web_space_left": "present",
        "pain_lateral_leg_left": "absent",
        "numbness_saddle": "present",
        "pins_and_needles_heel_right": "unknown",
        "back_pain": "present",
        "strength_ankle_inversion_left": "4",
    }
    assert marked_from_answers(shipped_kb, answers) == {
        "first_web_space_left": ["numbness", "pain"],
        "saddle": ["numbness"],
    }


def test_region_instances_list_both_sides_and_the_midline(shipped_kb: KnowledgeBase) -> None:
    instances = region_instances(shipped_kb)
    names = [i.name for i in instances]
    assert len(names) == len(set(names)) == 2 * 30 + 2
    saddle = next(i for i in instances if i.name == "saddle")
    assert saddle.side is None and saddle.group == "pelvis"
    assert saddle.label("clinician").startswith("Perineum")


def test_path_data_must_be_mirrorable() -> None:
    from pydantic import ValidationError

    from nervepath.bodymap.geometry import Outline

    assert Outline(fill="M1,2 L3.5,-4 Q5,6 7,8 Z").fill.startswith("M1,2")
    with pytest.raises(ValidationError, match="absolute"):
        Outline(fill="M1,2 l3,4 Z")


def test_marked_regions_are_exactly_those_given(shipped_kb: KnowledgeBase) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    names = [i.name for i in region_instances(shipped_kb)]
    qualities = st.lists(st.sampled_from(["pain", "numbness", "x & <y>"]), max_size=2)

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(st.dictionaries(st.sampled_from(names), qualities, max_size=6), st.booleans())
    def check(marked: dict[str, list[str]], interactive: bool) -> None:
        root = _parse(render_body_map(shipped_kb, marked=marked, interactive=interactive))
        shown = {g.get("data-instance") for g in _regions(root) if "marked" in g.get("class", "")}
        assert shown == set(marked)

    check()


def _mean_x(svg: str, view: str, instance: str) -> float:
    """The mean x of the path points of a region instance in one view."""
    start = svg.index(f'data-view="{view}"')
    end = svg.find('data-view="', start + 10)
    part = svg[start : end if end > 0 else None]
    group = part[part.index(f'data-instance="{instance}"') :]
    d = group[group.index(' d="') + 4 :]
    d = d[: d.index('"')]
    xs = [float(x) for x, _ in re.findall(r"(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?)", d)]
    return sum(xs) / len(xs)


def test_each_view_puts_the_left_foot_where_its_viewer_sees_it(shipped_kb: KnowledgeBase) -> None:
    svg = render_body_map(shipped_kb, interactive=True, setting="self_check")
    # Looking down at your own feet the left one is on your left; facing someone, on your right.
    assert (
        _mean_x(svg, "dorsum", "great_toe_left") < 200 < _mean_x(svg, "dorsum", "great_toe_right")
    )
    # The big toe is the inner edge: towards the middle.
    assert _mean_x(svg, "dorsum", "great_toe_left") > _mean_x(svg, "dorsum", "little_toe_left")


def _views(shipped_kb: KnowledgeBase, **options: object) -> ET.Element:
    """The per-view map (HTML around one ``<svg>`` per view) as one XML tree."""
    from nervepath.bodymap import render_body_map_views

    return ET.fromstring(f"<root>{render_body_map_views(shipped_kb, **options)}</root>")  # type: ignore[arg-type]


def _box(group: ET.Element) -> tuple[float, float, float, float]:
    """The box around a region's paths and its hit area, in drawing units."""
    from nervepath.bodymap.geometry import bounds

    x0, y0, x1, y1 = bounds(p.get("d", "") for p in group.iter(f"{SVG}path"))
    for r in group.iter(f"{SVG}rect"):
        x, y = float(r.get("x", 0)), float(r.get("y", 0))
        x0, y0 = min(x0, x), min(y0, y)
        x1, y1 = max(x1, x + float(r.get("width", 0))), max(y1, y + float(r.get("height", 0)))
    return x0, y0, x1, y1


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_every_place_is_a_24_px_target_in_every_view(
    shipped_kb: KnowledgeBase, setting: str
) -> None:
    root = _views(shipped_kb, interactive=True, setting=setting)
    drawings = list(root.iter(f"{SVG}svg"))
    assert len(drawings) == 4
    seen: set[str] = set()
    for svg in drawings:
        # CSS px per unit: the drawing's width over its viewBox's width.
        px = float(svg.get("width", 0)) / float(svg.get("viewBox", "").split()[2])
        for g in _regions(svg):
            x0, y0, x1, y1 = _box(g)
            name = f"{svg.get('id')} {g.get('data-instance')}"
            assert min(x1 - x0, y1 - y0) * px >= 24, name
            seen.add(g.get("data-instance", ""))
    assert seen == {i.name for i in region_instances(shipped_kb)}


def test_hit_areas_are_invisible_and_only_where_a_place_is_small(
    shipped_kb: KnowledgeBase,
) -> None:
    root = _views(shipped_kb, interactive=True)
    hits = [(g, r) for g in _regions(root) for r in g.iter(f"{SVG}rect") if r.get("class") == "hit"]
    assert {g.get("data-region") for g, _ in hits} >= {"first_web_space", "saddle"}
    assert not any(g.get("data-region") == "buttock" for g, _ in hits)
    for _, r in hits:
        assert (r.get("fill"), r.get("stroke"), r.get("pointer-events")) == ("none", "none", "all")
    # A static map takes no clicks: no hit areas.
    assert not [r for r in _views(shipped_kb).iter(f"{SVG}rect") if r.get("class") == "hit"]


def test_the_ankle_bones_are_drawn_where_they_are_big_enough() -> None:
    # In the leg views they were 16 × 20 units, side by side on a 27-unit ankle: too small to
    # tap and too close to enlarge; the tops of the feet show them at 1.1 times.
    views = {v.id: v for v in load_drawing().views}
    for rid in ("medial_malleolus", "lateral_malleolus"):
        assert [v for v in views if rid in views[v].regions] == ["dorsum"]
    assert views["dorsum"].zoom > 1 and views["sole"].zoom > 1


@pytest.mark.parametrize("interactive", [True, False])
def test_left_shapes_sit_under_the_left_label_in_every_view(
    shipped_kb: KnowledgeBase, interactive: bool
) -> None:
    """No view is mirrored by mistake: the shapes with left region ids lie on the half of the
    picture that the "Your left" label marks, and the caption says which half that is."""
    from nervepath.bodymap.geometry import PANEL_WIDTH

    root = _views(shipped_kb, interactive=interactive)
    for figure in root.iter("figure"):
        svg = figure.find(f"{SVG}svg")
        assert svg is not None
        labels = _side_labels(svg)
        assert labels["left"][0] == "Your left" and labels["right"][0] == "Your right"
        left_on_left = labels["left"][1] < PANEL_WIDTH / 2 < labels["right"][1]
        assert left_on_left or labels["right"][1] < PANEL_WIDTH / 2 < labels["left"][1]
        for g in _regions(svg):
            x0, _, x1, _ = _box(g)
            side = g.get("data-side")
            if side is None:
                continue
            assert g.get("data-instance", "").endswith(f"_{side}")
            on_left = (x0 + x1) / 2 < PANEL_WIDTH / 2
            assert on_left is (left_on_left if side == "left" else not left_on_left), (
                f"{figure.get('data-view')}: {g.get('data-instance')}"
            )
        caption = "".join(figure.find("figcaption").itertext())  # type: ignore[union-attr]
        where = "right" if left_on_left else "left"
        assert f"your right is on the {where} of the picture" in caption


def test_only_the_front_view_puts_your_right_on_the_left(shipped_kb: KnowledgeBase) -> None:
    root = _parse(render_body_map(shipped_kb))
    desc = root.find(f"{SVG}desc").text or ""  # type: ignore[union-attr]
    assert "Front (facing you): your right is on the left of the picture" in desc
    for view in ("Back", "Tops of the feet", "Soles of the feet"):
        assert re.search(rf"{view} \([^)]*\): your right is on the right", desc), view


def test_static_views_list_the_marked_places_in_text(shipped_kb: KnowledgeBase) -> None:
    root = _views(shipped_kb, marked={"heel_left": ["pain"], "saddle": ["numbness"]})
    assert not [g for g in _regions(root) if g.get("role") or g.get("tabindex")]
    assert all(svg.get("aria-hidden") == "true" for svg in root.iter(f"{SVG}svg"))
    items = ["".join(li.itertext()) for li in root.iter("li")]
    assert len(items) == 2 and items[0] == "The bottom of your heel, left foot: Pain"
    assert items[1].endswith(": Numbness")
    assert "no region marked" in "".join(_views(shipped_kb).itertext())


def test_the_views_are_cropped_to_what_they_draw() -> None:
    for view in load_drawing().views:
        x, _, w, h = view.content_box()
        assert x > 0 and w < 300 and h <= view.height + 20, view.id


# Where the person's left is, by viewpoint: facing someone their left is on your right; from
# behind, looking down at your own feet, or at lifted soles from behind, it is on your left.
LEFT_ON_THE_LEFT = {"front": False, "back": True, "dorsum": True, "sole": True}
# An outer and an inner place in each view: the outer one lies farther from the middle.
OUTER_INNER = {
    "front": ("lateral_thigh", "medial_thigh"),
    "back": ("lateral_thigh", "medial_thigh"),
    "dorsum": ("little_toe", "great_toe"),
    "sole": ("little_toe", "great_toe"),
}


@pytest.mark.parametrize("view", list(LEFT_ON_THE_LEFT))
def test_each_view_is_drawn_as_its_viewer_sees_it(shipped_kb: KnowledgeBase, view: str) -> None:
    svg = render_body_map(shipped_kb, interactive=True)
    outer, inner = OUTER_INNER[view]
    left = _mean_x(svg, view, f"{outer}_left")
    assert (left < 200) is LEFT_ON_THE_LEFT[view]
    for side in ("left", "right"):
        assert abs(_mean_x(svg, view, f"{outer}_{side}") - 200) > abs(
            _mean_x(svg, view, f"{inner}_{side}") - 200
        )
