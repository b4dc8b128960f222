"""Shared by the browser tests (and scripts/screenshots): the Chromium they drive, the
clinician's password and screenshots to look at."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Page

PASSWORD = "correct horse battery staple"
CHROMIUM = os.environ.get("NERVEPATH_CHROMIUM", "/usr/bin/chromium")
# Chromium's own background traffic would hit this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def screenshot(page: Page, name: str) -> None:
    """Keep a screenshot to look at when NERVEPATH_SCREENSHOTS names a folder."""
    folder = os.environ.get("NERVEPATH_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app under Uvicorn on a free loopback port, in a thread; yields its base URL."""
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):  # startup loads the knowledge base; bounded wait, not a timing check
        if server.started:
            break
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


START = ("me", "40 to 50", "female", "2 to 12 weeks", "gradually")
"""The start's answers, by their labels: for me, 40 to 50, female, 2 to 12 weeks, gradually."""


def to_body_map(page: Page, base_url: str, answers: tuple[str, ...] = START) -> None:
    """Open the self-check and answer its start (one question a page): the body map is next."""
    page.goto(f"{base_url}/self-check")
    for label in answers:
        page.get_by_label(label, exact=True).check()
        page.get_by_role("button", name="Next").click()
    page.wait_for_selector("#bodymap-form")


def feel(page: Page, *feelings: str) -> None:
    """Leave the body map, then tick ``feelings`` on each place's "what do you feel" step."""
    page.get_by_role("button", name="Next").click()
    while page.locator("legend.question", has_text="What do you feel in").count():
        for feeling in feelings:
            page.get_by_label(feeling, exact=True).check()
        page.get_by_role("button", name="Next").click()
