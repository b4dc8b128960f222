"""The self-check result, the emergency screen and the PDF's first page, as a person meets
them in Chromium on a phone (390×844) and a desktop, each page also through axe-core."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import feel, screenshot, to_body_map
from playwright.sync_api import Browser, Page, expect
from test_accessibility import WCAG

from nervepath.assessment.service import assess
from nervepath.storage import SqlStore

SCREENS = {
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
    "desktop": {"viewport": {"width": 1280, "height": 900}},
}
# Heel pain on the first steps in the morning (NHS plantar fasciitis), with no back pain and
# no warning sign.
HEEL_STORY = {
    "setting": "self_check",
    "answers": {
        "pain_heel_left": "present",
        "pain_first_steps_morning_left": "present",
        "back_pain": "absent",
        "numbness_saddle": "absent",
    },
}
SENTENCE = "Each number is the chance that this part is involved; they can add up to more than 100%"


@pytest.fixture(params=list(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    context = browser.new_context(**SCREENS[request.param], bypass_csp=True, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


def _no_wcag_violations(page: Page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()


def _no_sideways_scroll(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0


def _heel_result(page: Page, base_url: str, store: SqlStore) -> None:
    stored = store.add_assessment(case=HEEL_STORY, result=assess(HEEL_STORY).to_dict())
    page.goto(f"{base_url}/r/{stored.id}")


def test_the_result_names_the_condition_in_words_with_the_numbers_on_request(
    screen: Page, base_url: str, served_store: SqlStore
) -> None:
    page = screen
    _heel_result(page, base_url, served_store)
    answer = page.locator("section.answer")
    expect(answer.get_by_role("heading", name="Most likely")).to_be_visible()
    expect(answer.locator(".condition")).to_have_text("Plantar fasciitis (left side)")
    expect(answer).to_contain_text("strain of the thick band under the sole")
    expect(answer.locator(".medical-name")).to_be_visible()
    # The reasons are what the person said yes to, and nothing they said no to.
    reasons = answer.locator("ul.why li")
    assert 1 <= reasons.count() <= 3
    expect(reasons.first).to_contain_text("You said yes")
    expect(answer).not_to_contain_text("You said no")
    # Ranked words, numbers only on request, with the sentence that explains them.
    words = page.locator("ul.ranked .likelihood").all_inner_texts()
    assert words and set(words) <= {"Possible:", "Less likely:"}
    numbers = page.locator("details.numbers")
    expect(numbers.get_by_text(SENTENCE)).to_be_hidden()
    expect(page.locator("main")).not_to_contain_text(re.compile(r"\d+%.*\d+%"), use_inner_text=True)
    numbers.locator("summary").click()
    expect(numbers.get_by_text(SENTENCE)).to_be_visible()
    expect(numbers).to_contain_text(re.compile(r"Plantar fasciitis — .*left side: \d+%"))
    expect(page.get_by_role("heading", name="What might be causing it")).to_be_visible()
    expect(page.get_by_role("heading", name="What to do next")).to_be_visible()
    net = page.locator("section.safety-net")
    expect(net.get_by_role("heading", name=re.compile("Get help straight away"))).to_be_visible()
    expect(net.locator("li")).to_have_count(6)
    expect(net.get_by_role("link", name="call 999")).to_have_attribute("href", "tel:999")
    _no_sideways_scroll(page)
    screenshot(page, f"result-heel-{page.viewport_size['width']}")  # type: ignore[index]
    _no_wcag_violations(page)


def _to_emergency(page: Page, base_url: str) -> None:
    to_body_map(page, base_url)
    page.locator('.bodymap [data-instance="saddle"] >> visible=true').first.click()
    feel(page, "numbness")


def test_the_emergency_screen_opens_on_its_heading_with_one_call_and_one_stop(
    screen: Page, base_url: str
) -> None:
    page = screen
    _to_emergency(page, base_url)
    heading = page.locator("#emergency-title")
    expect(heading).to_be_focused()
    assert page.evaluate("document.activeElement.tagName") == "H1"  # not an answer button
    assert page.evaluate("window.scrollY") == 0
    box, call_box = heading.bounding_box(), page.locator("a.call").bounding_box()
    height = page.viewport_size["height"]  # type: ignore[index]
    assert box is not None and 0 <= box["y"] < height / 3
    assert call_box is not None and call_box["y"] + call_box["height"] <= height  # no scrolling
    call = page.get_by_role("link", name="Call 999")
    expect(call).to_have_count(1)
    expect(call).to_have_attribute("href", "tel:999")
    # One way to stop, no answer radios; no citations in the red banner, only under "why".
    expect(page.get_by_role("button", name=re.compile("stop", re.I))).to_have_count(1)
    expect(page.locator('input[type="radio"]')).to_have_count(0)
    banner = page.get_by_role("alert")
    expect(banner.locator(".cite")).to_have_count(0)
    expect(banner).not_to_contain_text("GIRFT")
    why = page.locator("details.why")
    why.locator("summary").click()
    expect(why).to_contain_text("GIRFT")
    screenshot(page, f"emergency-{page.viewport_size['width']}")  # type: ignore[index]
    _no_wcag_violations(page)
    # Stopping shows a result that agrees with the banner: no calmer "most likely" below it.
    page.get_by_role("button", name=re.compile("stop", re.I)).click()
    expect(page).to_have_url(re.compile(r"/r/[\w-]{32,}$"))
    expect(page.locator(".banner.emergency h1")).to_contain_text("EMERGENCY")
    expect(page.locator(".banner.emergency").get_by_role("link", name="Call 999")).to_be_visible()
    expect(page.get_by_role("heading", name="What else was considered")).to_be_visible()
    expect(page.get_by_role("heading", name="Most likely")).to_have_count(0)
    expect(page.locator("ul.ranked")).not_to_contain_text("Most likely")
    _no_wcag_violations(page)


def test_the_pdf_page_one_has_the_urgency_the_answer_and_what_to_do(
    screen: Page, base_url: str, served_store: SqlStore, pdf_page_one: Callable[[bytes], str]
) -> None:
    page = screen
    _heel_result(page, base_url, served_store)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as PDF").click()
    text = pdf_page_one(Path(download.value.path()).read_bytes())
    assert "SELF-CARE" in text
    assert "Most likely" in text and "Plantar fasciitis (left side)" in text
    assert "Medical name: plantar fasciitis" in text
    assert "Look after it at home" in text  # what to do
    assert "Get help straight away" in text
