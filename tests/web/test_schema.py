"""The OpenAPI document tells the truth: schemathesis generates requests from it, against the
real app, and checks that no input gives a 5xx and that every response's status, media type
and body are the documented ones. Bounded: a few dozen examples per operation."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from nervepath.knowledge.model import load_knowledge_base
from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

# Every conformance check, and bad data never accepted. Left out: positive_data_acceptance, as
# the document cannot say everything that makes a case valid (a region must exist, a hook
# must be patient-view): those answers are 4xx with the field named, by design.
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
    negative_data_rejection,
]


def _app(folder: Path) -> tuple[Any, str]:
    store = open_store(f"sqlite:///{folder / 'nervepath.db'}")
    store.create_user("clinician", "correct horse battery staple")
    _, token = store.create_token("clinician", label="schemathesis")
    return create_app(Settings(data_dir=folder), kb=load_knowledge_base(), store=store), token


# Built when the module is collected: schemathesis makes one test per operation from it.
APP, TOKEN = _app(Path(tempfile.mkdtemp(prefix="nervepath-schema-")))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_keeps_to_its_openapi_document(case: schemathesis.Case) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {TOKEN}"}, checks=CHECKS)
