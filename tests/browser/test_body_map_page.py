"""The body map as people meet it, in Chromium at desktop and phone width: every place a
24 × 24 px target (WCAG 2.2, 2.5.8), the summary right after ticking boxes, one view at a time
on a phone, labels that say whose left is where, and a readable key on the result page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import feel, screenshot, to_body_map
from playwright.sync_api import Browser, Page, expect

from nervepath.bodymap import region_instances
from nervepath.knowledge.model import load_knowledge_base

SCREENS = {
    "desktop": {"viewport": {"width": 1280, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
PHONE_MAP_HEIGHT = 900
"""The map on a phone (view buttons and one view) in CSS px: about one screen (it was 2,237)."""
MIN_TEXT = 12
WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}

# Every visible place: its box, and whether the point at the middle of a small one (one with
# a hit area) is that place, i.e. nothing else lies over its hit area.
_PLACES = """() => [...document.querySelectorAll('[data-field="region"] .region')]
  .filter(g => g.checkVisibility())
  .map(g => {
    const hit = g.querySelector('.hit');
    if (hit) g.scrollIntoView({block: 'center', inline: 'center'});
    const r = g.getBoundingClientRect();
    const top = hit && document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return {name: g.dataset.instance, view: g.closest('[data-view]').dataset.view,
            w: r.width, h: r.height, reachable: !hit || (top && top.closest('.region') === g)};
  })"""


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[tuple[str, Page]]:
    context = browser.new_context(**SCREENS[request.param])  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield request.param, page
    context.close()


def _view_buttons(page: Page) -> list[str]:
    buttons = page.locator('[data-field="region"] .bodymap-tabs button')
    return [
        buttons.nth(i).inner_text() for i in range(buttons.count()) if buttons.nth(i).is_visible()
    ]


def _show(page: Page, view: str) -> None:
    """On a phone, choose the view that holds a place (on a desktop every view shows)."""
    button = page.locator(
        f'[data-field="region"] .bodymap-tabs button[aria-controls$="-{view}-view"]'
    )
    if button.is_visible():
        button.click()


def _mark(page: Page, instance: str, view: str) -> None:
    _show(page, view)
    page.locator(f'[data-view="{view}"] [data-instance="{instance}"]').click()


def test_every_place_is_at_least_24_px_square(screen: tuple[str, Page], base_url: str) -> None:
    name, page = screen
    to_body_map(page, base_url)
    places = []
    for view in ("front", "back", "dorsum", "sole"):
        _show(page, view)
        places += page.evaluate(_PLACES)
    small = [p for p in places if min(p["w"], p["h"]) < 24]
    assert small == [], f"{name}: places under 24 px: {small}"
    assert [(p["view"], p["name"]) for p in places if not p["reachable"]] == []
    every = {i.name for i in region_instances(load_knowledge_base())}
    assert {p["name"] for p in places} == every
    smallest = min(min(p["w"], p["h"]) for p in places)
    print(f"{name}: smallest place {smallest:.1f} px")


def test_marking_places_on_the_map_and_in_the_list_keeps_the_summary(
    screen: tuple[str, Page], base_url: str
) -> None:
    _, page = screen
    to_body_map(page, base_url)
    summary = page.locator("#marked-summary")
    expect(summary).to_have_text("No place marked yet.")
    _mark(page, "heel_left", "sole")
    _mark(page, "calf_left", "back")
    expected = "Marked (2): The bottom of your heel, left foot; "
    expect(summary).to_contain_text(expected)
    # The list instead of the drawing: a third place, ticked in the list, shows on the map.
    page.get_by_text("Choose places from a list instead").click()
    choices = page.locator("details.region-list")
    choices.get_by_label("The bottom of your heel, right foot").check()
    expect(summary).to_contain_text("Marked (3): ")
    expect(summary).to_contain_text("heel, right foot")
    _show(page, "sole")
    shape = page.locator('[data-view="sole"] [data-instance="heel_right"]')
    expect(shape).to_have_attribute("aria-checked", "true")
    choices.get_by_label("The bottom of your heel, left foot").uncheck()
    expect(summary).to_contain_text("Marked (2): ")
    expect(summary).not_to_contain_text("heel, left foot")


def test_a_phone_shows_one_view_at_a_time(browser: Browser, base_url: str) -> None:
    context = browser.new_context(**SCREENS["phone"])  # type: ignore[arg-type]
    page = context.new_page()
    to_body_map(page, base_url)
    assert _view_buttons(page) == ["Front", "Behind", "Foot tops", "Soles"]
    bodymap = page.locator('[data-field="region"]')
    for view in ("front", "back", "dorsum", "sole"):
        _show(page, view)
        expect(page.locator(f'[data-field="region"] [data-view="{view}"]')).to_be_visible()
        assert page.locator('[data-field="region"] .bodymap-view:visible').count() == 1
        box = bodymap.bounding_box()
        assert box is not None and box["height"] <= PHONE_MAP_HEIGHT, (view, box)
        print(f"phone map height, {view}: {box['height']:.0f} px")
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    # A view button says how many places are marked in its view.
    _mark(page, "great_toe_left", "dorsum")
    expect(page.locator(".bodymap-tabs button", has_text="Foot tops")).to_have_text("Foot tops (1)")
    expect(page.locator(".bodymap-tabs button", has_text="Soles")).to_have_text("Soles (1)")
    screenshot(page, "bodymap-phone")
    results = Axe().run(page, options=WCAG)
    context.close()
    assert results.violations_count == 0, results.generate_report()


def test_desktop_shows_every_view_without_view_buttons(page: Page, base_url: str) -> None:
    to_body_map(page, base_url)
    assert _view_buttons(page) == []
    assert page.locator('[data-field="region"] .bodymap-view:visible').count() == 4
    screenshot(page, "bodymap-desktop")


def test_each_view_says_whose_left_is_where(screen: tuple[str, Page], base_url: str) -> None:
    """The "Your left" label of each view sits under the shapes of the left side, and the
    caption says on which side of the picture your right is, as the labels show it."""
    name, page = screen
    to_body_map(page, base_url)
    for view in ("front", "back", "dorsum", "sole"):
        _show(page, view)
        figure = page.locator(f'[data-field="region"] [data-view="{view}"]')
        middle = {}
        for side in ("left", "right"):
            label = figure.locator(f'.side-label[data-side="{side}"]')
            expect(label).to_have_text(f"Your {side}")
            shapes = figure.locator(f'.region[data-side="{side}"]')
            xs = [
                b["x"] + b["width"] / 2
                for b in shapes.evaluate_all(
                    "els => els.map(e => e.getBoundingClientRect().toJSON())"
                )
            ]
            box = label.bounding_box()
            assert box is not None
            middle[side] = (box["x"] + box["width"] / 2, sum(xs) / len(xs))
        (left_label, left_shapes), (right_label, right_shapes) = middle["left"], middle["right"]
        assert abs(left_label - left_shapes) < abs(left_label - right_shapes), (name, view)
        assert abs(right_label - right_shapes) < abs(right_label - left_shapes), (name, view)
        where = "left" if right_label < left_label else "right"
        expect(figure.locator("figcaption")).to_contain_text(
            f"your right is on the {where} of the picture"
        )


def test_result_map_key_is_readable(screen: tuple[str, Page], base_url: str) -> None:
    name, page = screen
    to_body_map(page, base_url)
    _mark(page, "heel_left", "sole")
    feel(page, "pain")
    page.get_by_role("button", name="Stop and see the result").click()
    page.wait_for_url("**/r/**")
    static = page.locator(".bodymap.static")
    expect(static.locator(".bodymap-marked li")).to_have_text(
        ["The bottom of your heel, left foot: Pain"]
    )
    sizes = static.evaluate(
        """m => ({
          html: [...m.querySelectorAll('figcaption, .bodymap-key, .bodymap-marked li')]
            .map(e => parseFloat(getComputedStyle(e).fontSize)),
          svg: [...m.querySelectorAll('text tspan')]
            .map(e => parseFloat(getComputedStyle(e).fontSize)
              * e.ownerSVGElement.getScreenCTM().a),
        })"""
    )
    assert min(sizes["html"]) >= MIN_TEXT, (name, sizes)
    assert min(sizes["svg"]) >= MIN_TEXT, (name, sizes)
    print(f"{name}: smallest text on the result map {min(sizes['html'] + sizes['svg']):.1f} px")
    screenshot(page, f"bodymap-result-{name}")


def test_tab_reaches_the_places_and_space_marks_one(
    screen: tuple[str, Page], base_url: str
) -> None:
    name, page = screen
    to_body_map(page, base_url)
    if name == "phone":  # the view buttons come first, then the places of the view shown
        _show(page, "dorsum")
        page.locator('.bodymap-tabs button[aria-pressed="true"]').focus()
    focused = ""
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.dataset.instance || ''")
        if focused:
            break
    assert focused, "Tab never reached a place on the map"
    page.keyboard.press("Space")
    expect(page.locator(f'input[name="region"][value="{focused}"]')).to_be_checked()
    expect(page.locator("#marked-summary")).to_contain_text("Marked (1)")
