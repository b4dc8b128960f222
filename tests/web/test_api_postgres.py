"""The whole web round trip on PostgreSQL, as a clinic runs it: the app migrates an empty
database on start, and an assessment posted to the API comes back from it unchanged."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
import sqlalchemy
from fastapi.testclient import TestClient
from sqlalchemy.pool import NullPool

from nervepath.knowledge.model import KnowledgeBase
from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

POSTGRES_ENV = "NERVEPATH_TEST_POSTGRES_URL"


def _drop(url: str) -> None:
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "DROP TABLE IF EXISTS web_sessions, audit_log, api_tokens, assessments, users, "
            "clinics, alembic_version CASCADE"
        )
        connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")
    engine.dispose()


def test_api_round_trip_on_postgresql(tmp_path: Path, kb: KnowledgeBase) -> None:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        if os.environ.get("CI"):
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
        pytest.skip(f"{POSTGRES_ENV} is not set (scripts/postgres start DIR prints one)")
    _drop(url)
    try:
        store = open_store(url)  # migrates the empty database
        store.create_user("clinician", "correct horse battery staple")
        _, token = store.create_token("clinician", label="tests")
        auth = {"Authorization": f"Bearer {token}"}
        app = create_app(Settings(data_dir=tmp_path, database_url=url), kb=kb, store=store)
        case = json.loads(Path("examples/l5_radiculopathy.json").read_text())
        with TestClient(app) as client:
            created = client.post("/api/assessments", json=case, headers=auth)
            assert created.status_code == 201
            body = created.json()
            fetched = client.get(f"/api/assessments/{body['id']}", headers=auth).json()
            assert fetched == body
            listed = client.get("/api/assessments", headers=auth).json()
            assert [i["id"] for i in listed["items"]] == [body["id"]]
            assert client.delete(f"/api/assessments/{body['id']}", headers=auth).status_code == 204
        store.close()
    finally:
        _drop(url)
