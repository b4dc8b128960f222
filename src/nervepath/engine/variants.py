"""Variants of one problem on its junction tree, propagated through the cliques they change.

A batch of *variants* of a *base* problem, each changing a few factors (the origin groups'
rows of :mod:`nervepath.engine.causation` silence one family), need not each run a whole
propagation. A clique's collect message (:mod:`nervepath.engine.junction`) is a function of
the factors in its subtree alone, so a variant changes only the messages of the cliques
holding a factor it changes and of their ancestors, its *dirty* cliques; every other
message it receives is the base's. The base is collected once (:func:`collect_base`); then
each clique is computed, batched, for the variants dirty there (:func:`collect_variants`),
its clean children's messages taken from the base. A variant's mass ``Z`` is the product of
its dirty cliques' scales and the base's others (in the careful pass, which rescales every
message, each clique's scale; otherwise the roots' masses). Where a variant needs
``P(x = 1, variant)``, it holds ``x`` present (``λ_x(0) = 0`` in its home clique) and reads
its mass, instead of distributing down to ``x``: no second pass. Each dirty clique does what
:func:`.junction.propagate`'s collect pass does for it, in the same order, so masses equal a
full pass's to rounding; the work per variant is its dirty part of the tree instead of all
of it (about half on the dense clinical vignettes, whose largest clique is often a root).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.configurations import configuration_index
from nervepath.engine.junction import (
    _INDEX_LIMIT,
    _TINY,
    JunctionTree,
    _initial,
    _safe,
    _sum_rows,
    home_factors,
)

__all__ = [
    "Base",
    "Change",
    "collect_base",
    "collect_variants",
    "dirty_cliques",
    "homes_of",
]

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]

Change = tuple[tuple[int, ...], FloatArray]
"""A clique's static table changed by some variants: those variants (ascending) and the
table for them, shaped like the base's with their ``B0`` columns each on the batch axis."""


@dataclass(frozen=True, slots=True, eq=False)
class Base:
    """The base problem's collect pass over ``B0`` columns: ``sent[k]``, clique ``k``'s
    message as multiplied into its parent (rescaled to sum 1 in the careful pass), and
    ``log_scales[k]``, the log of its scale (0 for none)."""

    sent: tuple[FloatArray | None, ...]
    log_scales: FloatArray
    careful: bool


def homes_of(tree: JunctionTree) -> dict[int, int]:
    """Variable id → its home clique."""
    return {v: k for k, homes in enumerate(tree.homes) for v in homes}


def dirty_cliques(tree: JunctionTree, changed: Iterable[int]) -> tuple[int, ...]:
    """The cliques ``changed`` and their ancestors, ascending (collect order)."""
    dirty: set[int] = set()
    for k in changed:
        while k >= 0 and k not in dirty:
            dirty.add(k)
            k = tree.parents[k]
    return tuple(sorted(dirty))


