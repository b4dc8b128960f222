"""Migrations and engines: the schema comes from Alembic, matches the models, and is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.pool import NullPool

from nervepath.errors import StorageError
from nervepath.storage import SqlStore, migrate
from nervepath.storage.database import BUSY_TIMEOUT_MS, MIGRATIONS
from nervepath.storage.models import Base

TABLES = {
    "alembic_version",
    "api_tokens",
    "assessments",
    "audit_log",
    "clinics",
    "users",
    "web_sessions",
}


def _head() -> str | None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config).get_current_head()


def test_migrate_creates_the_tables_and_is_idempotent(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    engine = sqlalchemy.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            assert set(sqlalchemy.inspect(connection).get_table_names()) >= TABLES
            versions = connection.exec_driver_sql("SELECT version_num FROM alembic_version")
            assert [row[0] for row in versions] == [_head()]
            assert MigrationContext.configure(connection).get_current_revision() == _head()
    finally:
        engine.dispose()


def test_the_hand_written_migration_matches_the_models(database_url: str) -> None:
    migrate(database_url)
    engine = sqlalchemy.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_an_opened_store_has_the_newest_schema(database_url: str) -> None:
    with SqlStore.open(database_url) as store, store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == _head()


def test_the_sqlite_folder_is_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "nervepath.db"
    migrate(f"sqlite:///{path}")
    assert path.is_file()


def test_sqlite_runs_in_wal_mode_with_foreign_keys_and_a_busy_timeout(tmp_path: Path) -> None:
    store = SqlStore.open(f"sqlite:///{tmp_path / 'np.db'}")
    # Two connections at once: the pragmas are set on every connection, not just the first.
    with store, store.engine.connect() as first, store.engine.connect() as second:
        for connection in (first, second):
            pragma = connection.exec_driver_sql
            assert pragma("PRAGMA journal_mode").scalar() == "wal"
            assert pragma("PRAGMA foreign_keys").scalar() == 1
            assert pragma("PRAGMA busy_timeout").scalar() == BUSY_TIMEOUT_MS


def test_an_in_memory_sqlite_store_keeps_its_data_between_calls() -> None:
    with SqlStore.open("sqlite://") as store:
        store.create_user("alice", "a long enough password")
        assert [u.username for u in store.list_users()] == ["alice"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "database URL is not valid"),
        ("postgresql://u:s3cret@host:port/db", "database URL is not valid"),
        ("nosuchdb+nodriver://host/db", "no database driver"),
    ],
)
def test_a_bad_url_is_one_clear_error(url: str, expected: str) -> None:
    with pytest.raises(StorageError, match=expected) as caught:
        migrate(url)
    assert "s3cret" not in str(caught.value)


def test_an_unreachable_server_is_an_error_without_the_password() -> None:
    url = "postgresql+psycopg://someone:s3cret-pw@127.0.0.1:1/nothing"
    with pytest.raises(StorageError) as caught:
        SqlStore.open(url)
    assert "s3cret-pw" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    assert "s3cret-pw" not in repr(SqlStore(url))


def test_a_database_from_a_newer_nervepath_is_a_clear_error(database_url: str) -> None:
    migrate(database_url)
    engine = sqlalchemy.create_engine(database_url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    finally:
        engine.dispose()
    with pytest.raises(StorageError, match="newer nervepath"):
        migrate(database_url)


def test_a_bare_postgresql_url_uses_psycopg_3() -> None:
    for scheme in ("postgresql", "postgres"):
        store = SqlStore(f"{scheme}://someone:pw@db.example/nervepath")
        assert store.engine.url.drivername == "postgresql+psycopg"
        store.close()
