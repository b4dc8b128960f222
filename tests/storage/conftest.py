"""Storage fixtures: every store test runs on SQLite (a real file, so WAL is real) and PostgreSQL.

PostgreSQL comes from ``NERVEPATH_TEST_POSTGRES_URL`` (``scripts/postgres start DIR`` prints
one). Without it the PostgreSQL tests are skipped, except under CI (``CI`` set), where they fail:
CI must really test the database a clinic runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from argon2 import PasswordHasher
from sqlalchemy.pool import NullPool

from nervepath.assessment.service import assess
from nervepath.storage import SqlStore

POSTGRES_ENV = "NERVEPATH_TEST_POSTGRES_URL"
EXAMPLE_CASE: dict[str, Any] = json.loads(
    (Path(__file__).parents[2] / "examples" / "l5_radiculopathy.json").read_text(encoding="utf-8")
)
# Cheap argon2 parameters: the real ones take tens of milliseconds a hash, on purpose.
FAST_HASHER = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests")
    pytest.skip(f"{POSTGRES_ENV} is not set (scripts/postgres start DIR prints one)")


def drop_tables(url: str) -> None:
    """Leave the test database empty, whatever a test did to it."""
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(
                "DROP TABLE IF EXISTS web_sessions, audit_log, api_tokens, assessments, users, "
                "clinics, alembic_version CASCADE"
            )
            connection.exec_driver_sql("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE")
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database; the SQLite file sits in a folder that does not exist yet."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'data' / 'nervepath.db'}"
        return
    url = postgres_url()
    drop_tables(url)
    yield url
    drop_tables(url)


@pytest.fixture
def store(database_url: str) -> Iterator[SqlStore]:
    with SqlStore.open(database_url, password_hasher=FAST_HASHER) as opened:
        yield opened


@pytest.fixture
def fast_hasher() -> PasswordHasher:
    return FAST_HASHER


@pytest.fixture
def example_case() -> dict[str, Any]:
    """The example case: a left L5 radiculopathy, seen by a clinician."""
    return json.loads(json.dumps(EXAMPLE_CASE))


@pytest.fixture(scope="session")
def example_result_document() -> str:
    return json.dumps(assess(EXAMPLE_CASE).to_dict())


@pytest.fixture
def example_result(example_result_document: str) -> dict[str, Any]:
    """The assessment of the example case, as JSON gives it back (a fresh copy per test)."""
    decoded: dict[str, Any] = json.loads(example_result_document)
    return decoded