def collect_base(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    *,
    careful: bool,
) -> Base | None:
    """The collect pass of the base problem (``log_unary``: ``(B0, n)``); ``None`` where the
    fast pass (``careful`` false) must be redone carefully, as in :func:`.junction.propagate`."""
    every = tuple(range(len(tree.cliques)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        done = _collect(
            tree, static, [None] * len(every), log_unary, [every], [None], None, careful
        )
    if done is None:
        return None
    sent, log_scales = done
    return Base(sent=tuple(sent), log_scales=log_scales, careful=careful)


def collect_variants(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    changes: Sequence[Change | None],
    log_unary: FloatArray,
    base: Base,
    dirty: Sequence[Sequence[int]],
    present: Sequence[int | None],
) -> FloatArray | None:
    """``log Z`` (``(V, B0)``) of ``V`` variants of ``base``: ``log_unary`` ``(V · B0, n)``,
    variant ``i`` in rows ``i · B0 …``; ``static`` the base's tables and ``changes[k]``
    clique ``k``'s for the variants that change it; ``dirty[i]``, variant ``i``'s dirty
    cliques (:func:`dirty_cliques`: the cliques whose factors it changes, with the home of
    ``present[i]``, and their ancestors); ``present[i]`` a variable it holds present, or
    ``None``. ``None`` where the fast pass fails: redo the variants on a careful base."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        done = _collect(tree, static, changes, log_unary, dirty, present, base, base.careful)
    if done is None:
        return None
    log_z: FloatArray = done[1].sum(axis=0).reshape(len(dirty), -1)
    return log_z


def _columns(slots: Sequence[int], b0: int) -> IndexArray:
    """The batch columns of the variants in ``slots``: ``b0`` each, consecutive."""
    return (np.asarray(slots, dtype=np.intp)[:, None] * b0 + np.arange(b0)).reshape(-1)


def _collect(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    changes: Sequence[Change | None],
    log_unary: FloatArray,
    dirty: Sequence[Sequence[int]],
    present: Sequence[int | None],
    base: Base | None,
    careful: bool,
) -> tuple[list[FloatArray | None], FloatArray] | None:
    n = len(tree.cliques)
    parents = tree.parents
    sizes = [len(clique) for clique in tree.cliques]
    b0 = log_unary.shape[0] // len(dirty)
    who: list[list[int]] = [[] for _ in range(n)]  # the variants dirty at each clique
    for i, cliques in enumerate(dirty):
        for k in cliques:
            who[k].append(i)
    children: list[list[int]] = [[] for _ in range(n)]
    for k, p in enumerate(parents):
        if p >= 0:
            children[p].append(k)
    held: list[list[tuple[int, int]]] = [[] for _ in range(n)]  # (variant, home position)
    homes = homes_of(tree)
    for i, v in enumerate(present):
        if v is not None:
            held[homes[v]].append((i, tree.homes[homes[v]].index(v)))
    columns = log_unary.T[tree.home_variables]
    starts = np.cumsum([0, *tree.n_homes])
    if base is None:
        log_scales = np.zeros((n, log_unary.shape[0]))
    else:
        log_scales = np.tile(base.log_scales, (1, len(dirty)))
    sent: list[FloatArray | None] = [None] * n
    for k in range(n):
        if not who[k]:
            continue
        cols = _columns(who[k], b0)
        m = len(cols)
        h = tree.n_homes[k]
        slot = {i: s for s, i in enumerate(who[k])}
        # 1. The clique's table: its homes' unary factors (a variant's held node at 1 only),
        #    the static tables (the variants' own where they change them), the children's
        #    messages (the base's from a clean child).
        lam = home_factors(columns[starts[k] : starts[k] + h].take(cols, axis=1), h)
        for i, j in held[k]:
            grid = lam.reshape(1 << j, 2, -1, m)
            grid[:, 0, :, slot[i] * b0 : (slot[i] + 1) * b0] = 0.0
        table = static[k]
        change = changes[k]
        if change is not None:
            assert table is not None
            table = np.repeat(table, m, axis=-1)
            table[..., _columns([slot[i] for i in change[0]], b0)] = change[1]
        pot = _initial(table, lam, tree.shapes[k], h, m)
        for c in children[k]:
            if base is None:
                incoming = sent[c]
            else:
                clean = base.sent[c]
                assert clean is not None
                incoming = np.tile(clean, (1, len(who[k])))
                if who[c]:
                    incoming[:, _columns([slot[i] for i in who[c]], b0)] = sent[c]
            assert incoming is not None
            if sizes[k] <= _INDEX_LIMIT:
                pot *= incoming.take(configuration_index(sizes[k], tree.sep_positions[c]), axis=0)
            else:
                grown = pot.reshape((*tree.shapes[k], m))
                grown *= incoming.reshape((*tree.up_shapes[c], m))
        # 2. Its message to its parent (rescaled in the careful pass), or the root's mass.
        if parents[k] < 0:
            total = _sum_rows(pot)
            if not careful and not (total > _TINY).all():
                return None
            log_scales[k, cols] = np.log(total)
        else:
            message = _sum_rows(pot.reshape(1 << h, -1)).reshape(-1, m)
            if careful:
                total = _sum_rows(message)
                log_scales[k, cols] = np.log(total)
                message = message / _safe(total)
            sent[k] = message
    return sent, log_scales
