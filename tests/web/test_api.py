"""The REST API: every endpoint, every error shape, and refusal without credentials."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from nervepath.assessment.service import assess
from nervepath.knowledge.model import KnowledgeBase

L5_CASE: dict[str, Any] = json.loads(Path("examples/l5_radiculopathy.json").read_text())
CAUDA_EQUINA = {
    "setting": "self_check",
    "answers": {
        "numbness_saddle": "present",
        "new_bladder_dysfunction": "present",
        "bilateral_leg_symptoms": "present",
        "back_pain": "present",
    },
}


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"status", "code", "message", "fields"}
    assert error["status"] == status
    assert error["code"] == code
    assert error["message"]
    return error  # type: ignore[no-any-return]


def test_create_then_fetch_returns_the_stored_assessment(
    client: TestClient, auth: dict[str, str]
) -> None:
    created = client.post("/api/assessments", json=L5_CASE, headers=auth)
    assert created.status_code == 201, created.text
    body = created.json()
    assert len(body["id"]) >= 32
    assert body["assessment"]["sites"][0]["id"] == "l5_root"
    assert body["top_site"] == "l5_root_left"
    assert body["owner"] == "clinician"
    assert body["url"].endswith(f"/clinic/assessments/{body['id']}")
    fetched = client.get(f"/api/assessments/{body['id']}", headers=auth)
    assert fetched.status_code == 200
    assert fetched.json() == body


def test_a_stored_assessment_reproduces_exactly(client: TestClient, auth: dict[str, str]) -> None:
    body = client.post("/api/assessments", json=L5_CASE, headers=auth).json()
    again = json.loads(json.dumps(assess(body["case"]).to_dict()))
    assert again == body["assessment"]
    assert body["kb_hash"] == body["assessment"]["kb_hash"]


def test_list_filters_by_urgency_and_date(client: TestClient, auth: dict[str, str]) -> None:
    emergency = client.post("/api/assessments", json=CAUDA_EQUINA, headers=auth).json()
    assert emergency["urgency"] == "emergency"
    listed = client.get("/api/assessments?urgency=emergency&limit=500", headers=auth).json()
    assert emergency["id"] in [i["id"] for i in listed["items"]]
    assert all(i["urgency"] == "emergency" for i in listed["items"])
    assert listed["total"] >= 1
    future = client.get("/api/assessments?since=2999-01-01T00:00:00Z", headers=auth).json()
    assert future == {"total": 0, "limit": 50, "offset": 0, "items": []}


def test_list_newest_first_and_paged(client: TestClient, auth: dict[str, str]) -> None:
    ids = [client.post("/api/assessments", json=L5_CASE, headers=auth).json()["id"] for _ in "ab"]
    page = client.get("/api/assessments?limit=2", headers=auth).json()
    assert [i["id"] for i in page["items"]] == ids[::-1]
    second = client.get("/api/assessments?limit=1&offset=1", headers=auth).json()
    assert second["items"][0]["id"] == ids[0]


def test_delete_removes_it(client: TestClient, auth: dict[str, str]) -> None:
    created = client.post("/api/assessments", json=L5_CASE, headers=auth).json()
    assert client.delete(f"/api/assessments/{created['id']}", headers=auth).status_code == 204
    _error(client.get(f"/api/assessments/{created['id']}", headers=auth), 404, "not_found")
    _error(client.delete(f"/api/assessments/{created['id']}", headers=auth), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/assessments"),
        ("get", "/api/assessments"),
        ("get", "/api/assessments/abc"),
        ("delete", "/api/assessments/abc"),
    ],
)
def test_clinician_endpoints_refuse_without_credentials(
    client: TestClient, method: str, path: str
) -> None:
    kwargs: dict[str, Any] = {"json": L5_CASE} if method == "post" else {}
    response = getattr(client, method)(path, **kwargs)
    _error(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")
    bad = getattr(client, method)(path, headers={"Authorization": "Bearer np_wrong"}, **kwargs)
    _error(bad, 401, "unauthorized")


def test_an_unknown_finding_names_the_field_and_the_nearest_ids(
    client: TestClient, auth: dict[str, str]
) -> None:
    case = {"setting": "self_check", "answers": {"numbness_first_web_space_lft": "present"}}
    error = _error(client.post("/api/assessments", json=case, headers=auth), 422, "invalid_case")
    assert error["fields"][0]["field"] == "answers.numbness_first_web_space_lft"
    assert "numbness_first_web_space_left" in error["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"setting": "nurse", "answers": {}}, "setting"),
        ({"answers": ["fever"]}, "answers"),
        ({"answers": {}, "colour": "blue"}, "colour"),
        ({"patient": {"age": -3}, "answers": {}}, "patient.age"),
    ],
)
def test_invalid_requests_are_422_with_the_field(
    client: TestClient, auth: dict[str, str], body: dict[str, Any], field: str
) -> None:
    error = _error(client.post("/api/assessments", json=body, headers=auth), 422, "invalid_request")
    assert error["fields"][0]["field"] == field


def test_malformed_json_is_a_4xx(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/api/assessments",
        content=b"{not json",
        headers={**auth, "Content-Type": "application/json"},
    )
    _error(response, 422, "invalid_request")


def test_an_impossible_grade_is_422(client: TestClient, auth: dict[str, str]) -> None:
    case = {"setting": "clinician", "answers": {"strength_ankle_dorsiflexion_left": "7"}}
    error = _error(client.post("/api/assessments", json=case, headers=auth), 422, "invalid_case")
    assert error["fields"][0]["field"].startswith("answers.strength_ankle_dorsiflexion_left")


def test_unknown_paths_and_methods_use_the_same_shape(
    client: TestClient, auth: dict[str, str]
) -> None:
    _error(client.get("/api/nothing-here"), 404, "not_found")
    _error(client.put("/api/assessments", headers=auth), 405, "method_not_allowed")


# ── the stateless interview ────────────────────────────────────────────────────────────────
def _started(client: TestClient) -> dict[str, Any]:
    """Through the start: for me, 51 to 70, female, under 2 weeks, gradually."""
    body = client.post("/api/interview", json={}).json()
    assert body["step"]["kind"] == "for_whom" and body["assessment"] is None
    for value in ("me", "51_to_70", "female", "under_2_weeks", "gradual"):
        body = client.post(
            "/api/interview", json={"state": body["state"], "action": "answer", "values": [value]}
        ).json()
    assert body["step"]["kind"] == "side"
    assert body["state"]["start"]["for_whom"] == "me"
    return body


def test_interview_runs_statelessly_to_a_result(client: TestClient) -> None:
    start = _started(client)
    assert start["state"]["answers"]["age_over_50"] == "present"
    marked = client.post(
        "/api/interview",
        json={
            "state": start["state"],
            "action": "mark",
            "regions": ["first_web_space_left", "lateral_leg_left"],
            "qualities": {"first_web_space_left": ["numbness"], "lateral_leg_left": ["pain"]},
        },
    ).json()
    step = marked["step"]
    assert step["kind"] == "warning_signs" and step["multiple"] and step["exclusive"] == "none"
    answers = marked["state"]["answers"]
    assert answers["numbness_first_web_space_left"] == "present"
    assert answers["pain_lateral_leg_left"] == "present"
    assert "pain_first_web_space_left" not in answers  # not ticked for that place: unsaid
    assert answers["numbness_first_web_space_right"] == "absent"  # the other leg: nothing felt
    screened = client.post(
        "/api/interview", json={"state": marked["state"], "action": "answer", "values": ["none"]}
    ).json()
    assert screened["state"]["answers"]["numbness_saddle"] == "absent"
    follow_ups = 0
    while screened["step"]["kind"] == "question":  # one answer from an emergency: first
        assert screened["step"]["phase"] == "follow_up"
        screened = client.post(
            "/api/interview",
            json={"state": screened["state"], "action": "answer", "values": ["absent"]},
        ).json()
        follow_ups += 1
    # Then the risk factors on one checklist: this person has none of them.
    assert screened["step"]["kind"] == "background" and screened["step"]["exclusive"] == "none"
    screened = client.post(
        "/api/interview", json={"state": screened["state"], "action": "answer", "values": ["none"]}
    ).json()
    assert screened["state"]["answers"]["takes_blood_thinner"] == "absent"
    # Then the rare signs a person notices, on another: none of them either.
    assert screened["step"]["kind"] == "signs" and screened["step"]["exclusive"] == "none"
    screened = client.post(
        "/api/interview", json={"state": screened["state"], "action": "answer", "values": ["none"]}
    ).json()
    assert screened["state"]["answers"]["lump_along_nerve_left"] == "absent"
    question = screened["step"]
    assert question["kind"] == "question" and question["number"] == 4 + follow_ups
    answered = client.post(
        "/api/interview",
        json={"state": screened["state"], "action": "answer", "values": ["absent"]},
    ).json()
    assert answered["state"]["answers"][question["finding"]] == "absent"
    assert answered["step"]["text"] != question["text"]
    done = client.post("/api/interview", json={"state": answered["state"], "action": "quit"})
    result = done.json()
    assert result["step"]["kind"] == "done"
    assert result["assessment"]["sites"][0]["side"] == "left"


def test_interview_asks_what_is_felt_in_each_place_left_out(client: TestClient) -> None:
    start = _started(client)
    marked = client.post(
        "/api/interview",
        json={"state": start["state"], "action": "mark", "regions": ["heel_right"]},
    ).json()
    step = marked["step"]
    assert step["kind"] == "feelings" and step["place"] == "heel_right"
    assert step["text"].startswith("What do you feel in the bottom of your right heel?")


def test_interview_errors_are_422(client: TestClient) -> None:
    start = client.post("/api/interview", json={}).json()
    wrong = client.post(
        "/api/interview", json={"state": start["state"], "action": "answer", "values": ["up"]}
    )
    assert "is not an answer here" in _error(wrong, 422, "invalid_case")["message"]
    bad_state = client.post("/api/interview", json={"state": {"adaptive": -1}, "action": "quit"})
    assert _error(bad_state, 422, "invalid_case")["fields"][0]["field"] == "state.adaptive"
    started = _started(client)

    def mark(regions: list[str], qualities: dict[str, list[str]]) -> Any:
        body = {"state": started["state"], "action": "mark", "regions": regions}
        return client.post("/api/interview", json={**body, "qualities": qualities})

    bad_region = mark(["elbow_left"], {"elbow_left": ["pain"]})
    assert "elbow_left" in _error(bad_region, 422, "invalid_case")["message"]
    stray = mark(["heel_left"], {"calf_left": ["pain"]})
    message = _error(stray, 422, "invalid_case")["message"]
    assert "qualities › calf_left: not a marked place" in message
    marked = mark(["heel_left"], {"heel_left": ["pain"]}).json()
    both = client.post(
        "/api/interview",
        json={"state": marked["state"], "action": "answer", "values": ["none", "fever"]},
    )
    assert "none of these" in _error(both, 422, "invalid_case")["message"]


# ── catalogue, docs, headers ───────────────────────────────────────────────────────────────
def test_catalogue_lists_sites_findings_and_regions(client: TestClient, kb: KnowledgeBase) -> None:
    sites = client.get("/api/catalogue/sites").json()
    assert {s["id"] for s in sites} == set(kb.sites)
    findings = client.get("/api/catalogue/findings?setting=self_check").json()
    assert findings and all("self_check" in f["settings"] for f in findings)
    regions = client.get("/api/catalogue/regions").json()
    assert {r["id"] for r in regions} == {r.id for r in kb.raw.anatomy.regions}
    _error(client.get("/api/catalogue/findings?setting=nurse"), 422, "invalid_request")


def test_openapi_and_offline_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in ("/api/assessments", "/api/assessments/{assessment_id}", "/api/interview"):
        assert path in spec["paths"]
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200


def test_security_headers_on_pages_and_api(client: TestClient) -> None:
    for path in ("/", "/api/catalogue/sites", "/api/nothing"):
        headers = client.get(path).headers
        assert "frame-ancestors 'none'" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["referrer-policy"] == "no-referrer"
        assert headers["cache-control"] == "no-store"


def test_logs_hold_no_health_data_and_no_link(
    client: TestClient, auth: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        created = client.post("/api/assessments", json=CAUDA_EQUINA, headers=auth).json()
        client.get(f"/api/assessments/{created['id']}", headers=auth)
        bad = {"answers": {"numbness_saddle": "maybe"}}
        client.post("/api/assessments", json=bad, headers=auth)
    # The test client (httpx) logs its own requests; everything else is the server's.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "POST /api/assessments 201" in logged
    assert "GET /api/assessments/{assessment_id} 200" in logged
    for secret in (created["id"], "numbness_saddle", "new_bladder_dysfunction", "maybe"):
        assert secret not in logged
