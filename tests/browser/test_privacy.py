"""A self-check's privacy in Chromium, on a phone and a desktop: the result says who can see it
and until when; "Share with a clinician" gives a code; a clinician who enters it sees the
record, which no clinician saw before. Every page on the way passes axe-core."""

from __future__ import annotations

import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import PASSWORD, feel, screenshot, to_body_map
from playwright.sync_api import Browser, Page, expect

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def _page(browser: Browser, viewport: str) -> Page:
    context = browser.new_context(viewport=VIEWPORTS[viewport], bypass_csp=True)  # type: ignore[arg-type]
    page = context.new_page()
    page.set_default_timeout(60_000)
    return page


def _accessible_and_fits(page: Page) -> None:
    results = Axe().run(page, options=WCAG)
    assert results.violations_count == 0, results.generate_report()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow} px wider than the screen"


def _self_check(page: Page, base_url: str) -> str:
    to_body_map(page, base_url)
    # The list, not the drawing: on a phone the soles are behind a view button.
    page.get_by_text("Choose places from a list instead").click()
    page.locator('input[name="region"][value="heel_left"]').check()
    feel(page, "pain")
    page.get_by_role("button", name="Stop and see the result").click()
    page.wait_for_url("**/r/**")
    return page.url.rsplit("/", 1)[1]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_a_person_shares_a_self_check_and_a_clinician_opens_it(
    browser: Browser, base_url: str, viewport: str
) -> None:
    person = _page(browser, viewport)
    record = _self_check(person, base_url)
    privacy = person.locator("#privacy")
    expect(privacy).to_contain_text("Clinicians using nervepath cannot see it")
    expect(privacy).to_contain_text(re.compile(r"deleted on \d{1,2} \w+ \d{4} \(30 days after"))
    expect(person.get_by_role("button", name=re.compile("Keep it"))).to_be_visible()
    screenshot(person, f"privacy-result-{viewport}")

    clinician = _page(browser, viewport)
    clinician.goto(f"{base_url}/login")
    clinician.get_by_label("Username").fill("clinician")
    clinician.get_by_label("Password").fill(PASSWORD)
    clinician.get_by_role("button", name="Sign in").click()
    clinician.goto(f"{base_url}/clinic")
    expect(clinician.locator(f'a[href="/clinic/assessments/{record}"]')).to_have_count(0)
    clinician.goto(f"{base_url}/clinic/assessments/{record}")
    expect(clinician.get_by_role("heading", name="Not found")).to_be_visible()

    person.get_by_role("button", name="Share with a clinician").click()
    code = person.locator("#share-code")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{5}-[0-9A-Z]{5}$"))
    expect(person.get_by_text("works once")).to_be_visible()
    _accessible_and_fits(person)
    screenshot(person, f"privacy-share-code-{viewport}")

    clinician.goto(f"{base_url}/clinic")
    clinician.get_by_label("Share code from a patient").fill("WRONG-CODE0")
    clinician.get_by_role("button", name="Open shared self-check").click()
    expect(clinician.get_by_role("alert")).to_contain_text("no self-check can be opened")
    _accessible_and_fits(clinician)
    clinician.get_by_label("Share code from a patient").fill(code.inner_text().lower())
    clinician.get_by_role("button", name="Open shared self-check").click()
    expect(clinician).to_have_url(f"{base_url}/clinic/assessments/{record}")
    expect(clinician.get_by_role("heading", name=re.compile("Differential"))).to_be_visible()
    clinician.goto(f"{base_url}/clinic")
    expect(clinician.locator(f'a[href="/clinic/assessments/{record}"]')).to_have_count(1)

    person.goto(f"{base_url}/r/{record}")
    expect(person.locator("#privacy")).to_contain_text("You shared it with a clinic")
    expect(person.get_by_role("button", name="Share with a clinician")).to_have_count(0)
    _accessible_and_fits(person)
    person.context.close()
    clinician.context.close()
