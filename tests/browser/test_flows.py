"""People's flows in a real browser: the self-check by clicking the body map, the emergency
banner, the keyboard alone, a phone screen, and the clinician's examination."""

from __future__ import annotations

import json
import re

import pytest
from browser_support import PASSWORD, screenshot, to_body_map
from playwright.sync_api import Browser, Page, expect


def _mark(page: Page, instance: str) -> None:
    page.locator(f'.bodymap [data-instance="{instance}"]').first.click()


def test_self_check_by_clicking_the_body_map(page: Page, base_url: str) -> None:
    to_body_map(page, base_url)
    _mark(page, "first_web_space_left")
    _mark(page, "lateral_leg_left")
    box = page.locator('input[name="region"][value="first_web_space_left"]')
    expect(box).to_be_checked()
    expect(page.locator('.bodymap [data-instance="lateral_leg_left"]').first).to_have_attribute(
        "aria-checked", "true"
    )
    expect(page.locator("#marked-summary")).to_contain_text("Marked (2)")
    screenshot(page, "1-self-check-body-map")
    page.get_by_role("button", name="Next").click()
    # What is felt, one marked place at a time.
    for _ in range(2):
        expect(page.locator("legend.question")).to_contain_text("What do you feel in")
        # A feeling with no word for it can be said too.
        expect(page.get_by_label("feels different from normal", exact=False)).to_be_visible()
        page.get_by_label("numbness").check()
        page.get_by_role("button", name="Next").click()
    # Every warning sign on one screen; none of them. Then the risk factors; none either.
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()
    expect(page.locator("legend.question")).to_contain_text("Do any of these apply to you?")
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()
    # Then the rare signs a person notices (a lump, a thinner calf): none.
    expect(page.locator("legend.question")).to_contain_text("Have you noticed any of these?")
    expect(page.locator(".progress")).to_contain_text("What you have noticed")
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()
    for _ in range(2):
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
    to_body_map(page, base_url)
    for place in ("saddle", "medial_sole_left", "medial_sole_right"):
        _mark(page, place)
    page.get_by_role("button", name="Next").click()
    while page.locator("legend.question", has_text="What do you feel in").count():
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
    to_body_map(page, base_url)
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
    to_body_map(page, base_url)
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


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_the_start_asks_who_age_sex_and_how_long(
    browser: Browser, base_url: str, phone: bool
) -> None:
    page = _new_page(browser, phone)
    page.goto(f"{base_url}/self-check")
    asked = []
    for label in ("someone else (I am answering for them)", "71 or over", "male",
                  "more than 3 months", "suddenly, at a moment I can name"):  # fmt: skip
        legend = page.locator("legend.question")
        expect(legend).to_be_visible()
        asked.append(legend.inner_text())
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Next").click()
    assert asked == [
        "Who is this self-check for?",
        "How old are they?",  # answering for someone else
        "What is their sex?",
        "How long have they had these symptoms? From here on, answer each question for them.",
        "How did it start?",
    ]
    expect(page.locator("#bodymap-form")).to_be_visible()  # then the body map
    state = json.loads(page.locator('#bodymap-form input[name="state"]').input_value())
    assert state["start"]["for_whom"] == "someone_else"  # recorded, and sent back
    assert state["answers"]["age_over_70"] == "present"
    assert state["answers"]["symptoms_over_3_months"] == "present"
    page.get_by_role("button", name="Back").click()
    expect(page.locator("legend.question")).to_have_text("How did it start?")
    page.context.close()


@pytest.mark.parametrize("phone", [False, True], ids=["desktop", "phone"])
def test_what_is_felt_is_asked_for_each_place_and_sides_are_named(
    browser: Browser, base_url: str, phone: bool
) -> None:
    page = _new_page(browser, phone)
    to_body_map(page, base_url)
    page.get_by_text("Choose places from a list instead").click()
    for place in ("heel_left", "calf_left"):
        page.locator(f'input[name="region"][value="{place}"]').check()
    page.get_by_role("button", name="Next").click()
    legend = page.locator("legend.question")
    expect(legend).to_have_text(
        "What do you feel in the bottom of your left heel? Choose all that apply."
    )
    page.get_by_label("pain", exact=True).check()
    page.get_by_role("button", name="Next").click()
    expect(legend).to_contain_text("What do you feel in the back of your left lower leg")
    page.get_by_label("numbness").check()
    page.get_by_role("button", name="Next").click()
    # The warning signs on one screen, in plain words, each leg named; "none of these" last.
    expect(legend).to_contain_text("Have you had any of these since this started?")
    boxes = page.locator('input[type="checkbox"][name="value"]')
    assert boxes.count() >= 15
    expect(
        page.get_by_label("When you walk, does your left foot slap down", exact=False)
    ).to_be_visible()
    expect(page.get_by_text("your right foot")).to_have_count(0)
    screenshot(page, f"7-warning-signs-{'phone' if phone else 'desktop'}")
    # "None of these" goes alone: with another sign ticked the page says so and asks again.
    page.get_by_label("none of these").check()
    page.get_by_label("Have you ever been treated for cancer?").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_role("alert")).to_contain_text("none of these")
    expect(legend).to_contain_text("Have you had any of these")
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()
    # The risk factors on one checklist: none of them.
    expect(legend).to_contain_text("Do any of these apply to you?")
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()
    # And the rare signs a person notices: none.
    expect(legend).to_contain_text("Have you noticed any of these?")
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()
    # Then the questions about the complaint: the first about one leg names it.
    expect(page.locator(".progress")).to_contain_text("Question 4")
    for _ in range(10):
        text = legend.inner_text().lower()
        if "left" in text or "right" in text:
            break
        page.get_by_label("no", exact=True).check()
        page.get_by_role("button", name="Next").click()
    assert re.search(r"\byour left\b", legend.inner_text(), re.IGNORECASE)
    page.context.close()


def _new_page(browser: Browser, phone: bool) -> Page:
    if phone:
        context = browser.new_context(
            viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
        )
    else:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
    return context.new_page()


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
