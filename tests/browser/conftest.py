"""A real server (Uvicorn on a free loopback port) and real headless Chromium (Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, PASSWORD, serving
from playwright.sync_api import Browser, Page, sync_playwright

from nervepath.knowledge.model import load_knowledge_base
from nervepath.storage import SqlStore, open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SqlStore]]:
    """The server's address and its store (tests that need a stored result put it there)."""
    folder = tmp_path_factory.mktemp("served")
    store = open_store(f"sqlite:///{folder / 'nervepath.db'}")
    store.create_user("clinician", PASSWORD)
    app = create_app(Settings(data_dir=folder), kb=load_knowledge_base(), store=store)
    with serving(app) as url:
        yield url, store
    store.close()


@pytest.fixture(scope="session")
def base_url(served: tuple[str, SqlStore]) -> str:
    return served[0]


@pytest.fixture(scope="session")
def served_store(served: tuple[str, SqlStore]) -> SqlStore:
    return served[1]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        if os.environ.get("CI"):
            pytest.fail(f"Chromium not found at {CHROMIUM}: .ci/run must install it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    p = context.new_page()
    p.set_default_timeout(60_000)  # a generous bound on a loaded 2-core machine
    yield p
    context.close()
