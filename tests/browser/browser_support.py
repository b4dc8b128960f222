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
