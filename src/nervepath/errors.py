"""The one exception tree of nervepath; the CLI and web doors translate it at the edge.

NervepathError
├── KnowledgeBaseError      the knowledge base does not load or is inconsistent
│                           (.problems lists every problem found, not just the first)
├── CaseError               a case (answers) that cannot be assessed: unknown ids,
│                           impossible grades; the message names the nearest valid ones
└── StorageError            the database cannot be opened or migrated, or a record cannot be
    │                       stored or read as asked (bad filter, a result missing a key…)
    ├── AssessmentNotFound  no stored assessment has this id (.id)
    ├── ShareCodeRefused    a share code that opens nothing (mistyped, used, expired: one
    │                       answer for all), or too many wrong codes lately (.too_many)
    └── UserError           a user or API token that cannot be created or changed: invalid
                            username or password, duplicate username, unknown user or token
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AssessmentNotFound",
    "CaseError",
    "KnowledgeBaseError",
    "NervepathError",
    "ShareCodeRefused",
    "StorageError",
    "UserError",
]


class NervepathError(Exception):
    """Base of every error nervepath raises on purpose."""


class KnowledgeBaseError(NervepathError):
    """The knowledge base has problems; ``problems`` holds one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        super().__init__(
            f"the knowledge base has {count} problem{'s' if count != 1 else ''}:\n"
            + "\n".join(f"  {p}" for p in self.problems)
        )


class CaseError(NervepathError):
    """A case that cannot be assessed as given."""


class StorageError(NervepathError):
    """The database cannot be used as asked; the message never holds health data."""


class AssessmentNotFound(StorageError):
    """No stored assessment has this id (it never existed, or it was deleted)."""

    def __init__(self, assessment_id: str) -> None:
        self.id = assessment_id
        super().__init__(f"no stored assessment has id {assessment_id!r}")


class ShareCodeRefused(StorageError):
    """A share code that opens no self-check; the message never says whether one exists."""

    def __init__(self, *, too_many: bool = False) -> None:
        self.too_many = too_many
        super().__init__(
            "too many wrong share codes in the last hour; try again later"
            if too_many
            else "no self-check can be opened with this share code (a code works once, "
            "until it expires)"
        )


class UserError(StorageError):
    """A user or API token that cannot be created, found or changed as asked."""
