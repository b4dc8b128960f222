"""What a store promises its callers: the ``Store`` protocol and the frozen records it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

__all__ = ["ApiToken", "AuditEntry", "Store", "StoredAssessment", "User"]


@dataclass(frozen=True)
class StoredAssessment:
    """An assessment as it was stored: the case assessed and the assessment document.

    ``case`` is the case JSON ({setting, patient?, answers}) and ``result`` the assessment
    JSON (``Assessment.to_dict()``, so tuples come back as lists); assessing ``case`` again
    on the knowledge base ``kb_version`` / ``kb_hash`` gives ``result`` again.
    """

    id: str
    created_at: datetime
    updated_at: datetime
    setting: str
    case: dict[str, Any]
    result: dict[str, Any]
    kb_version: str
    kb_hash: str
    urgency: str
    top_site: str | None  # the most probable site instance (``l5_root_left``), if any
    owner: str | None  # username of the clinician who saved it; None for a self-check
    # The clinic it belongs to: its author's, or the one a self-check was shared with.
    clinic: str | None = None
    expires_at: datetime | None = None  # when an unsaved self-check goes; None: kept
    share_code_expires_at: datetime | None = None  # until when its live share code works

    @property
    def shared(self) -> bool:
        """A self-check its person handed to a clinic by a share code."""
        return self.owner is None and self.clinic is not None


@dataclass(frozen=True)
class User:
    id: int
    username: str
    created_at: datetime
    active: bool
    role: str = "clinician"  # "admin" or "clinician"
    clinic: str = "default"

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class AuditEntry:
    """One line of the append-only audit log."""

    id: int
    at: datetime
    actor: str  # a username, or "patient-link" for a self-check opened by its link
    action: str  # read, create, export, delete, list, audit
    assessment_id: str | None
    clinic: str | None
    detail: str


@dataclass(frozen=True)
class ApiToken:
    """An API token without its secret: the plaintext is shown once, when it is created."""

    id: int
    username: str
    label: str
    prefix: str  # the first characters of the token, to tell tokens apart in a list
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class Store(Protocol):
    """Stored assessments, users and API tokens; safe to share between threads.

    Datetimes are timezone-aware UTC; ``since`` is inclusive and ``until`` exclusive.
    Errors are ``StorageError`` subclasses: ``AssessmentNotFound``, ``UserError``.
    """

    def add_assessment(
        self,
        *,
        case: Mapping[str, Any],
        result: Mapping[str, Any],
        owner: str | None = None,
        expires_at: datetime | None = None,
        audit: str | None = None,
    ) -> StoredAssessment:
        """Store ``result`` (``Assessment.to_dict()``) with the ``case`` it assessed.

        Setting, urgency, knowledge-base version and hash and the top site are read from
        ``result``; ``owner`` is the username of the clinician saving it (``UserError`` if
        there is no such user). An anonymous self-check is deleted after ``expires_at``
        (``purge_expired``) unless kept or shared; a record with an owner never expires.
        A result missing a key, or not JSON, is a ``StorageError`` and nothing is stored.
        ``audit`` (an owner's record only): the detail of its ``create`` line in the audit log
        (``"api POST"``), written in the same transaction, so the two land together.
        """
        ...

    def get_assessment(self, id: str) -> StoredAssessment:
        """The assessment with this id; ``AssessmentNotFound`` if there is none, or if it
        is a self-check past its expiry (purged or not yet)."""
        ...

    def create_share_code(
        self, id: str, *, lifetime: timedelta, now: datetime | None = None
    ) -> tuple[str, datetime]:
        """A new share code for an unshared self-check, and when it stops working; it
        replaces any earlier code, and the record lasts at least as long as the code.
        ``AssessmentNotFound`` for anything but a live anonymous self-check; a
        ``StorageError`` if it is already shared."""
        ...

    def redeem_share_code(
        self, code: str, *, username: str, detail: str = "", now: datetime | None = None
    ) -> StoredAssessment:
        """Attach the self-check this code opens to ``username``'s clinic, for good: the code
        is used up and the record no longer expires. Every try is an audit line; a wrong,
        used or expired code is ``ShareCodeRefused`` (the same for each), and so is any code
        after ``MAX_WRONG_SHARE_CODES`` wrong ones by this user within the last hour."""
        ...

    def keep_assessment(self, id: str) -> StoredAssessment:
        """Keep a live anonymous self-check: it no longer expires."""
        ...

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete every self-check past its expiry (an audit line each) and forget dead share
        codes; the number deleted."""
        ...

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
        """Assessments, newest first, filtered; ``limit`` 1 to 1000 (``StorageError`` beyond)."""
        ...

    def count_assessments(
        self,
        *,
        urgency: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
        clinic: str | None = None,
    ) -> int: ...

    def delete_assessment(self, id: str) -> None:
        """Delete for good; ``AssessmentNotFound`` if there is no such assessment."""
        ...

    def create_user(
        self, username: str, password: str, *, role: str = "clinician", clinic: str = "default"
    ) -> User:
        """A new active user of ``clinic`` (created if new) with ``role`` (admin or
        clinician); ``UserError`` for a taken or invalid name, role or clinic, or a short
        password. Usernames and clinics: 3 to 64 characters from ``a-z 0-9 _ . -``;
        passwords: 12 or more.
        """
        ...

    def set_role(self, username: str, role: str) -> None: ...

    def record_event(
        self,
        actor: str,
        action: str,
        *,
        assessment_id: str | None = None,
        clinic: str | None = None,
        detail: str = "",
    ) -> None:
        """Append one line to the audit log (it can never be changed or removed)."""
        ...

    def list_events(
        self, *, clinic: str | None = None, limit: int = 100, offset: int = 0
    ) -> list[AuditEntry]:
        """Audit-log lines, newest first; only ``clinic``'s if given."""
        ...

    def authenticate(self, username: str, password: str) -> User | None:
        """The active user with this password, else None (never an error)."""
        ...

    def set_password(self, username: str, password: str) -> None: ...

    def deactivate_user(self, username: str) -> None: ...

    def list_users(self) -> list[User]: ...

    def create_token(self, username: str, *, label: str) -> tuple[ApiToken, str]:
        """A new API token: its record and its plaintext (``np_…``), which is never kept."""
        ...

    def verify_token(self, token: str) -> User | None:
        """The active user of a valid, unrevoked token (marking it used), else None."""
        ...

    def revoke_token(self, token_id: int) -> None: ...

    def list_tokens(self, username: str | None = None) -> list[ApiToken]: ...

    def start_session(self, username: str) -> str:
        """A signed-in session for an active user: the key its cookie carries."""
        ...

    def session_user(
        self, key: str, *, idle: timedelta, lifetime: timedelta, now: datetime | None = None
    ) -> User | None:
        """The user of a live session (not ended, not idle past ``idle``, not older than
        ``lifetime``, user active); None otherwise."""
        ...

    def end_session(self, key: str) -> None:
        """End a session: its cookie signs no one in again."""
        ...

    def close(self) -> None: ...
