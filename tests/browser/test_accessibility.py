"""Every page through axe-core (the engine behind most accessibility audits), in Chromium:
no WCAG 2 A/AA violation — labels, names, contrast, landmarks, ARIA used correctly."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from axe_playwright_python.sync_playwright import Axe
from browser_support import PASSWORD, to_body_map
from playwright.sync_api import Browser, Page

WCAG = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def _feelings(page: Page, base_url: str) -> None:
    to_body_map(page, base_url)
    page.locator('.bodymap [data-instance="heel_left"]').first.click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("pain", exact=True).wait_for()


def _warning_signs(page: Page, base_url: str) -> None:
    _feelings(page, base_url)
    page.get_by_label("pain", exact=True).check()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("none of these").wait_for()


def _question(page: Page, base_url: str) -> None:
    _warning_signs(page, base_url)
    page.get_by_label("none of these").check()
    page.get_by_role("button", name="Next").click()


def _emergency(page: Page, base_url: str) -> None:
    to_body_map(page, base_url)
    page.locator('.bodymap [data-instance="saddle"]').first.click()
    page.get_by_role("button", name="Next").click()
    page.get_by_label("numbness").check()
    page.get_by_role("button", name="Next").click()


def _result(page: Page, base_url: str) -> None:
    _question(page, base_url)
    page.get_by_role("button", name="Stop and see the result").click()
    page.wait_for_url("**/r/**")


def _signed_in(path: str) -> Callable[[Page, str], None]:
    def visit(page: Page, base_url: str) -> None:
        page.goto(f"{base_url}/login")
        page.get_by_label("Username").fill("clinician")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto(f"{base_url}{path}")

    return visit


def _clinician_result(page: Page, base_url: str) -> None:
    _signed_in("/clinic/new")(page, base_url)
    page.locator('select[name="strength_ankle_dorsiflexion_left"]').select_option("4")
    page.get_by_role("button", name="Assess now").click()
    page.wait_for_url("**/clinic/assessments/**")


PAGES: dict[str, Callable[[Page, str], None]] = {
    "start": lambda page, base: page.goto(f"{base}/") and None,
    "about you": lambda page, base: page.goto(f"{base}/self-check") and None,
    "body map": to_body_map,
    "what is felt": _feelings,
    "warning signs": _warning_signs,
    "question": _question,
    "emergency": _emergency,
    "self-check result": _result,
    "sign-in": lambda page, base: page.goto(f"{base}/login") and None,
    "assessments": _signed_in("/clinic"),
    "examination form": _signed_in("/clinic/new"),
    "clinician result": _clinician_result,
}


@pytest.mark.parametrize("name", list(PAGES))
def test_no_wcag_violations(browser: Browser, base_url: str, name: str) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    PAGES[name](page, base_url)
    # The last click's page loaded in full: axe on a document still being replaced finds no
    # documentElement (seen on a loaded machine, the warning-sign screen).
    page.wait_for_load_state()
    results = Axe().run(page, options=WCAG)
    context.close()
    assert results.violations_count == 0, results.generate_report()
