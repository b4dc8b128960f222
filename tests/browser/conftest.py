"""A real server (Uvicorn on a free loopback port) and real headless Chromium (Playwright)."""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from browser_support import PASSWORD
from playwright.sync_api import Browser, Page, sync_playwright

from nervepath.knowledge.model import load_knowledge_base
from nervepath.storage import SqlStore, open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

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


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, SqlStore]]:
    """The server's address and its store (tests that need a stored result put it there)."""
    folder = tmp_path_factory.mktemp("served")
    store = open_store(f"sqlite:///{folder / 'nervepath.db'}")
    store.create_user("clinician", PASSWORD)
    app = create_app(Settings(data_dir=folder), kb=load_knowledge_base(), store=store)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(600):  # startup loads the knowledge base; bounded wait, not a timing check
        if server.started:
            break
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", store
    server.should_exit = True
    thread.join(10)
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
