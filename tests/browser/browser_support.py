"""Shared by the browser tests: the clinician's password and screenshots to look at."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page

PASSWORD = "correct horse battery staple"


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot to look at when NERVEPATH_SCREENSHOTS names a folder."""
    folder = os.environ.get("NERVEPATH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


START = ("me", "40 to 50", "female", "2 to 12 weeks", "gradually")
"""The start's answers, by their labels: for me, 40 to 50, female, 2 to 12 weeks, gradually."""


def to_body_map(page: Page, base_url: str, answers: tuple[str, ...] = START) -> None:
    """Open the self-check and answer its start (one question a page): the body map is next."""
    page.goto(f"{base_url}/self-check")
    for label in answers:
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Next").click()
    page.wait_for_selector("#bodymap-form")
