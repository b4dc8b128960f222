"""The nerve tree of the anatomy: which nerves are branches of which."""

from __future__ import annotations

from collections.abc import Iterable

from nervepath.knowledge import schema

__all__ = ["nerve_descendants"]


def nerve_descendants(nerves: Iterable[schema.Nerve]) -> dict[str, frozenset[str]]:
    """Each nerve with all its branches (itself included)."""
    children: dict[str, list[str]] = {}
    nerves = list(nerves)
    for nerve in nerves:
        if nerve.branch_of is not None:
            children.setdefault(nerve.branch_of, []).append(nerve.id)
    out: dict[str, frozenset[str]] = {}
    for nerve in nerves:
        seen, stack = {nerve.id}, [nerve.id]
        while stack:
            for child in children.get(stack.pop(), []):
                if child not in seen:
                    seen.add(child)
                    stack.append(child)
        out[nerve.id] = frozenset(seen)
    return out
