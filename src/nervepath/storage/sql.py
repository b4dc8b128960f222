"""The SQL store (SQLite or PostgreSQL): assessments, users and API tokens."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from types import TracebackType
from typing import Any, Self, TypeVar

from argon2 import PasswordHasher
from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from nervepath.assessment.triage import URGENCY_LEVELS
from nervepath.errors import AssessmentNotFound, StorageError, UserError
from nervepath.storage.access import (
    LAST_USE_EVERY,
    MAX_LIMIT,
    MAX_OFFSET,
    AccessTables,
    audit_row,
    check_page,
    end_sessions,
    find_user,
    user_row,
)
from nervepath.storage.accounts import (
    Passwords,
    check_clinic,
    check_label,
    check_role,
    check_username,
    hash_token,
    looks_like_token,
    new_token,
    shown_prefix,
)
from nervepath.storage.base import ApiToken, Store, StoredAssessment, User
from nervepath.storage.database import WRITE, create_engine, translate_errors, upgrade
from nervepath.storage.models import (
    ApiTokenRow,
    AssessmentRow,
    ClinicRow,
    UserRow,
    utcnow,
)
from nervepath.storage.records import (
    api_token,
    assessment_fields,
    stored_assessment,
    user_record,
)
from nervepath.storage.sharing import SharingTables, is_expired

__all__ = ["MAX_LIMIT", "MAX_OFFSET", "SqlStore", "open_store"]

Q = TypeVar("Q", bound=Select[Any])


class SqlStore(AccessTables, SharingTables, Store):
    """A ``Store`` on one SQLAlchemy engine; each call runs in its own session, so one store
    serves many threads. Every write is one transaction: it lands whole or not at all.

    ``SqlStore(url)`` expects the schema to be there; ``SqlStore.open(url)`` migrates first.
    ``password_hasher`` sets the argon2 parameters (the argon2-cffi defaults otherwise).
    """

    def __init__(self, url: str, *, password_hasher: PasswordHasher | None = None) -> None:
        self.engine = create_engine(url)
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(
            self.engine.execution_options(**{WRITE: True}), expire_on_commit=False
        )
        self._passwords = Passwords(password_hasher)

    @classmethod
    def open(cls, url: str, *, password_hasher: PasswordHasher | None = None) -> Self:
        """A store on ``url`` with its schema created or upgraded to the newest revision."""
        store = cls(url, password_hasher=password_hasher)
        try:
            # On the store's own engine: an in-memory SQLite database lives in its connection.
            upgrade(store.engine)
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqlStore({self.engine.url.render_as_string(hide_password=True)!r})"

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with translate_errors(self.engine.url), self._read() as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        with translate_errors(self.engine.url), self._write() as session, session.begin():
            yield session

    # Assessments

    def add_assessment(
        self,
        *,
        case: Mapping[str, Any],
        result: Mapping[str, Any],
        owner: str | None = None,
        expires_at: datetime | None = None,
        audit: str | None = None,
    ) -> StoredAssessment:
        """Store an assessment and the case it came from; ``owner`` is a username, ``audit``
        the detail of the owner's ``create`` line, written in the same transaction (one
        commit, so one wait for the disk, instead of two)."""
        if audit is not None and owner is None:
            raise StorageError("audit: only a record with an owner has a creation line")
        fields = assessment_fields(case, result)
        with self._writing() as session:
            row = AssessmentRow(**fields)
            if owner is not None:
                row.owner = user_row(session, owner)
                row.clinic = row.owner.clinic  # a clinician record belongs to their clinic
            elif expires_at is not None:
                row.expires_at = _aware("expires_at", expires_at)
            session.add(row)
            session.flush()
            stored = stored_assessment(row)
            if audit is not None:
                session.add(
                    audit_row(
                        owner or "",
                        "create",
                        assessment_id=stored.id,
                        clinic=stored.clinic,
                        detail=audit,
                    )
                )
            return stored

    def get_assessment(self, id: str) -> StoredAssessment:
        with self._reading() as session:
            row = session.get(AssessmentRow, id)
            # Past its expiry is gone, whether or not the purge has run yet.
            if row is None or is_expired(row, utcnow()):
                raise AssessmentNotFound(id)
            return stored_assessment(row)

    def list_assessments(
        self,
        *,
        urgency: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        clinic: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> list[StoredAssessment]:
        """Stored assessments, newest first; ``since`` inclusive, ``until`` exclusive."""
        check_page(limit, offset)
        query = _filtered(select(AssessmentRow), urgency, since, until, owner, clinic)
        query = query.order_by(AssessmentRow.created_at.desc(), AssessmentRow.id.desc())
        with self._reading() as session:
            rows = session.scalars(query.limit(limit).offset(offset)).unique()
            return [stored_assessment(row) for row in rows]

    def count_assessments(
        self,
        *,
        urgency: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        clinic: str | None = None,
    ) -> int:
        query = _filtered(
            select(func.count()).select_from(AssessmentRow), urgency, since, until, owner, clinic
        )
        with self._reading() as session:
            return session.scalar(query) or 0

    def delete_assessment(self, id: str) -> None:
        with self._writing() as session:
            row = session.get(AssessmentRow, id)
            if row is None:
                raise AssessmentNotFound(id)
            session.delete(row)

    # Users

    def create_user(
        self, username: str, password: str, *, role: str = "clinician", clinic: str = "default"
    ) -> User:
        check_username(username)
        check_role(role)
        check_clinic(clinic)
        # Hash before the transaction: argon2 is slow on purpose, and SQLite would hold its
        # write lock all that time.
        password_hash = self._passwords.hash(password)
        with self._writing() as session:
            if find_user(session, username) is not None:
                raise UserError(f"user {username!r} already exists")
            clinic_row = session.scalar(select(ClinicRow).where(ClinicRow.name == clinic))
            if clinic_row is None:
                clinic_row = ClinicRow(name=clinic)
                session.add(clinic_row)
            row = UserRow(
                username=username, password_hash=password_hash, role=role, clinic=clinic_row
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError:
                # Another request created the same name between our check and our insert.
                raise UserError(f"user {username!r} already exists") from None
            return user_record(row)

    def authenticate(self, username: str, password: str) -> User | None:
        """The user if the password is right and the account active; None otherwise.

        An unknown username costs the same argon2 verification as a known one, so timing does
        not tell which usernames exist.
        """
        with self._reading() as session:
            row = find_user(session, username)
            stored_hash = row.password_hash if row is not None else None
        if not self._passwords.verify(stored_hash, password) or row is None or not row.active:
            return None
        if stored_hash is not None and self._passwords.needs_rehash(stored_hash):
            # Stronger parameters since this hash was made: upgrade it now we know the password.
            new_hash = self._passwords.hash(password)
            with self._writing() as session:
                current = session.get(UserRow, row.id)
                if current is not None and current.password_hash == stored_hash:
                    current.password_hash = new_hash
        return user_record(row)

    def set_password(self, username: str, password: str) -> None:
        """A new password; every signed-in session of the user ends."""
        password_hash = self._passwords.hash(password)
        with self._writing() as session:
            row = user_row(session, username)
            row.password_hash = password_hash
            end_sessions(session, row.id)

    def set_role(self, username: str, role: str) -> None:
        check_role(role)
        with self._writing() as session:
            user_row(session, username).role = role

    def deactivate_user(self, username: str) -> None:
        """Stop a user from logging in or using any of their API tokens or sessions."""
        with self._writing() as session:
            row = user_row(session, username)
            row.active = False
            end_sessions(session, row.id)

    def list_users(self) -> list[User]:
        with self._reading() as session:
            return [
                user_record(r) for r in session.scalars(select(UserRow).order_by(UserRow.username))
            ]

    # API tokens

    def create_token(self, username: str, *, label: str) -> tuple[ApiToken, str]:
        """A new API token for ``username``: its record and the plaintext, shown only now."""
        label = check_label(label)
        token = new_token()
        with self._writing() as session:
            user = user_row(session, username)
            if not user.active:
                raise UserError(f"user {username!r} is deactivated")
            row = ApiTokenRow(
                user=user, label=label, token_hash=hash_token(token), prefix=shown_prefix(token)
            )
            session.add(row)
            session.flush()
            return api_token(row), token

    def verify_token(self, token: str) -> User | None:
        """The user a valid token belongs to (and mark it used); None for any other string."""
        if not looks_like_token(token):
            return None
        token_hash = hash_token(token)
        # Looked up by its hash, so there is no comparison of secrets to time.
        query = select(ApiTokenRow.id).where(ApiTokenRow.token_hash == token_hash)
        with self._reading() as session:
            token_id = session.scalar(query)
        if token_id is None:
            return None  # guesses end here, without taking SQLite's write lock
        with self._reading() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None or row.revoked_at is not None or not row.user.active:
                return None
            user, last_used = user_record(row.user), row.last_used_at
        now = utcnow()
        if last_used is None or now - last_used >= LAST_USE_EVERY:
            with self._writing() as session:
                current = session.get(ApiTokenRow, token_id)
                if current is not None:
                    current.last_used_at = now
        return user

    def revoke_token(self, token_id: int) -> None:
        """Revoke a token for good; revoking it again changes nothing."""
        with self._writing() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None:
                raise UserError(f"no API token has id {token_id}")
            if row.revoked_at is None:
                row.revoked_at = utcnow()

    def list_tokens(self, username: str | None = None) -> list[ApiToken]:
        """Every token (revoked ones too), oldest first; only ``username``'s if given."""
        query = select(ApiTokenRow).order_by(ApiTokenRow.id)
        with self._reading() as session:
            if username is not None:
                query = query.where(ApiTokenRow.user_id == user_row(session, username).id)
            return [api_token(row) for row in session.scalars(query).unique()]


