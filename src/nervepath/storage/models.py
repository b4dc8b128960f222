"""The database tables (SQLAlchemy 2 declarative); ``migrations/`` creates the same schema."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    ForeignKey,
    Integer,
    MetaData,
    String,
    TypeDecorator,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

__all__ = [
    "AUDIT_ACTIONS",
    "ROLES",
    "ApiTokenRow",
    "AssessmentRow",
    "AuditRow",
    "Base",
    "ClinicRow",
    "UTCDateTime",
    "UserRow",
    "WebSessionRow",
    "new_assessment_id",
    "utcnow",
]

# Named constraints, so that a later migration can drop or alter them by name on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ASSESSMENT_ID_BYTES = 24
"""192 random bits: the id is the self-check link, so it must be as hard to guess as a key."""


def new_assessment_id() -> str:
    """A fresh assessment id: 32 URL-safe characters from the OS's secure random source."""
    return secrets.token_urlsafe(ASSESSMENT_ID_BYTES)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite has no time zones: it stores the UTC wall time and gets the zone back on reading.
    Naive datetimes are refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a naive datetime cannot be stored: give it a time zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


ROLES = ("admin", "clinician")
"""An admin also reads the audit log; both see the records of their own clinic only."""

AUDIT_ACTIONS = ("read", "create", "export", "delete", "list", "audit")


class ClinicRow(Base):
    __tablename__ = "clinics"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class UserRow(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'clinician')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    role: Mapped[str] = mapped_column(String(16), default="clinician", server_default="clinician")
    # Nullable only for SQLite's ADD COLUMN (migration 0003); every user has a clinic.
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"), index=True)

    clinic: Mapped[ClinicRow | None] = relationship(lazy="joined")


class AssessmentRow(Base):
    __tablename__ = "assessments"
    __table_args__ = (CheckConstraint("setting IN ('self_check', 'clinician')", name="setting"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True, default=new_assessment_id)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    setting: Mapped[str] = mapped_column(String(16))
    # Plain JSON, not JSONB: PostgreSQL's json keeps the document as written (key order, every
    # digit of every float), which is what a reproducible record needs; nothing queries inside
    # the documents, the fields we filter on are columns of their own.
    case: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    kb_version: Mapped[str] = mapped_column(String(64))
    kb_hash: Mapped[str] = mapped_column(String(128))
    urgency: Mapped[str] = mapped_column(String(16), index=True)
    top_site: Mapped[str | None] = mapped_column(String(128))
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    # The clinic a record belongs to: its author's, or the one its person shared it with by a
    # share code; None for a self-check nobody was given.
    clinic_id: Mapped[int | None] = mapped_column(ForeignKey("clinics.id"), index=True)
    # When an unsaved self-check is purged; None for a record kept (a clinician's, a shared
    # one, one its person chose to keep).
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    # The SHA-256 of the one live share code of a self-check, and when that code stops working.
    share_code_hash: Mapped[str | None] = mapped_column(String(64), index=True, unique=True)
    share_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    owner: Mapped[UserRow | None] = relationship(lazy="joined")
    clinic: Mapped[ClinicRow | None] = relationship(lazy="joined")


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100))
    # SHA-256, not argon2: a token is 256 random bits, so no dictionary or brute force can
    # reach it and a slow hash would only slow every API request. A fast, unsalted hash also
    # lets us find the token by an indexed lookup instead of trying every row.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[UserRow] = relationship(lazy="joined")


class WebSessionRow(Base):
    """A signed-in browser session. The cookie holds a random key; only its SHA-256 is kept,
    so a copy of the database signs no one in. Ending a session (sign-out, password change,
    deactivation, time-out) makes any copy of its cookie worthless."""

    __tablename__ = "web_sessions"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[UserRow] = relationship(lazy="joined")


class AuditRow(Base):
    """Who read, created, exported or deleted which record, and when. Append-only (database
    triggers refuse UPDATE and DELETE); no foreign keys, so a deleted record or user leaves its
    entries behind."""

    __tablename__ = "audit_log"
    __table_args__ = (
        CheckConstraint(
            "action IN ('read', 'create', 'export', 'delete', 'list', 'audit')", name="action"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    assessment_id: Mapped[str | None] = mapped_column(String(64), index=True)
    clinic: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(200), default="")
