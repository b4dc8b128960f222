"""The one exception tree of nervepath; the CLI and web doors translate it at the edge.

NervepathError
├── KnowledgeBaseError      the knowledge base does not load or is inconsistent
│                           (.problems lists every problem found, not just the first)
└── CaseError               a case (answers) that cannot be assessed: unknown ids,
                            impossible grades; the message names the nearest valid ones
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["CaseError", "KnowledgeBaseError", "NervepathError"]


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
