"""Access control in the store: server-side sessions that end, clinics that keep records apart,
an append-only audit log, private database files, and token use written at most once a minute."""

from __future__ import annotations

import stat
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from storage_support import upgrade_to

from nervepath.errors import StorageError, UserError
from nervepath.storage import SqlStore
from nervepath.storage.database import create_engine
from nervepath.storage.models import utcnow

PASSWORD = "a long enough password"
HOUR = timedelta(hours=1)


def _live(store: SqlStore, key: str, **when: Any) -> str | None:
    user = store.session_user(key, idle=HOUR, lifetime=8 * HOUR, **when)
    return user.username if user else None


def test_a_session_lives_until_it_is_ended(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    key = store.start_session("alice")
    assert _live(store, key) == "alice"
    store.end_session(key)
    assert _live(store, key) is None  # a copy of the cookie is worthless after sign-out
    store.end_session(key)  # ending it again changes nothing
    assert _live(store, "np_not-a-session") is None and _live(store, "garbage") is None


def test_a_password_change_or_deactivation_ends_every_session(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    first, second = store.start_session("alice"), store.start_session("alice")
    store.set_password("alice", "another long password")
    assert _live(store, first) is None and _live(store, second) is None
    third = store.start_session("alice")
    store.deactivate_user("alice")
    assert _live(store, third) is None
    with pytest.raises(UserError, match="deactivated"):
        store.start_session("alice")


def test_sessions_time_out_when_idle_and_at_their_lifetime(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    key = store.start_session("alice")
    now = utcnow()
    assert _live(store, key, now=now + 50 * timedelta(minutes=1)) == "alice"  # seen again
    assert _live(store, key, now=now + 100 * timedelta(minutes=1)) == "alice"  # 50 min idle
    assert _live(store, key, now=now + 9 * HOUR) is None  # past its 8-hour lifetime
    assert _live(store, key, now=now) is None  # and ended for good
    idle = store.start_session("alice")
    assert _live(store, idle, now=utcnow() + 2 * HOUR) is None


def test_clinics_keep_records_apart(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    alice = store.create_user("alice", PASSWORD, clinic="north")
    store.create_user("bob", PASSWORD, clinic="south", role="admin")
    assert (alice.clinic, alice.role) == ("north", "clinician")
    mine = store.add_assessment(case=example_case, result=example_result, owner="alice")
    theirs = store.add_assessment(case=example_case, result=example_result, owner="bob")
    patient = store.add_assessment(case=example_case, result=example_result)
    assert (mine.clinic, theirs.clinic, patient.clinic) == ("north", "south", None)
    assert [a.id for a in store.list_assessments(clinic="north")] == [mine.id]
    assert store.count_assessments(clinic="south") == 1
    assert store.count_assessments(clinic="nowhere") == 0
    users = {u.username: u for u in store.list_users()}
    assert users["bob"].is_admin and not users["alice"].is_admin
    store.set_role("alice", "admin")
    assert next(u for u in store.list_users() if u.username == "alice").is_admin


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"role": "root"}, "role 'root'"), ({"clinic": "North Clinic!"}, "clinic 'North Clinic!'")],
)
def test_bad_roles_and_clinics_are_refused(
    store: SqlStore, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(UserError, match=message):
        store.create_user("alice", PASSWORD, **kwargs)
    assert store.list_users() == []


def test_the_audit_log_is_append_only_and_outlives_the_record(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("alice", PASSWORD, clinic="north")
    record = store.add_assessment(case=example_case, result=example_result, owner="alice")
    store.record_event("alice", "read", assessment_id=record.id, clinic="north")
    store.delete_assessment(record.id)
    store.record_event("alice", "delete", assessment_id=record.id, clinic="north")
    store.record_event("bob", "read", assessment_id="x" * 20, clinic="south")
    entries = store.list_events(clinic="north")
    assert [(e.actor, e.action, e.assessment_id) for e in entries] == [
        ("alice", "delete", record.id),
        ("alice", "read", record.id),
    ]
    assert len(store.list_events()) == 3
    with pytest.raises(StorageError, match="audit action"):
        store.record_event("alice", "edit")
    for statement in ("UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"), store.engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert len(store.list_events()) == 3


def test_a_record_and_its_creation_line_land_in_one_transaction(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("alice", PASSWORD, clinic="north")
    record = store.add_assessment(
        case=example_case, result=example_result, owner="alice", audit="api POST"
    )
    (line,) = store.list_events()
    assert (line.actor, line.action, line.assessment_id, line.clinic, line.detail) == (
        "alice",
        "create",
        record.id,
        "north",
        "api POST",
    )
    with pytest.raises(StorageError, match="urgency"):  # nothing stored: no line either
        store.add_assessment(
            case=example_case, result={**example_result, "urgency": "?"}, owner="alice", audit="x"
        )
    with pytest.raises(StorageError, match="audit"):  # a self-check has no creation line
        store.add_assessment(case=example_case, result=example_result, audit="page POST")
    assert len(store.list_events()) == 1
    assert store.count_assessments() == 1


def test_huge_offsets_are_refused_not_overflowed(store: SqlStore) -> None:
    with pytest.raises(StorageError, match="offset"):
        store.list_assessments(offset=9223372036854775808)
    assert store.list_assessments(offset=1_000_000_000) == []


def test_token_use_is_written_at_most_once_a_minute(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    _, token = store.create_token("alice", label="laptop")
    assert store.verify_token(token) is not None
    first = store.list_tokens("alice")[0].last_used_at
    assert first is not None
    assert store.verify_token(token) is not None
    assert store.list_tokens("alice")[0].last_used_at == first  # no second write


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_the_sqlite_files_are_private(
    tmp_path: Path, example_case: Any, example_result: Any
) -> None:
    path = tmp_path / "data" / "nervepath.db"
    with SqlStore.open(f"sqlite:///{path}") as store:
        store.add_assessment(case=example_case, result=example_result)
        for name in ("nervepath.db", "nervepath.db-wal", "nervepath.db-shm"):
            assert _mode(path.parent / name) == 0o600, name
    assert _mode(path.parent) == 0o700
    path.chmod(0o644)  # left readable by an older version
    create_engine(f"sqlite:///{path}").dispose()
    assert _mode(path) == 0o600


def test_an_old_database_upgrades_into_the_default_clinic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = sqlalchemy.create_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        upgrade_to(connection, "0001")
        connection.exec_driver_sql(
            "INSERT INTO users (id, username, password_hash, created_at, active) "
            "VALUES (1, 'alice', 'x', '2026-01-01 00:00:00', 1)"
        )
        connection.exec_driver_sql(
            'INSERT INTO assessments (id, created_at, updated_at, setting, "case", result, '
            "kb_version, kb_hash, urgency, top_site, owner_id) VALUES ('r1', "
            "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 'clinician', '{}', '{}', '0.1', "
            "'h', 'routine', NULL, 1)"
        )
    engine.dispose()
    with SqlStore.open(url) as store:
        (alice,) = store.list_users()
        assert (alice.clinic, alice.role) == ("default", "clinician")
        assert store.count_assessments(clinic="default") == 1
