"""The FHIR and CDS Hooks routes on a bare app over a real SQLite store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire

from nervepath.assessment.case import parse_case
from nervepath.assessment.service import Assessor
from nervepath.interop.codes import FINDING_SYSTEM
from nervepath.interop.fhir import questionnaire_response, resource_json
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base
from nervepath.storage import User, open_store
from nervepath.web.errors import ApiError, install_error_handlers
from nervepath.web.routes.interop import router
from nervepath.web.security import require_api_user
from nervepath.web.settings import Settings

ROOT = Path(__file__).parents[2]
CASE = json.loads((ROOT / "examples" / "l5_radiculopathy.json").read_text(encoding="utf-8"))
CES = {
    "setting": "clinician",
    "answers": {
        "bilateral_leg_symptoms": "present",
        "numbness_saddle": "present",
        "new_bladder_dysfunction": "present",
    },
}


@pytest.fixture(scope="module")
def shipped() -> KnowledgeBase:
    return load_knowledge_base()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, shipped: KnowledgeBase) -> Iterator[FastAPI]:
    folder = tmp_path_factory.mktemp("interop")
    store = open_store(f"sqlite:///{folder / 'nervepath.db'}")
    user = store.create_user("clinician", "correct horse battery staple")
    app = FastAPI()
    app.state.kb = shipped
    app.state.assessor = Assessor(shipped)
    app.state.store = store
    app.state.settings = Settings(data_dir=folder, public_url="https://np.test/")
    install_error_handlers(app)
    app.include_router(router)
    app.dependency_overrides[require_api_user] = lambda: user
    yield app
    store.close()


@pytest.fixture()
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _qr(shipped: KnowledgeBase, document: dict[str, Any]) -> dict[str, Any]:
    return json.loads(resource_json(questionnaire_response(parse_case(document), shipped)))


def _cds(prefetch: dict[str, Any]) -> dict[str, Any]:
    return {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"userId": "Practitioner/example", "patientId": "1288992"},
        "prefetch": prefetch,
    }


def test_every_route_needs_an_api_user(
    app: FastAPI, shipped: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse() -> User:
        raise ApiError(401, "unauthorized", "sign in")

    monkeypatch.setitem(app.dependency_overrides, require_api_user, refuse)
    with TestClient(app, raise_server_exceptions=False) as c:
        calls = [
            c.get("/cds-services"),
            c.post("/cds-services/nervepath-patient-view", json=_cds({})),
            c.get("/api/fhir/Questionnaire"),
            c.post("/api/fhir/QuestionnaireResponse/$assess", json=_qr(shipped, CASE)),
            c.get("/api/assessments/x/fhir"),
        ]
    assert [r.status_code for r in calls] == [401] * 5


def test_discovery(client: TestClient) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    assert response.json()["services"][0]["id"] == "nervepath-patient-view"


@pytest.mark.parametrize("setting", ["self_check", "clinician"])
def test_questionnaire_is_fhir_json(client: TestClient, setting: str) -> None:
    response = client.get("/api/fhir/Questionnaire", params={"setting": setting})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/fhir+json")
    q = Questionnaire.model_validate(response.json())
    assert q.url and q.url.endswith(setting.replace("_", "-"))


def test_questionnaire_refuses_an_unknown_setting(client: TestClient) -> None:
    assert client.get("/api/fhir/Questionnaire", params={"setting": "gp"}).status_code == 422


def test_assess_returns_a_bundle(client: TestClient, shipped: KnowledgeBase) -> None:
    response = client.post("/api/fhir/QuestionnaireResponse/$assess", json=_qr(shipped, CASE))
    assert response.status_code == 200, response.text
    bundle = Bundle.model_validate(response.json())
    kinds = [e.resource.get_resource_type() for e in bundle.entry or []]
    assert kinds.count("Observation") == len(CASE["answers"])
    assert "RiskAssessment" in kinds and "ClinicalImpression" in kinds


def test_assess_names_an_unknown_item(client: TestClient, shipped: KnowledgeBase) -> None:
    qr = _qr(shipped, CASE)
    qr["item"][1]["item"][0]["linkId"] = "numbness_heel_lft"
    response = client.post("/api/fhir/QuestionnaireResponse/$assess", json=qr)
    assert response.status_code == 422
    assert "numbness_heel_lft" in response.json()["error"]["message"]


def test_assess_refuses_another_resource(client: TestClient) -> None:
    response = client.post(
        "/api/fhir/QuestionnaireResponse/$assess", json={"resourceType": "Patient"}
    )
    assert response.status_code == 422
    assert "resourceType" in response.json()["error"]["message"]


def test_a_stored_assessment_as_a_bundle(
    app: FastAPI, client: TestClient, shipped: KnowledgeBase
) -> None:
    case = parse_case(CASE)
    result = app.state.assessor.assess(case).to_dict()
    stored = app.state.store.add_assessment(
        case=case.model_dump(mode="json", exclude_none=True), result=result, owner="clinician"
    )
    response = client.get(f"/api/assessments/{stored.id}/fhir")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/fhir+json"
    bundle = Bundle.model_validate(response.json())
    assert bundle.identifier is not None and bundle.identifier.value == stored.id
    assert bundle.link is not None
    assert bundle.link[0].url == f"https://np.test/api/assessments/{stored.id}/fhir"
    (risk,) = [
        e.resource for e in bundle.entry or [] if e.resource.get_resource_type() == "RiskAssessment"
    ]
    assert [float(p.probabilityDecimal) for p in risk.prediction] == [
        s["probability"] for s in result["sites"]
    ]


def test_an_unknown_assessment_is_404(client: TestClient) -> None:
    assert client.get("/api/assessments/nope/fhir").status_code == 404


def test_cds_patient_view_stores_and_links(
    app: FastAPI, client: TestClient, shipped: KnowledgeBase
) -> None:
    response = client.post(
        "/cds-services/nervepath-patient-view",
        json=_cds({"questionnaireResponse": _qr(shipped, CES)}),
    )
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    assert cards[0]["indicator"] == "critical"
    assert all(v is not None for card in cards for v in card.values())
    url = cards[0]["links"][0]["url"]
    assert url.startswith("https://np.test/clinic/assessments/")
    stored = app.state.store.get_assessment(url.rsplit("/", 1)[1])
    assert stored.urgency == "emergency" and stored.owner == "clinician"
    # A record the EHR made is in the audit log like one the API made.
    created = [e for e in app.state.store.list_events() if e.assessment_id == stored.id]
    assert [(e.actor, e.action, e.detail) for e in created] == [("clinician", "create", "api POST")]


def test_cds_without_a_usable_prefetch_is_400(client: TestClient) -> None:
    response = client.post(
        "/cds-services/nervepath-patient-view",
        json=_cds({"observations": {"resourceType": "Bundle", "type": "searchset"}}),
    )
    assert response.status_code == 400
    assert FINDING_SYSTEM in response.json()["error"]["message"]


def test_cds_request_without_context_is_422(client: TestClient) -> None:
    body = _cds({})
    del body["context"]
    assert client.post("/cds-services/nervepath-patient-view", json=body).status_code == 422
