"""The anatomy's wiring: which nerves are branches of which, and which roots and nerves give a
quality in a region."""

from __future__ import annotations

from collections.abc import Iterable

from nervepath.knowledge import schema

__all__ = ["nerve_descendants", "supply_of"]


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


def supply_of(
    region: schema.Region, supply: str, muscles: dict[str, schema.Muscle]
) -> tuple[set[str], set[str], set[str], tuple[str, str, str]]:
    """The roots that give a quality in the region at the core and variable rate, the nerves
    that give it, and words for each. Weakness is felt where the weak muscles are, so it
    comes from their roots and nerves; a feeling in the skin from the skin's."""
    if supply == "muscles":
        felt = [muscles[m] for m in region.muscles if m in muscles]
        return (
            {r for m in felt for r in m.roots_primary},
            {r for m in felt for r in m.roots_secondary},
            {m.nerve for m in felt},
            (
                "primary root {} of the muscles felt in",
                "secondary root {} of the muscles felt in",
                "nerve {} of the muscles felt in",
            ),
        )
    return (
        set(region.roots_core),
        set(region.roots_variable),
        set(region.nerves),
        ("core root {} supplies", "variable-zone root {} supplies", "nerve {} supplies"),
    )
