"""The site around the pages: /docs served from installed files under the common CSP, the
favicon, HEAD wherever GET is answered, and the line ``serve`` announces itself with."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from nervepath.web.routes.site import SWAGGER_UI
from nervepath.web.security import CSP
from nervepath.web.server import ready_line
from nervepath.web.settings import Settings


def test_docs_page_loads_swagger_ui_5_from_this_server(client: TestClient) -> None:
    docs = client.get("/docs")
    assert docs.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", docs.text, re.DOTALL)
    assert [attrs.strip() for attrs, _ in scripts] == [
        'src="/static/swagger/swagger-ui-bundle.js"',
        'src="/static/api-docs.js"',
    ]
    assert all(not body.strip() for _, body in scripts)  # nothing inline: no CSP exception
    assert docs.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP
    for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css"):
        assert client.get(asset).status_code == 200
    # Swagger UI reads OpenAPI 3.1 from version 5 on; 4.x shows "Unable to render".
    bundle = (SWAGGER_UI / "swagger-ui-bundle.js").read_text(encoding="utf-8")
    version = re.search(r'PACKAGE_VERSION:"(\d+)\.', bundle)
    assert version and int(version.group(1)) >= 5


def test_openapi_declares_the_bearer_scheme(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert spec["components"]["securitySchemes"]["token"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["token"]["description"],
    }
    assert {"token": []} in spec["paths"]["/api/assessments"]["post"]["security"]


def test_favicon_is_an_svg_every_page_links(client: TestClient) -> None:
    icon = client.get("/static/favicon.svg")
    assert icon.status_code == 200
    assert icon.headers["content-type"] == "image/svg+xml"
    assert icon.text.startswith("<svg") and len(icon.content) < 2000
    for page in ("/", "/self-check", "/login", "/docs"):
        assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in (
            client.get(page).text
        ), page
    old = client.get("/favicon.ico", follow_redirects=False)
    assert old.status_code == 308 and old.headers["location"] == "/static/favicon.svg"


@pytest.mark.parametrize("path", ["/", "/self-check", "/login", "/docs", "/api/catalogue/sites"])
def test_head_is_answered_like_get_without_a_body(client: TestClient, path: str) -> None:
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]
    assert head.headers["content-security-policy"] == CSP


def test_head_where_there_is_no_get(client: TestClient) -> None:
    assert client.head("/api/interview").status_code == 405  # a POST-only route
    assert client.head("/no-such-page").status_code == 404


def test_ready_line_says_where_it_listens_and_where_the_data_are(tmp_path: Path) -> None:
    url = "http://127.0.0.1:8000/"
    line = ready_line(url, Settings(data_dir=tmp_path))
    assert line == (
        f"nervepath is listening on {url} (API docs at {url}docs); "
        f"data: {tmp_path / 'nervepath.db'}"
    )
    postgres = Settings(data_dir=tmp_path, database_url="postgresql+psycopg://np:s3cret@db/np")
    assert ready_line(url, postgres).endswith("data: postgresql+psycopg://np:***@db/np")
