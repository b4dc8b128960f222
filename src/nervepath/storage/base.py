"""What a store promises its callers: the ``Store`` protocol and the frozen records it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

__all__ = ["ApiToken", "Store", "StoredAssessment", "User"]


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


@dataclass(frozen=True)
class User:
    id: int
    username: str
    created_at: datetime
    active: bool


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
    ) -> StoredAssessment:
        """Store ``result`` (``Assessment.to_dict()``) with the ``case`` it assessed.

        Setting, urgency, knowledge-base version and hash and the top site are read from
        ``result``; ``owner`` is the username of the clinician saving it (``UserError`` if
        there is no such user). A result missing a key, or not JSON, is a ``StorageError``
        and nothing is stored.
        """
        ...

    def get_assessment(self, id: str) -> StoredAssessment:
        """The assessment with this id; ``AssessmentNotFound`` if there is none."""
        ...

    def list_assessments(
        self,
        *,
        urgency: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        owner: str | None = None,
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
    ) -> int: ...

    def delete_assessment(self, id: str) -> None:
        """Delete for good; ``AssessmentNotFound`` if there is no such assessment."""
        ...

    def create_user(self, username: str, password: str) -> User:
        """A new active user; ``UserError`` for a taken or invalid name or a short password.

        Usernames: 3 to 64 characters from ``a-z 0-9 _ . -``; passwords: 12 or more.
        """
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

    def close(self) -> None: ...
