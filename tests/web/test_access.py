"""Who may see what, against a real app: sessions that end, clinics kept apart, self-checks
only at their link, an audit trail, bounded input, and an authorisation matrix over every
route and every kind of credential that must not reach a record."""

from __future__ import annotations

import asyncio
import json
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from starlette.routing import Route
from web_support import csrf_of

from nervepath.knowledge.model import KnowledgeBase
from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.errors import leaf_routes
from nervepath.web.settings import Settings

PASSWORD = "correct horse battery staple"
CASE: dict[str, Any] = json.loads(Path("examples/l5_radiculopathy.json").read_text())


@pytest.fixture()
def world(tmp_path: Path, kb: KnowledgeBase) -> Iterator[dict[str, Any]]:
    """Two clinics: alice (north, admin) and bob (south); a north record and a self-check."""
    store = open_store(f"sqlite:///{tmp_path / 'data' / 'nervepath.db'}")
    store.create_user("alice", PASSWORD, clinic="north", role="admin")
    store.create_user("carol", PASSWORD, clinic="north")
    store.create_user("bob", PASSWORD, clinic="south")
    _, alice_token = store.create_token("alice", label="tests")
    _, bob_token = store.create_token("bob", label="tests")
    revoked, revoked_token = store.create_token("alice", label="old")
    store.revoke_token(revoked.id)
    app = create_app(Settings(data_dir=tmp_path / "data"), kb=kb, store=store)
    with TestClient(app, raise_server_exceptions=False) as client:
        record = client.post(
            "/api/assessments", json=CASE, headers={"Authorization": f"Bearer {alice_token}"}
        ).json()["id"]
        patient = store.add_assessment(
            case={**CASE, "setting": "self_check", "answers": {"back_pain": "present"}},
            result={
                **store.get_assessment(record).result,
                "setting": "self_check",
            },
        ).id
    yield {
        "app": app,
        "store": store,
        "record": record,
        "patient": patient,
        "tokens": {"alice": alice_token, "bob": bob_token, "revoked": revoked_token},
        "data": tmp_path / "data",
    }
    store.close()


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _sign_in(client: TestClient, username: str) -> None:
    page = client.get("/login")
    response = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ── sessions ───────────────────────────────────────────────────────────────────────────────


def test_signing_out_ends_the_session_for_every_copy_of_its_cookie(world: dict[str, Any]) -> None:
    browser = _client(world["app"])
    _sign_in(browser, "alice")
    saved = dict(browser.cookies)
    assert browser.get("/clinic", follow_redirects=False).status_code == 200
    page = browser.get("/clinic")
    browser.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    thief = _client(world["app"])
    thief.cookies.update(saved)
    assert thief.get("/clinic", follow_redirects=False).status_code == 303
    assert thief.get(f"/api/assessments/{world['record']}").status_code == 401
    assert thief.post("/api/assessments", json=CASE).status_code == 401


def test_a_password_change_or_deactivation_ends_sessions(world: dict[str, Any]) -> None:
    browser = _client(world["app"])
    _sign_in(browser, "carol")
    assert browser.get("/api/assessments").status_code == 200
    world["store"].set_password("carol", "a brand new long password")
    assert browser.get("/api/assessments").status_code == 401
    _sign_in(browser, "bob")
    world["store"].deactivate_user("bob")
    assert browser.get("/clinic", follow_redirects=False).status_code == 303


# ── records kept apart ─────────────────────────────────────────────────────────────────────


def test_another_clinic_neither_sees_nor_deletes_a_record(world: dict[str, Any]) -> None:
    client, record = _client(world["app"]), world["record"]
    bob = _bearer(world["tokens"]["bob"])
    assert client.get(f"/api/assessments/{record}", headers=bob).status_code == 404
    assert client.delete(f"/api/assessments/{record}", headers=bob).status_code == 404
    assert client.get(f"/api/assessments/{record}/fhir", headers=bob).status_code == 404
    assert client.get("/api/assessments", headers=bob).json()["total"] == 0
    alice = _bearer(world["tokens"]["alice"])
    listed = client.get("/api/assessments", headers=alice).json()
    assert [item["id"] for item in listed["items"]] == [record]  # not the self-check
    browser = _client(world["app"])
    _sign_in(browser, "bob")
    assert browser.get(f"/clinic/assessments/{record}").status_code == 404
    assert record not in browser.get("/clinic").text


def test_a_self_check_is_only_at_its_link(world: dict[str, Any]) -> None:
    client, patient = _client(world["app"]), world["patient"]
    assert client.get(f"/r/{patient}").status_code == 200  # the link alone suffices
    alice = _bearer(world["tokens"]["alice"])
    assert client.get(f"/api/assessments/{patient}", headers=alice).status_code == 404
    browser = _client(world["app"])
    _sign_in(browser, "alice")
    assert browser.get(f"/clinic/assessments/{patient}").status_code == 404
    assert browser.get(f"/r/{world['record']}").status_code == 404  # and records not there


def test_every_access_to_a_record_is_audited_and_a_deletion_leaves_a_tombstone(
    world: dict[str, Any],
) -> None:
    client, record, store = _client(world["app"]), world["record"], world["store"]
    alice = _bearer(world["tokens"]["alice"])
    client.get(f"/api/assessments/{record}", headers=alice)
    client.get(f"/api/assessments/{record}/fhir", headers=alice)
    assert client.delete(f"/api/assessments/{record}", headers=alice).status_code == 204
    actions = [(e.actor, e.action) for e in store.list_events(clinic="north") if e.assessment_id]
    assert actions == [
        ("alice", "delete"),
        ("alice", "export"),
        ("alice", "read"),
        ("alice", "create"),
    ]
    browser = _client(world["app"])
    _sign_in(browser, "alice")
    page = browser.get("/clinic/audit")
    assert page.status_code == 200 and "delete" in page.text and record[:8] in page.text
    _sign_in(browser, "carol")  # a clinician, not an admin
    assert browser.get("/clinic/audit").status_code == 404


