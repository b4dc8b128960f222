"""Users and API tokens: validation, argon2 passwords, hashed tokens, revocation, deactivation."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy
from argon2 import PasswordHasher

from nervepath.errors import UserError
from nervepath.storage import SqlStore

PASSWORD = "correct horse battery staple"


def _column(store: SqlStore, sql: str, **params: object) -> list[object]:
    with store.engine.connect() as connection:
        return [row[0] for row in connection.execute(sqlalchemy.text(sql), params)]


def test_create_and_authenticate(store: SqlStore) -> None:
    user = store.create_user("alice", PASSWORD)
    assert (user.username, user.active) == ("alice", True)
    assert store.authenticate("alice", PASSWORD) == user
    assert store.authenticate("alice", PASSWORD + "!") is None
    assert store.authenticate("alice", "") is None
    assert store.authenticate("bob", PASSWORD) is None
    assert store.authenticate("NOT A NAME", PASSWORD) is None
    assert store.authenticate("alice", "x" * 5000) is None


def test_the_password_is_stored_as_an_argon2id_hash(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    [stored] = _column(store, "SELECT password_hash FROM users WHERE username = 'alice'")
    assert isinstance(stored, str)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_duplicate_usernames_are_a_clear_error(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    with pytest.raises(UserError, match="user 'alice' already exists"):
        store.create_user("alice", "another long password")
    assert [u.username for u in store.list_users()] == ["alice"]


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("al", PASSWORD, "3 to 64 characters"),
        ("a" * 65, PASSWORD, "3 to 64 characters"),
        ("Alice", PASSWORD, "3 to 64 characters"),
        ("al ice", PASSWORD, "3 to 64 characters"),
        ("alice\n", PASSWORD, "3 to 64 characters"),
        ("alice", "short", "at least 12 characters"),
        ("alice", "x" * 2000, "at most 1024 characters"),
    ],
)
def test_invalid_users_are_refused(
    store: SqlStore, username: str, password: str, message: str
) -> None:
    with pytest.raises(UserError, match=message):
        store.create_user(username, password)
    assert store.list_users() == []


def test_usernames_may_use_digits_dots_dashes_and_underscores(store: SqlStore) -> None:
    for name in ("dr.jones", "clinic-2_ab", "abc", "z" * 64):
        store.create_user(name, PASSWORD)
    assert [u.username for u in store.list_users()] == sorted(
        ["dr.jones", "clinic-2_ab", "abc", "z" * 64]
    )


def test_set_password_and_deactivate(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    store.set_password("alice", "a brand new password")
    assert store.authenticate("alice", PASSWORD) is None
    assert store.authenticate("alice", "a brand new password") is not None
    with pytest.raises(UserError, match="at least 12"):
        store.set_password("alice", "short")
    store.deactivate_user("alice")
    assert store.authenticate("alice", "a brand new password") is None
    assert [u.active for u in store.list_users()] == [False]
    for change in (store.deactivate_user, lambda name: store.set_password(name, PASSWORD)):
        with pytest.raises(UserError, match="no user 'ghost'"):
            change("ghost")


def test_an_old_hash_is_upgraded_on_login(database_url: str, fast_hasher: PasswordHasher) -> None:
    with SqlStore.open(database_url, password_hasher=fast_hasher) as weak:
        weak.create_user("alice", PASSWORD)
        [before] = _column(weak, "SELECT password_hash FROM users")
    stronger = PasswordHasher(time_cost=2, memory_cost=2048, parallelism=1)
    with SqlStore(database_url, password_hasher=stronger) as store:
        assert store.authenticate("alice", PASSWORD) is not None
        [after] = _column(store, "SELECT password_hash FROM users")
        assert after != before
        assert isinstance(after, str)
        assert not stronger.check_needs_rehash(after)
        assert store.authenticate("alice", PASSWORD) is not None


def test_tokens_verify_and_are_stored_hashed(store: SqlStore) -> None:
    alice = store.create_user("alice", PASSWORD)
    record, token = store.create_token("alice", label="  lab system  ")
    assert token.startswith("np_")
    assert len(token) == 46
    assert (record.username, record.label, record.prefix) == ("alice", "lab system", token[:8])
    assert record.last_used_at is None
    assert record.revoked_at is None

    [stored] = _column(store, "SELECT token_hash FROM api_tokens")
    assert stored != token
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token[8:] not in str(store.list_tokens())

    assert store.verify_token(token) == alice
    [listed] = store.list_tokens()
    assert listed.last_used_at is not None
    for wrong in ("", "np_", token[:-1], token + "x", token.upper(), "np_" + "A" * 500, stored):
        assert store.verify_token(wrong) is None


def test_revoked_tokens_and_deactivated_users_no_longer_verify(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    store.create_user("bob", PASSWORD)
    first, first_token = store.create_token("alice", label="one")
    _, second_token = store.create_token("alice", label="two")
    _, bob_token = store.create_token("bob", label="bob's")

    store.revoke_token(first.id)
    assert store.verify_token(first_token) is None
    assert store.verify_token(second_token) is not None
    revoked_at = store.list_tokens("alice")[0].revoked_at
    assert revoked_at is not None
    store.revoke_token(first.id)  # again: nothing changes
    assert store.list_tokens("alice")[0].revoked_at == revoked_at

    store.deactivate_user("alice")
    assert store.verify_token(second_token) is None
    assert store.verify_token(bob_token) is not None
    with pytest.raises(UserError, match="deactivated"):
        store.create_token("alice", label="three")


def test_listing_and_errors_for_tokens(store: SqlStore) -> None:
    store.create_user("alice", PASSWORD)
    store.create_user("bob", PASSWORD)
    store.create_token("alice", label="a")
    store.create_token("bob", label="b")
    assert [(t.username, t.label) for t in store.list_tokens()] == [("alice", "a"), ("bob", "b")]
    assert [t.label for t in store.list_tokens("bob")] == ["b"]
    with pytest.raises(UserError, match="no user 'ghost'"):
        store.list_tokens("ghost")
    with pytest.raises(UserError, match="no user 'ghost'"):
        store.create_token("ghost", label="x")
    with pytest.raises(UserError, match="no API token has id 999"):
        store.revoke_token(999)
    for label in ("", "   ", "x" * 101):
        with pytest.raises(UserError, match="label"):
            store.create_token("alice", label=label)
