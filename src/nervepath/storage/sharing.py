"""Self-checks that expire unless kept, and share codes that hand one to a clinic.

A mixin of ``SqlStore`` (which provides ``_reading`` and ``_writing``), like ``access.py``.

A share code is 10 characters of Crockford's base32 (digits and capitals without I, L, O, U,
so it reads aloud and types without confusion; O and I/L typed by mistake count as 0 and 1):
32¹⁰ ≈ 1.1 × 10¹⁵ codes, 50 bits. Only its SHA-256 is kept, and it is looked up by that hash
(no comparison of secrets to time). Guessing needs a signed-in clinician's account, and each
account gets ``MAX_WRONG_SHARE_CODES`` wrong codes an hour, every one an audit line: 100
accounts guessing without pause for a code's whole 7 days make 168,000 tries, which with
10,000 live codes at once find one with a chance of 1.5 × 10⁻⁶.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from nervepath.errors import AssessmentNotFound, ShareCodeRefused, StorageError
from nervepath.storage.access import user_row
from nervepath.storage.base import StoredAssessment
from nervepath.storage.models import AssessmentRow, AuditRow, utcnow
from nervepath.storage.records import stored_assessment

__all__ = [
    "MAX_WRONG_SHARE_CODES",
    "SHARE_CODE_ALPHABET",
    "SHARE_CODE_LENGTH",
    "SharingTables",
    "is_expired",
    "normalised_share_code",
    "shown_share_code",
]

SHARE_CODE_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SHARE_CODE_LENGTH: Final = 10
MAX_WRONG_SHARE_CODES: Final = 10
"""Wrong share codes one account may enter in an hour; after that every code is refused."""
WRONG_CODE_WINDOW: Final = timedelta(hours=1)
REFUSED: Final = "share code refused"
"""The end of a refused try's audit line: the rate limit counts these."""
PURGE_ACTOR: Final = "expiry"
PURGE_BATCH: Final = 500

_TYPED_FOR = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")


def new_share_code() -> str:
    return "".join(secrets.choice(SHARE_CODE_ALPHABET) for _ in range(SHARE_CODE_LENGTH))


def shown_share_code(code: str) -> str:
    """``K7M2Q9XH4T`` → ``K7M2Q-9XH4T``: two groups of five are easier to read out."""
    half = SHARE_CODE_LENGTH // 2
    return f"{code[:half]}-{code[half:]}"


def normalised_share_code(typed: str) -> str | None:
    """The code as typed (any case, spaces or dashes, O for 0, I or L for 1), or None if it
    cannot be a code at all."""
    code = _SEPARATORS.sub("", typed).upper().translate(_TYPED_FOR)
    if len(code) != SHARE_CODE_LENGTH or any(c not in SHARE_CODE_ALPHABET for c in code):
        return None
    return code


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def _anonymous() -> list[ColumnElement[bool]]:
    """A self-check nobody has: no author, no clinic."""
    return [AssessmentRow.owner_id.is_(None), AssessmentRow.clinic_id.is_(None)]


class SharingTables:
    """Expiry, keeping and sharing of anonymous self-checks, over the store's sessions."""

    def _reading(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def _writing(self) -> AbstractContextManager[Session]:
        raise NotImplementedError

    def create_share_code(
        self, id: str, *, lifetime: timedelta, now: datetime | None = None
    ) -> tuple[str, datetime]:
        now = now or utcnow()
        code = new_share_code()
        until = now + lifetime
        with self._writing() as session:
            row = _live_self_check(session, id, now)
            if row.clinic_id is not None:
                raise StorageError("this self-check is already shared with a clinic")
            row.share_code_hash = _hash(code)
            row.share_code_expires_at = until
            if row.expires_at is not None and row.expires_at < until:
                row.expires_at = until  # the code must not outlive what it opens
        return code, until

    def redeem_share_code(
        self, code: str, *, username: str, detail: str = "", now: datetime | None = None
    ) -> StoredAssessment:
        now = now or utcnow()
        normalised = normalised_share_code(code)
        with self._writing() as session:
            user = user_row(session, username)
            clinic = user.clinic.name if user.clinic is not None else None
            if _wrong_tries(session, username, now - WRONG_CODE_WINDOW) >= MAX_WRONG_SHARE_CODES:
                raise ShareCodeRefused(too_many=True)
            row = None
            if normalised is not None:
                row = session.scalar(
                    select(AssessmentRow).where(
                        AssessmentRow.share_code_hash == _hash(normalised), *_anonymous()
                    )
                )
            if row is not None and _opens(row, now):
                row.clinic = user.clinic
                row.share_code_hash = None
                row.share_code_expires_at = None
                row.expires_at = None  # shared into a clinic: saved
                session.add(
                    AuditRow(
                        actor=username,
                        action="create",
                        assessment_id=row.id,
                        clinic=clinic,
                        detail=f"{detail} shared by its person's code".strip()[:200],
                    )
                )
                session.flush()
                return stored_assessment(row)
        # Outside the failed transaction's scope, so that the line stays.
        with self._writing() as session:
            session.add(
                AuditRow(
                    actor=username,
                    action="read",
                    clinic=clinic,
                    detail=f"{detail} {REFUSED}".strip()[:200],
                )
            )
        raise ShareCodeRefused()

    def keep_assessment(self, id: str) -> StoredAssessment:
        with self._writing() as session:
            row = _live_self_check(session, id, utcnow())
            row.expires_at = None
            session.flush()
            return stored_assessment(row)

    def purge_expired(self, *, now: datetime | None = None) -> int:
        """Delete expired self-checks in batches, each batch one transaction with its audit
        lines (a crash leaves no deletion unlogged)."""
        now = now or utcnow()
        query = select(AssessmentRow.id).where(AssessmentRow.expires_at <= now, *_anonymous())
        purged = 0
        while True:
            with self._writing() as session:
                ids = list(session.scalars(query.limit(PURGE_BATCH)))
                if not ids:
                    break
                session.execute(delete(AssessmentRow).where(AssessmentRow.id.in_(ids)))
                session.add_all(
                    AuditRow(
                        actor=PURGE_ACTOR,
                        action="delete",
                        assessment_id=i,
                        detail="an unsaved self-check past its expiry",
                    )
                    for i in ids
                )
            purged += len(ids)
        with self._writing() as session:
            session.execute(
                update(AssessmentRow)
                .where(AssessmentRow.share_code_expires_at <= now)
                .values(share_code_hash=None, share_code_expires_at=None)
            )
        return purged


def is_expired(row: AssessmentRow, now: datetime) -> bool:
    return row.expires_at is not None and row.expires_at <= now


def _opens(row: AssessmentRow, now: datetime) -> bool:
    until = row.share_code_expires_at
    return until is not None and until > now and not is_expired(row, now)


def _live_self_check(session: Session, id: str, now: datetime) -> AssessmentRow:
    """An anonymous self-check not past its expiry; ``AssessmentNotFound`` otherwise."""
    row = session.get(AssessmentRow, id)
    if row is None or row.owner_id is not None or is_expired(row, now):
        raise AssessmentNotFound(id)
    return row


def _wrong_tries(session: Session, username: str, since: datetime) -> int:
    query = (
        select(func.count())
        .select_from(AuditRow)
        .where(AuditRow.actor == username, AuditRow.at >= since, AuditRow.detail.endswith(REFUSED))
    )
    return session.scalar(query) or 0
