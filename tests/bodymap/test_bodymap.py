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
    marked = {"lateral_malleolus_left": "pain", "saddle": ["numbness"]}
    root = _parse(render_body_map(shipped_kb, marked=marked, id_prefix="m1"))
    hits = [g for g in _regions(root) if g.get("data-instance") in marked]
    assert len({g.get("data-instance") for g in hits}) == 2
    assert len(hits) >= 3  # the ankle bone shows in several views
    for g in _regions(root):
        is_marked = g.get("data-instance") in marked
        assert ("marked" in (g.get("class") or "").split()) is is_marked
        assert (g.get("fill") == "url(#m1-hatch)") is is_marked
    patterns = [p.get("id") for p in root.iter(f"{SVG}pattern")]
    assert patterns == ["m1-hatch"]


def test_every_view_says_which_side_is_which(shipped_kb: KnowledgeBase) -> None:
    root = _parse(render_body_map(shipped_kb))
    views = [g for g in root.iter(f"{SVG}g") if g.get("class") == "view"]
    assert len(views) == 4
    for view in views:
        labels = [t.text or "" for t in view.iter(f"{SVG}text") if t.get("class") == "side-label"]
        assert sorted(labels) == ["Left", "Right"]


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
