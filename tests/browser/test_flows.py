"""People's flows in a real browser: the self-check by clicking the body map, the emergency
banner, the keyboard alone, a phone screen, and the clinician's examination."""

from __future__ import annotations

import re

from browser_support import PASSWORD, screenshot
from playwright.sync_api import Browser, Page, expect


def _mark(page: Page, instance: str) -> None:
    page.locator(f'.bodymap [data-instance="{instance}"]').first.click()


def test_self_check_by_clicking_the_body_map(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/self-check")
    _mark(page, "first_web_space_left")
    _mark(page, "lateral_leg_left")
    box = page.locator('input[name="region"][value="first_web_space_left"]')
    expect(box).to_be_checked()
    expect(page.locator('.bodymap [data-instance="lateral_leg_left"]').first).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.locator("#marked-summary")).to_contain_text("Marked (2)")
    page.get_by_label("numbness").check()
    page.get_by_label("pain", exact=True).check()
    # Ticking a feeling must not reset the summary (the drawing inside is no field of its own).
    expect(page.locator("#marked-summary")).to_contain_text("Marked (2)")
    screenshot(page, "1-self-check-body-map")
    page.get_by_role("button", name="Next").click()
    # The warning signs come first; answer "no" to three of them, then stop.
    for _ in range(3):
        expect(page.locator("legend.question")).to_be_visible()
        page.get_by_label("no", exact=True).check()
        page.get_by_role("button", name="Next").click()
    screenshot(page, "2-self-check-question")
    page.get_by_role("button", name="Stop and see the result").click()
    expect(page).to_have_url(re.compile(r"/r/[\w-]{32,}$"))
    expect(page.locator(".banner")).to_be_visible()
    expect(page.locator("section.answer .condition")).to_be_visible()
    expect(page.locator("section.answer .medical-name")).to_be_visible()
    marked = page.locator('.bodymap.static .marked[data-instance="first_web_space_left"]')
    expect(marked.first).to_be_attached()
    screenshot(page, "3-self-check-result")


def test_cauda_equina_gets_the_emergency_banner(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/self-check")
    for place in ("saddle", "medial_sole_left", "medial_sole_right"):
        _mark(page, place)
    page.get_by_label("numbness").check()
    page.get_by_role("button", name="Next").click()
    banner = page.get_by_role("alert")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("emergency department")
    box = banner.bounding_box()
    assert box is not None and box["y"] < 200  # first thing on the page, full width
    assert box["width"] > 1000
    screenshot(page, "4-emergency")
    page.get_by_role("button", name="Stop here and see the result").click()
    expect(page.locator(".banner.emergency")).to_be_visible()
    expect(page.locator(".banner.emergency h1")).to_contain_text("EMERGENCY")


def test_keyboard_alone_marks_a_place(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/self-check")
    shape = page.locator('.bodymap [data-instance="heel_right"]').first
    shape.focus()
    page.keyboard.press("Space")
    expect(page.locator('input[name="region"][value="heel_right"]')).to_be_checked()
    page.keyboard.press("Enter")
    expect(page.locator('input[name="region"][value="heel_right"]')).not_to_be_checked()


def test_fits_a_phone_screen(browser: Browser, base_url: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.goto(f"{base_url}/self-check")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    # One view at a time on a phone, drawn to scale: the first web space is a 24 px target.
    page.get_by_role("button", name="Foot tops").tap()
    web_space = page.locator('[data-view="dorsum"] [data-instance="first_web_space_left"]')
    box = web_space.bounding_box()
    assert box is not None and min(box["width"], box["height"]) >= 24
    web_space.tap()
    expect(page.locator('input[name="region"][value="first_web_space_left"]')).to_be_checked()
    screenshot(page, "5-phone")
    context.close()


def test_clinician_enters_an_examination_and_sees_the_differential(
    page: Page, base_url: str
) -> None:
    page.goto(f"{base_url}/clinic/new")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{base_url}/clinic/new")
    _mark(page, "first_web_space_left")
    page.get_by_label("numbness").check()
    sensory = page.locator('[data-field-prefix] [data-instance="first_web_space_left"]').first
    sensory.click()
    expect(page.locator('input[name="sensory_loss_first_web_space_left"]')).to_be_checked()
    expect(page.locator("#sensory-summary")).to_contain_text("Marked (1)")
    for name, value in {
        "strength_ankle_dorsiflexion_left": "4",
        "strength_great_toe_extension_left": "3",
        "strength_ankle_inversion_left": "4",
        "strength_hip_abduction_left": "4",
        "straight_leg_raise_left": "present",
        "reflex_achilles_left": "normal",
    }.items():
        page.locator(f'select[name="{name}"]').select_option(value)
    page.get_by_role("button", name="Assess now").click()
    expect(page.get_by_role("heading", name=re.compile("Differential"))).to_be_visible()
    first = page.locator("table.differential tbody tr").first
    expect(first).to_contain_text("L5 nerve root")
    expect(first).to_contain_text("left")
    expect(page.get_by_role("heading", name=re.compile("best separate"))).to_be_visible()
    screenshot(page, "6-clinician-result")
    page.goto(f"{base_url}/clinic")
    expect(page.locator("table.list tbody tr").first).to_contain_text("L5 nerve root")
