"""A real app over a real SQLite store in a temporary folder, with one clinician and a token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base
from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="session")
def kb() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="session")
def web(tmp_path_factory: pytest.TempPathFactory, kb: KnowledgeBase) -> Iterator[dict[str, Any]]:
    folder: Path = tmp_path_factory.mktemp("web")
    store = open_store(f"sqlite:///{folder / 'nervepath.db'}")
    store.create_user("clinician", PASSWORD)
    _, token = store.create_token("clinician", label="tests")
    app = create_app(Settings(data_dir=folder), kb=kb, store=store)
    yield {"app": app, "store": store, "token": token, "folder": folder}
    store.close()


@pytest.fixture()
def app(web: dict[str, Any]) -> FastAPI:
    return web["app"]  # type: ignore[no-any-return]


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.fixture()
def auth(web: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {web['token']}"}


@pytest.fixture()
def signed_in(client: TestClient) -> TestClient:
    """The client with a clinician's session."""
    from web_support import csrf_of

    page = client.get("/login")
    response = client.post(
        "/login",
        data={
            "username": "clinician",
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "next": "/clinic",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    return client


@pytest.fixture()
def auth_token_case(client: TestClient, auth: dict[str, str]) -> str:
    """The id of a stored assessment of the example L5 case."""
    import json

    case = json.loads(Path("examples/l5_radiculopathy.json").read_text())
    response = client.post("/api/assessments", json=case, headers=auth)
    return str(response.json()["id"])
