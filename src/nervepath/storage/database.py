"""Engines for SQLite and PostgreSQL, set up for concurrent requests, and schema migration."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from nervepath.errors import StorageError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "BUSY_TIMEOUT_MS",
    "WRITE",
    "create_engine",
    "dumps",
    "migrate",
    "redacted",
    "translate_errors",
    "upgrade",
]

BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for another writer's lock before giving up."""

WRITE = "nervepath_write"
"""Execution option that marks a connection as a writer (SQLite then begins IMMEDIATE)."""

MIGRATIONS = Path(__file__).parent / "migrations"

# Any constant works: it names the lock that keeps two processes from migrating at once.
MIGRATION_LOCK = 0x6E657276


def dumps(value: Any) -> str:
    """The one JSON encoding of stored documents: UTF-8 text as is, no NaN or infinity
    (PostgreSQL and every JSON reader refuse them)."""
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def redacted(url: str | URL) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<an invalid database URL>"


def create_engine(url: str) -> Engine:
    """An engine for ``url``: SQLite (file or memory) or ``postgresql+psycopg://``."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        # Not repeated in the message: a mistyped URL may still hold a password.
        raise StorageError(
            "the database URL is not valid; expected sqlite:///PATH or "
            "postgresql+psycopg://USER:PASSWORD@HOST:PORT/DB"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        # The bare scheme means psycopg2 to SQLAlchemy; psycopg 3 is the driver we ship with.
        parsed = parsed.set(drivername="postgresql+psycopg")
    # Statement parameters hold health data and password hashes: keep them out of exception
    # messages, which end up in logs.
    options: dict[str, Any] = {"hide_parameters": True, "json_serializer": dumps}
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite:
        database = parsed.database or ""
        if database in ("", ":memory:") or parsed.query.get("mode") == "memory":
            # One connection shared by every session, or each one would get its own empty
            # database. Fine for tests; a real server uses a file.
            options |= {"poolclass": StaticPool, "connect_args": {"check_same_thread": False}}
        else:
            _private_file(Path(database))
    else:
        options["pool_pre_ping"] = True  # a restarted server must not fail the next request
    try:
        engine = sqlalchemy.create_engine(parsed, **options)
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise StorageError(
            f"{redacted(parsed)}: no database driver for this URL ({exc}); nervepath runs on "
            "sqlite:///PATH, or on postgresql+psycopg://… with pip install 'nervepath[postgres]'"
        ) from None
    if sqlite:
        _configure_sqlite(engine)
    return engine


def _private_file(path: Path) -> None:
    """The database file, readable by its owner only: it holds health data and password hashes.

    A missing folder is made owner-only (an existing one is left as its owner set it); the file
    is created 0600, and SQLite gives its -wal and -shm files the database file's permissions.
    Files left readable by an older version are tightened.
    """
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not path.exists():
            path.touch(mode=0o600)
        for file in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if file.exists() and file.stat().st_mode & 0o077:
                file.chmod(0o600)
    except OSError as exc:
        raise StorageError(
            f"cannot create the database {path} or make it private ({exc.strerror})"
        ) from None


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # We emit BEGIN ourselves (below): the sqlite3 module's own transaction handling
        # starts transactions late and lets a reader turned writer fail at once with
        # "database is locked" instead of waiting for busy_timeout.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # busy_timeout first: switching a new file to WAL briefly needs the lock too.
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            # WAL: readers never block the writer, nor the writer readers.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A writer takes the write lock when it begins, so concurrent writers queue up on
        # busy_timeout rather than deadlock; readers begin deferred and never wait.
        writer = connection.get_execution_options().get(WRITE, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writer else "BEGIN")


@contextmanager
def translate_errors(url: str | URL) -> Iterator[None]:
    """Turn driver errors (unreachable server, locked file…) into one-line StorageErrors."""
    try:
        yield
    except DBAPIError as exc:
        # The first line only: PostgreSQL puts the offending values in a DETAIL line.
        lines = str(exc.orig).strip().splitlines()
        reason = lines[0] if lines else type(exc.orig).__name__
        raise StorageError(f"database {redacted(url)}: {reason}") from exc


def _alembic_config(connection: Connection) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(engine: Engine) -> None:
    """Bring the database of ``engine`` to the newest schema; a no-op when it is there."""
    from alembic import command
    from alembic.util import CommandError

    with translate_errors(engine.url), engine.connect() as connection:
        # As a writer: on SQLite a second process migrating at once waits for the first.
        connection = connection.execution_options(**{WRITE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                # Two servers starting at once: the second waits, then finds nothing to do.
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
                )
            try:
                command.upgrade(_alembic_config(connection), "head")
            except CommandError as exc:
                # Typically a database that a newer nervepath migrated, at a revision unknown here.
                raise StorageError(
                    f"database {redacted(engine.url)}: cannot migrate it ({exc}); "
                    "is it from a newer nervepath?"
                ) from None


def migrate(url: str) -> None:
    """Create or upgrade the schema of the database at ``url`` to the newest revision."""
    engine = create_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()