def test_a_creation_line_says_who_made_the_record_and_how(
    world: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    browser, store = _client(world["app"]), world["store"]
    _sign_in(browser, "carol")
    assessor = world["app"].state.assessor
    on_loop: list[bool] = []

    def assess(case: Any) -> Any:
        # The form's assessment runs in the thread pool: no event loop runs on its thread.
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:
            on_loop.append(False)
        return type(assessor).assess(assessor, case)

    monkeypatch.setattr(assessor, "assess", assess)
    page = browser.get("/clinic/new")
    made = browser.post(
        "/clinic/new",
        data={"csrf_token": csrf_of(page.text), "back_pain": "present", "action": "assess"},
        follow_redirects=False,
    )
    assert made.status_code == 303 and on_loop == [False]
    record = made.headers["location"].rsplit("/", 1)[1]
    lines = [
        (e.actor, e.assessment_id, e.clinic, e.detail)
        for e in reversed(store.list_events())
        if e.action == "create"
    ]
    assert lines == [
        ("alice", world["record"], "north", "api POST"),
        ("carol", record, "north", "page POST"),
    ]


# ── bounded input, one error shape ─────────────────────────────────────────────────────────


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("offset=9223372036854775808", "offset"),
        ("offset=-1", "offset"),
        ("until=0.5", "until"),
        ("since=1733000000", "since"),
        ("since=2026-12-01T08:00", "since"),  # no zone: a guess
        ("limit=100000", "limit"),
    ],
)
def test_bad_list_queries_are_422_naming_the_field(
    world: dict[str, Any], query: str, field: str
) -> None:
    response = _client(world["app"]).get(
        f"/api/assessments?{query}", headers=_bearer(world["tokens"]["alice"])
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error["fields"][0]["field"].endswith(field)


def test_plain_dates_and_zoned_times_are_accepted(world: dict[str, Any]) -> None:
    client, alice = _client(world["app"]), _bearer(world["tokens"]["alice"])
    for params in (
        {"since": "2026-12-01"},
        {"until": "2999-01-01T00:00:00Z"},
        {"since": "2000-01-01T00:00+01:00"},
    ):
        response = client.get("/api/assessments", params=params, headers=alice)
        assert response.status_code == 200, params


def test_a_405_lists_every_method_of_the_path(world: dict[str, Any]) -> None:
    response = _client(world["app"]).put(f"/api/assessments/{world['record']}")
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["allow"].split(",")} >= {"GET", "DELETE"}
    assert response.json()["error"]["code"] == "method_not_allowed"


def test_the_data_folder_and_database_are_private(world: dict[str, Any]) -> None:
    data: Path = world["data"]
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("nervepath.db", "nervepath.db-wal", "nervepath.db-shm", "secret_key"):
        assert stat.S_IMODE((data / name).stat().st_mode) == 0o600, name


# ── the authorisation matrix ───────────────────────────────────────────────────────────────


def _credentials(world: dict[str, Any]) -> dict[str, tuple[dict[str, str], dict[str, str]]]:
    """Each credential that must not reach alice's record: (headers, cookies)."""
    app = world["app"]
    signed_out = _client(app)
    _sign_in(signed_out, "alice")
    stale = dict(signed_out.cookies)
    page = signed_out.get("/clinic")
    signed_out.post("/logout", data={"csrf_token": csrf_of(page.text)})
    other = _client(app)
    _sign_in(other, "bob")
    return {
        "none": ({}, {}),
        "wrong token": (_bearer("np_" + "x" * 43), {}),
        "revoked token": (_bearer(world["tokens"]["revoked"]), {}),
        "signed-out session": ({}, stale),
        "other clinic token": (_bearer(world["tokens"]["bob"]), {}),
        "other clinic session": ({}, dict(other.cookies)),
    }


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    out = []
    for route in leaf_routes(app.routes):
        if not isinstance(route, APIRoute | Route) or route.path.startswith("/static"):
            continue
        for method in sorted(route.methods or ()):
            if method != "HEAD":
                out.append((method, route.path))
    return out


def test_no_credential_but_the_clinics_own_reaches_a_record(world: dict[str, Any]) -> None:
    app, store = world["app"], world["store"]
    record, patient = world["record"], world["patient"]
    routes = _routes(app)
    assert len(routes) >= 20
    tried = 0
    for label, (headers, cookies) in _credentials(world).items():
        client = _client(app)
        client.cookies.update(cookies)
        for method, path in routes:
            url = path.replace("{assessment_id}", record)
            response = client.request(method, url, headers=headers, follow_redirects=False)
            tried += 1
            assert response.status_code < 500, (label, method, path)
            body = response.text
            if "{assessment_id}" in path:
                assert response.status_code in (303, 401, 403, 404, 405, 422), (label, method, path)
            assert record not in body, (label, method, path)
            if path == "/api/assessments" and response.status_code == 200:
                assert all(item["id"] != record for item in response.json()["items"])
        # The patient's own link is not a key to the clinic's record.
        assert client.get(f"/r/{record}").status_code == 404
        assert client.get(f"/r/{patient}").status_code == 200
    assert tried >= 6 * 20
    assert store.get_assessment(record).id == record  # nothing deleted it
