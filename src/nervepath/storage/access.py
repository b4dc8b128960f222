"""The access tables of the SQL store: signed-in web sessions and the append-only audit log.

A mixin of ``SqlStore`` (which provides ``_reading`` and ``_writing``): its own module so that
sql.py keeps the records, users and tokens, and this one who is signed in and who did what.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from nervepath.errors import StorageError, UserError
from nervepath.storage.accounts import hash_token, looks_like_token, new_token
from nervepath.storage.base import AuditEntry, User
from nervepath.storage.models import AUDIT_ACTIONS, AuditRow, UserRow, WebSessionRow, utcnow
from nervepath.storage.records import audit_entry, user_record

__all__ = [
    "LAST_USE_EVERY",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "AccessTables",
    "audit_row",
    "check_page",
    "end_sessions",
    "find_user",
    "user_row",
]

MAX_LIMIT: Final = 1000
"""The most rows one listing returns; page with ``offset``."""

MAX_OFFSET: Final = 1_000_000_000
"""Past any real table; a bigger offset would overflow SQLite's 64-bit integers."""

LAST_USE_EVERY: Final = timedelta(minutes=1)
"""A token's or session's last use is written at most this often: a read must not take
SQLite's write lock on every request."""


class AccessTables:
    """Web sessions and the audit log, over the store's sessions."""

    def _reading(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def _writing(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    # The audit log

    def record_event(
        self,
        actor: str,
        action: str,
        *,
        assessment_id: str | None = None,
        clinic: str | None = None,
        detail: str = "",
    ) -> None:
        row = audit_row(actor, action, assessment_id=assessment_id, clinic=clinic, detail=detail)
        with self._writing() as session:
            session.add(row)

    def list_events(
        self, *, clinic: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        check_page(limit, offset)
        query = select(AuditRow).order_by(AuditRow.id.desc())
        if clinic is not None:
            query = query.where(AuditRow.clinic == clinic)
        with self._reading() as session:
            return [audit_entry(r) for r in session.scalars(query.limit(limit).offset(offset))]

    # Web sessions

    def start_session(self, username: str) -> str:
        """A new signed-in session for an active user: the key for its cookie (kept hashed)."""
        key = new_token()
        with self._writing() as session:
            user = user_row(session, username)
            if not user.active:
                raise UserError(f"user {username!r} is deactivated")
            session.add(WebSessionRow(key_hash=hash_token(key), user=user))
        return key

    def session_user(
        self,
        key: str,
        *,
        idle: timedelta,
        lifetime: timedelta,
        now: datetime | None = None,
    ) -> User | None:
        """The active user of a live session: not ended, used within ``idle``, begun within
        ``lifetime``; None otherwise (and a timed-out session is ended for good)."""
        if not looks_like_token(key):
            return None
        now = now or utcnow()
        with self._reading() as session:
            row = session.get(WebSessionRow, hash_token(key))
            if row is None or row.ended_at is not None:
                return None
            user, active = user_record(row.user), row.user.active
            last_seen, created = row.last_seen_at, row.created_at
        expired = now - last_seen > idle or now - created > lifetime or not active
        if expired or now - last_seen >= LAST_USE_EVERY:
            with self._writing() as session:
                current = session.get(WebSessionRow, hash_token(key))
                if current is not None and current.ended_at is None:
                    if expired:
                        current.ended_at = now
                    else:
                        current.last_seen_at = now
        return None if expired else user

    def end_session(self, key: str) -> None:
        """Sign a session out; an unknown or ended key changes nothing."""
        if not looks_like_token(key):
            return
        with self._writing() as session:
            row = session.get(WebSessionRow, hash_token(key))
            if row is not None and row.ended_at is None:
                row.ended_at = utcnow()


def audit_row(
    actor: str, action: str, *, assessment_id: str | None, clinic: str | None, detail: str
) -> AuditRow:
    """One audit-log line, checked (long texts cut to their columns)."""
    if action not in AUDIT_ACTIONS:
        raise StorageError(f"audit action {action!r}: expected one of {', '.join(AUDIT_ACTIONS)}")
    return AuditRow(
        actor=actor[:64],
        action=action,
        assessment_id=assessment_id,
        clinic=clinic,
        detail=detail[:200],
    )


def end_sessions(session: Session, user_id: int) -> None:
    now = utcnow()
    rows = session.scalars(
        select(WebSessionRow).where(
            WebSessionRow.user_id == user_id, WebSessionRow.ended_at.is_(None)
        )
    )
    for row in rows.unique():
        row.ended_at = now


def check_page(limit: int, offset: int) -> None:
    """A page of a listing: ``limit`` 1 to ``MAX_LIMIT``, ``offset`` 0 to ``MAX_OFFSET``."""
    if not 1 <= limit <= MAX_LIMIT:
        raise StorageError(f"limit {limit}: expected 1 to {MAX_LIMIT}")
    if not 0 <= offset <= MAX_OFFSET:
        raise StorageError(f"offset {offset}: expected 0 to {MAX_OFFSET}")


def find_user(session: Session, username: str) -> UserRow | None:
    return session.scalar(select(UserRow).where(UserRow.username == username))


def user_row(session: Session, username: str) -> UserRow:
    """The row of ``username``; ``UserError`` if there is none."""
    row = find_user(session, username)
    if row is None:
        raise UserError(f"no user {username!r}")
    return row
