"""Stored assessments, users and API tokens, in SQLite or PostgreSQL (needs ``nervepath[web]``)."""

from __future__ import annotations

from nervepath.errors import AssessmentNotFound, StorageError, UserError
from nervepath.storage.base import ApiToken, Store, StoredAssessment, User
from nervepath.storage.database import migrate
from nervepath.storage.sql import SqlStore, open_store

__all__ = [
    "ApiToken",
    "AssessmentNotFound",
    "SqlStore",
    "StorageError",
    "Store",
    "StoredAssessment",
    "User",
    "UserError",
    "migrate",
    "open_store",
]
