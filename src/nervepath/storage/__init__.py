"""Stored assessments, users and API tokens, in SQLite or PostgreSQL (needs ``nervepath[web]``)."""

from __future__ import annotations

from nervepath.errors import AssessmentNotFound, StorageError, UserError
from nervepath.storage.base import ApiToken, AuditEntry, Store, StoredAssessment, User
from nervepath.storage.database import migrate
from nervepath.storage.sql import MAX_LIMIT, MAX_OFFSET, SqlStore, open_store

__all__ = [
    "MAX_LIMIT",
    "MAX_OFFSET",
    "ApiToken",
    "AssessmentNotFound",
    "AuditEntry",
    "SqlStore",
    "StorageError",
    "Store",
    "StoredAssessment",
    "User",
    "UserError",
    "migrate",
    "open_store",
]