def open_store(url: str, *, password_hasher: PasswordHasher | None = None) -> SqlStore:
    """Migrate the database at ``url`` to the newest schema and return a store on it."""
    return SqlStore.open(url, password_hasher=password_hasher)


def _filtered(
    query: Q,
    urgency: str | None,
    since: datetime | None,
    until: datetime | None,
    owner: str | None,
    clinic: str | None = None,
) -> Q:
    if urgency is not None:
        if urgency not in URGENCY_LEVELS:
            raise StorageError(f"urgency {urgency!r}: expected one of {', '.join(URGENCY_LEVELS)}")
        query = query.where(AssessmentRow.urgency == urgency)
    if since is not None:
        query = query.where(AssessmentRow.created_at >= _aware("since", since))
    if until is not None:
        query = query.where(AssessmentRow.created_at < _aware("until", until))
    if owner is not None:
        owner_id = select(UserRow.id).where(UserRow.username == owner).scalar_subquery()
        query = query.where(AssessmentRow.owner_id == owner_id)
    if clinic is not None:
        clinic_id = select(ClinicRow.id).where(ClinicRow.name == clinic).scalar_subquery()
        query = query.where(AssessmentRow.clinic_id == clinic_id)
    return query


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise StorageError(f"{name}: give a timezone-aware datetime (UTC is stored)")
    return value
