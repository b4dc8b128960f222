"""Self-checks in the store: they expire unless kept or shared, a purge deletes only those, and a
share code hands one to the clinic of the clinician who enters it — once, and not for long."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from storage_support import upgrade_to

from nervepath.errors import AssessmentNotFound, ShareCodeRefused, StorageError
from nervepath.storage import SqlStore
from nervepath.storage.database import create_engine
from nervepath.storage.models import utcnow
from nervepath.storage.sharing import (
    MAX_WRONG_SHARE_CODES,
    SHARE_CODE_ALPHABET,
    normalised_share_code,
    shown_share_code,
)

PASSWORD = "a long enough password"
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


def _self_check(store: SqlStore, case: Any, result: Any, *, days: float = 30) -> str:
    self_check = {**result, "setting": "self_check"}
    return store.add_assessment(
        case={**case, "setting": "self_check"},
        result=self_check,
        expires_at=utcnow() + timedelta(days=days),
    ).id


def test_a_share_code_attaches_a_self_check_to_one_clinic_once(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("alice", PASSWORD, clinic="north")
    store.create_user("bob", PASSWORD, clinic="south")
    record = _self_check(store, example_case, example_result)
    assert store.count_assessments(clinic="north") == 0
    code, until = store.create_share_code(record, lifetime=WEEK)
    assert len(code) == 10 and set(code) <= set(SHARE_CODE_ALPHABET)
    assert until - utcnow() <= WEEK
    typed = shown_share_code(code).lower().replace("0", "o")  # as someone might type it
    shared = store.redeem_share_code(typed, username="alice", detail="api POST")
    assert (shared.id, shared.clinic, shared.owner, shared.shared) == (record, "north", None, True)
    assert shared.expires_at is None  # shared into a clinic counts as saved
    assert [s.id for s in store.list_assessments(clinic="north")] == [record]
    with pytest.raises(ShareCodeRefused):  # single use: not a second time, nor elsewhere
        store.redeem_share_code(code, username="bob")
    assert store.count_assessments(clinic="south") == 0
    with pytest.raises(StorageError, match="already shared"):
        store.create_share_code(record, lifetime=WEEK)
    lines = [(e.actor, e.action, e.assessment_id) for e in store.list_events()]
    assert ("alice", "create", record) in lines and ("bob", "read", None) in lines


def test_a_new_code_replaces_the_old_and_codes_expire(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("alice", PASSWORD)
    record = _self_check(store, example_case, example_result)
    old, _ = store.create_share_code(record, lifetime=WEEK)
    new, _ = store.create_share_code(record, lifetime=WEEK)
    with pytest.raises(ShareCodeRefused):
        store.redeem_share_code(old, username="alice")
    with pytest.raises(ShareCodeRefused):
        store.redeem_share_code(new, username="alice", now=utcnow() + WEEK + DAY)
    assert store.redeem_share_code(new, username="alice").clinic == "default"


def test_a_code_keeps_its_record_alive_as_long_as_itself(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    record = _self_check(store, example_case, example_result, days=1)
    _, until = store.create_share_code(record, lifetime=WEEK)
    assert store.get_assessment(record).expires_at == until
    assert store.purge_expired(now=utcnow() + 2 * DAY) == 0


def test_a_wrong_code_says_nothing_and_ten_an_hour_lock_the_account(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("mallory", PASSWORD)
    store.create_user("alice", PASSWORD)
    record = _self_check(store, example_case, example_result)
    code, _ = store.create_share_code(record, lifetime=WEEK)
    messages = set()
    for guess in ["0000000000", "not a code", *["1234567890"] * (MAX_WRONG_SHARE_CODES - 2)]:
        with pytest.raises(ShareCodeRefused) as refused:
            store.redeem_share_code(guess, username="mallory")
        messages.add(str(refused.value))
    assert len(messages) == 1 and "self-check" in messages.pop()
    with pytest.raises(ShareCodeRefused) as refused:  # now even the right code
        store.redeem_share_code(code, username="mallory")
    assert refused.value.too_many
    later = utcnow() + timedelta(hours=1, minutes=1)
    assert store.redeem_share_code(code, username="alice", now=later).id == record


def test_a_purge_deletes_only_unsaved_self_checks_past_their_expiry(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("alice", PASSWORD)
    clinician = store.add_assessment(case=example_case, result=example_result, owner="alice")
    old = _self_check(store, example_case, example_result, days=1)
    fresh = _self_check(store, example_case, example_result, days=60)
    kept = _self_check(store, example_case, example_result, days=1)
    store.keep_assessment(kept)
    shared = _self_check(store, example_case, example_result, days=1)
    code, _ = store.create_share_code(shared, lifetime=timedelta(hours=1))
    store.redeem_share_code(code, username="alice")
    lapsed = _self_check(store, example_case, example_result, days=-1)
    with pytest.raises(AssessmentNotFound):  # gone on access, before any purge
        store.get_assessment(lapsed)
    month = utcnow() + timedelta(days=31)
    assert store.purge_expired(now=month) == 2
    with pytest.raises(AssessmentNotFound):
        store.get_assessment(old)
    for survivor in (clinician.id, fresh, kept, shared):
        assert store.get_assessment(survivor).id == survivor
    assert store.purge_expired(now=month) == 0
    (line,) = [e for e in store.list_events() if e.assessment_id == old]
    assert (line.actor, line.action) == ("expiry", "delete")


def test_only_a_live_anonymous_self_check_can_be_kept_or_shared(
    store: SqlStore, example_case: Any, example_result: Any
) -> None:
    store.create_user("alice", PASSWORD)
    clinician = store.add_assessment(
        case=example_case, result=example_result, owner="alice", expires_at=utcnow()
    )
    assert clinician.expires_at is None  # a clinician's record never expires
    for action in (
        lambda: store.create_share_code(clinician.id, lifetime=WEEK),
        lambda: store.keep_assessment(clinician.id),
        lambda: store.keep_assessment("no-such-id"),
    ):
        with pytest.raises(AssessmentNotFound):
            action()


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("K7M2Q-9XH4T", "K7M2Q9XH4T"),
        (" k7m2q 9xh4t ", "K7M2Q9XH4T"),
        ("OIL23-45678", "01123-45678".replace("-", "")),
        ("K7M2Q9XH4", None),
        ("K7M2Q9XH4U", None),
        ("", None),
    ],
)
def test_share_codes_are_read_as_people_type_them(typed: str, expected: str | None) -> None:
    assert normalised_share_code(typed) == expected


def test_an_old_database_gives_its_self_checks_an_expiry_and_keeps_every_record(
    database_url: str,
) -> None:
    engine = create_engine(database_url)  # makes the SQLite folder
    sqlite = engine.dialect.name == "sqlite"
    zone = "" if sqlite else "+00"
    recent = (utcnow() - DAY).strftime("%Y-%m-%d %H:%M:%S.%f")
    rows = [
        ("clinician", "2020-01-01 00:00:00.000000", "clinician", "1", "1"),
        ("old-self-check", "2020-01-01 00:00:00.000000", "self_check", "NULL", "NULL"),
        ("new-self-check", recent, "self_check", "NULL", "NULL"),
    ]
    with engine.begin() as connection:
        upgrade_to(connection, "0003")
        connection.exec_driver_sql(
            "INSERT INTO users (id, username, password_hash, created_at, active, role, "
            f"clinic_id) VALUES (1, 'alice', 'x', '2026-01-01 00:00:00{zone}', TRUE, "
            "'clinician', 1)"
        )
        for id, at, setting, owner, clinic in rows:
            connection.exec_driver_sql(
                'INSERT INTO assessments (id, created_at, updated_at, setting, "case", '
                "result, kb_version, kb_hash, urgency, top_site, owner_id, clinic_id) VALUES "
                f"('{id}', '{at}{zone}', '{at}{zone}', '{setting}', '{{}}', '{{}}', '0.1', "
                f"'h', 'routine', NULL, {owner}, {clinic})"
            )
    engine.dispose()
    with SqlStore.open(database_url) as store:
        assert store.get_assessment("clinician").expires_at is None
        new = store.get_assessment("new-self-check")
        assert new.expires_at is not None
        assert abs(new.expires_at - (new.created_at + timedelta(days=30))) < timedelta(seconds=1)
        assert store.purge_expired() == 1  # the 2020 self-check was already past 30 days
        assert store.count_assessments() == 2
        assert store.get_assessment("clinician").clinic == "default"


def test_nervepath_purge_deletes_expired_self_checks(
    tmp_path: Path, example_case: Any, example_result: Any
) -> None:
    from typer.testing import CliRunner

    from nervepath.cli.app import app

    url = f"sqlite:///{tmp_path / 'np.db'}"
    with SqlStore.open(url) as store:
        _self_check(store, example_case, example_result, days=-1)
        kept = _self_check(store, example_case, example_result, days=1)
    printed = CliRunner().invoke(app, ["purge", "--database-url", url])
    assert printed.exit_code == 0, printed.output
    assert "purged 1 expired self-check" in printed.stdout
    with SqlStore(url) as store:
        assert store.count_assessments() == 1 and store.get_assessment(kept).id == kept
