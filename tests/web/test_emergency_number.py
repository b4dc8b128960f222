"""The emergency number is a setting: validated, and the one number every call link dials."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from nervepath.assessment.service import assess
from nervepath.knowledge.model import KnowledgeBase
from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

SADDLE = {
    "setting": "self_check",
    "answers": {"numbness_saddle": "present", "back_pain": "present"},
}


def test_the_default_is_the_uk_number_and_a_bad_number_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings().emergency_number == "999"
    monkeypatch.setenv("NERVEPATH_EMERGENCY_NUMBER", "call 999")
    with pytest.raises(ValidationError, match="emergency_number"):
        Settings()


def test_a_configured_number_is_the_one_every_call_link_dials(
    tmp_path: Path, kb: KnowledgeBase
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'nervepath.db'}")
    app = create_app(Settings(data_dir=tmp_path, emergency_number="112"), kb=kb, store=store)
    stored = store.add_assessment(case=SADDLE, result=assess(SADDLE).to_dict())
    with TestClient(app) as client:
        page = client.get(f"/r/{stored.id}").text
    store.close()
    assert 'href="tel:112"' in page and "Call 112" in page
    assert "tel:999" not in page


def test_the_patients_pdf_names_the_configured_number(
    tmp_path: Path, kb: KnowledgeBase, pdf_page_one: Callable[[bytes], str]
) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'nervepath.db'}")
    app = create_app(Settings(data_dir=tmp_path, emergency_number="112"), kb=kb, store=store)
    stored = store.add_assessment(case=SADDLE, result=assess(SADDLE).to_dict())
    with TestClient(app) as client:
        response = client.get(f"/r/{stored.id}/report.pdf")
    store.close()
    assert response.status_code == 200
    text = pdf_page_one(response.content)
    assert "call 112" in text and "ambulance" not in text
