"""A self-check's privacy, through the real app: no clinician door shows it until its person
shares it by a code; the code attaches it to one clinic, once; it expires unless kept; and the
result page says exactly that."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from web_support import csrf_of, hidden

from nervepath.knowledge.model import KnowledgeBase
from nervepath.storage import SqlStore, open_store
from nervepath.storage.sharing import MAX_WRONG_SHARE_CODES
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

PASSWORD = "correct horse battery staple"
CASE: dict[str, Any] = json.loads(Path("examples/l5_radiculopathy.json").read_text())
CODE = re.compile(r'id="share-code"[^>]*>([0-9A-Z]{5}-[0-9A-Z]{5})<')


@pytest.fixture()
def world(tmp_path: Path, kb: KnowledgeBase) -> Iterator[dict[str, Any]]:
    """alice (north) and bob (south), each with a token, and one unshared self-check."""
    store = open_store(f"sqlite:///{tmp_path / 'nervepath.db'}")
    store.create_user("alice", PASSWORD, clinic="north")
    store.create_user("bob", PASSWORD, clinic="south")
    tokens = {name: store.create_token(name, label="tests")[1] for name in ("alice", "bob")}
    app = create_app(Settings(data_dir=tmp_path, self_check_days=3), kb=kb, store=store)
    yield {"app": app, "store": store, "tokens": tokens, "patient": _self_check(app, store)}
    store.close()


def _self_check(app: FastAPI, store: SqlStore, **expiry: Any) -> str:
    with TestClient(app) as client:
        result = client.post(
            "/api/assessments",
            json=CASE,
            headers=_bearer(store.create_token("alice", label="x")[1]),
        ).json()["assessment"]
    return store.add_assessment(
        case={**CASE, "setting": "self_check"},
        result={**result, "setting": "self_check"},
        expires_at=datetime.now(UTC) + timedelta(**(expiry or {"days": 3})),
    ).id


def _client(app: FastAPI) -> TestClient:
    return TestClient(app, raise_server_exceptions=False)


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _signed_in(app: FastAPI, username: str) -> TestClient:
    client = _client(app)
    page = client.get("/login")
    client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    return client


def _share(app: FastAPI, patient: str) -> str:
    """What the person does: open the result, press "Share with a clinician", read the code."""
    person = _client(app)
    page = person.get(f"/r/{patient}")
    shared = person.post(f"/r/{patient}/share", data={"csrf_token": csrf_of(page.text)})
    assert shared.status_code == 200
    match = CODE.search(shared.text)
    assert match, shared.text
    return match[1]


def _post_code(client: TestClient, code: str) -> Any:
    page = client.get("/clinic/shared")
    return client.post(
        "/clinic/shared",
        data={"code": code, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )


def test_no_clinician_door_shows_an_unshared_self_check(world: dict[str, Any]) -> None:
    app, patient = world["app"], world["patient"]
    alice = _bearer(world["tokens"]["alice"])
    api = _client(app)
    assert patient not in api.get("/api/assessments", headers=alice).text
    for path in (f"/api/assessments/{patient}", f"/api/assessments/{patient}/fhir"):
        assert api.get(path, headers=alice).status_code == 404
    browser = _signed_in(app, "alice")
    assert patient not in browser.get("/clinic").text
    assert browser.get(f"/clinic/assessments/{patient}").status_code == 404
    assert browser.get(f"/clinic/assessments/{patient}/report").status_code == 404
    page = _client(app).get(f"/r/{patient}").text
    assert "Clinicians using nervepath cannot see it" in page
    assert "private address" not in page
    expiry = world["store"].get_assessment(patient).expires_at
    assert f"deleted on {expiry:%-d %B %Y}" in page and "(3 days after you made it)" in page


def test_a_share_code_attaches_the_self_check_to_the_clinic_that_enters_it(
    world: dict[str, Any],
) -> None:
    app, patient, store = world["app"], world["patient"], world["store"]
    code = _share(app, patient)
    alice = _signed_in(app, "alice")
    opened = _post_code(alice, code.lower())
    assert opened.status_code == 303
    assert opened.headers["location"] == f"/clinic/assessments/{patient}"
    assert alice.get(opened.headers["location"]).status_code == 200
    assert f"/clinic/assessments/{patient}" in alice.get("/clinic").text
    api = _client(app)
    assert api.get(
        f"/api/assessments/{patient}", headers=_bearer(world["tokens"]["alice"])
    ).is_success
    assert (
        api.get(f"/api/assessments/{patient}", headers=_bearer(world["tokens"]["bob"])).status_code
        == 404
    )
    # Single use: the same code again, by anyone, opens nothing.
    assert _post_code(_signed_in(app, "bob"), code).status_code == 404
    page = _client(app).get(f"/r/{patient}").text  # the person still has their link
    assert "You shared it with a clinic" in page and "north" in page
    assert store.get_assessment(patient).expires_at is None  # shared counts as saved
    lines = {(e.actor, e.action, e.assessment_id) for e in store.list_events()}
    assert {("patient-link", "export", patient), ("alice", "create", patient)} <= lines


def test_the_api_redeems_a_code_and_refuses_others_alike(world: dict[str, Any]) -> None:
    app, patient = world["app"], world["patient"]
    code = _share(app, patient)
    api = _client(app)
    bob = _bearer(world["tokens"]["bob"])
    redeem = "/api/share-codes/redeem"
    assert api.post(redeem, json={}, headers=bob).json()["error"]["fields"][0]["field"] == "code"
    assert api.post(redeem, json={"code": code}).status_code == 401
    shared = api.post(redeem, json={"code": code.replace("-", " ")}, headers=bob)
    assert shared.status_code == 200
    assert shared.json()["id"] == patient and shared.json()["url"].endswith(
        f"/clinic/assessments/{patient}"
    )
    used = api.post(redeem, json={"code": code}, headers=bob)
    never = api.post(redeem, json={"code": "ZZZZZ-ZZZZZ"}, headers=bob)
    assert used.status_code == never.status_code == 404
    assert used.json() == never.json()  # nothing tells whether a record exists
    assert never.json()["error"]["code"] == "share_code_not_found"


def test_ten_wrong_codes_an_hour_and_then_none(world: dict[str, Any]) -> None:
    app, patient = world["app"], world["patient"]
    code = _share(app, patient)
    api, alice = _client(app), _bearer(world["tokens"]["alice"])
    for _ in range(MAX_WRONG_SHARE_CODES):
        wrong = api.post("/api/share-codes/redeem", json={"code": "00000-00000"}, headers=alice)
        assert wrong.status_code == 404
    limited = api.post("/api/share-codes/redeem", json={"code": code}, headers=alice)
    assert limited.status_code == 429 and limited.headers["retry-after"] == "3600"
    page = _post_code(_signed_in(app, "alice"), code)
    assert page.status_code == 429 and "too many wrong share codes" in page.text


def test_a_share_link_fills_in_the_code_through_sign_in(world: dict[str, Any]) -> None:
    app = world["app"]
    client = _client(app)
    response = client.get("/clinic/shared?code=K7M2Q-9XH4T", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/login?next=%2Fclinic%2Fshared%3Fcode%3DK7M2Q-9XH4T"
    login = client.get(response.headers["location"])
    assert hidden(login.text, "next") == "/clinic/shared?code=K7M2Q-9XH4T"
    alice = _signed_in(app, "alice")
    assert 'value="K7M2Q-9XH4T"' in alice.get("/clinic/shared?code=K7M2Q-9XH4T").text


def test_the_person_can_keep_it_or_delete_it_and_forms_need_their_token(
    world: dict[str, Any],
) -> None:
    app, patient, store = world["app"], world["patient"], world["store"]
    person = _client(app)
    for action in ("share", "keep", "delete"):
        assert person.post(f"/r/{patient}/{action}", data={}).status_code == 403
    page = person.get(f"/r/{patient}")
    kept = person.post(f"/r/{patient}/keep", data={"csrf_token": csrf_of(page.text)})
    assert "You chose to keep it" in kept.text
    assert store.get_assessment(patient).expires_at is None
    gone = person.post(f"/r/{patient}/delete", data={"csrf_token": csrf_of(kept.text)})
    assert gone.status_code == 200 and "Your result is deleted" in gone.text
    assert person.get(f"/r/{patient}").status_code == 404
    assert ("patient-link", "delete", patient) in {
        (e.actor, e.action, e.assessment_id) for e in store.list_events()
    }


def test_an_expired_link_answers_like_a_missing_one_and_start_up_purges_it(
    world: dict[str, Any],
) -> None:
    app, store = world["app"], world["store"]
    lapsed = _self_check(app, store, seconds=-1)
    client = _client(app)
    expired, missing = client.get(f"/r/{lapsed}"), client.get(f"/r/{'x' * len(lapsed)}")
    assert expired.status_code == missing.status_code == 404
    assert expired.text == missing.text
    with TestClient(app):  # start-up: the purge runs in the background
        for _ in range(100):  # bounded wait for the background thread, not a timing check
            if any(e.assessment_id == lapsed for e in store.list_events()):
                break
            time.sleep(0.05)
    (line,) = [e for e in store.list_events() if e.assessment_id == lapsed]
    assert (line.actor, line.action) == ("expiry", "delete")
    assert store.get_assessment(world["patient"]).id == world["patient"]  # not yet expired


def test_a_self_check_made_on_the_pages_expires_after_the_setting(world: dict[str, Any]) -> None:
    app, store = world["app"], world["store"]
    client = _client(app)
    page = client.get("/self-check")
    first = client.post(
        "/self-check",
        data={"csrf_token": csrf_of(page.text), "region": ["heel_left"], "quality": ["pain"]},
    )
    done = client.post(
        "/interview/step",
        data={
            "csrf_token": csrf_of(first.text),
            "setting": hidden(first.text, "setting"),
            "state": hidden(first.text, "state"),
            "history": hidden(first.text, "history"),
            "action": "quit",
        },
        follow_redirects=False,
    )
    stored = store.get_assessment(done.headers["location"].rsplit("/", 1)[1])
    assert stored.expires_at is not None
    assert abs(stored.expires_at - stored.created_at - timedelta(days=3)) < timedelta(minutes=1)
