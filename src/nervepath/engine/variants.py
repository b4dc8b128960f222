"""Variants of one problem on its junction tree, propagated through the least subtree they change.

A batch of *variants* of a *base* problem, each changing a few factors (the origin groups'
rows of :mod:`nervepath.engine.causation` silence one family), need not each run a whole
propagation. A clique's collect message ``μ_k`` (:mod:`nervepath.engine.junction`) is a
function of the factors in its subtree alone, and its Shafer–Shenoy message from its parent,
``D_k = Σ_{C_p∖S_k} ψ_p · D_p · ∏_{siblings c} μ_c`` (Shafer & Shenoy 1990), of the factors
outside that subtree alone. A variant that changes the cliques ``K`` therefore changes only
the messages inside the least subtree joining ``K`` (:func:`dirty_cliques`: ``K`` and the
cliques on the paths between them, up to their lowest common ancestor ``t``, its *top*), and
its mass is ``Z' = Σ_{S_t} μ'_t · D_t``: ``μ'_t`` recomputed through that subtree, every
message coming into it from below the base's ``μ``, and ``D_t`` the base's (1 at a root).

The base is collected once, with ``D_t`` for every top the variants need, computed down the
paths from the roots without dividing by ``μ_t`` (:func:`collect_base`), so a variant whose
``μ'_t`` is not 0 where the base's is still gets its mass. Then each clique is computed,
batched, for the variants dirty there (:func:`collect_variants`). Logs of scales: a variant's
``log Z`` is the base's scales, with its dirty cliques' own and, at its top, ``log Σ μ'_t D_t``
plus ``D_t``'s scale less the base's scales of the cliques outside ``t``'s subtree. Where a
variant needs ``P(x = 1, variant)``, it holds ``x`` present (``λ_x(0) = 0`` in its home
clique) and reads its mass, instead of distributing down to ``x``: no second pass. Each dirty
clique does what :func:`.junction.propagate`'s collect pass does for it, in the same order, so
masses equal a full pass's to rounding; the work per variant is its least subtree (about a
fifth of the tree's entries on the clinical vignettes and a quarter on dense clinician cases,
against two fifths and a half with every ancestor up to the root).

Longer than the house style's ~400 lines on purpose: the base's collect (:func:`collect_base`,
or :func:`base_of` from a propagation that kept its messages) and the variants' batched
collect share one message algebra and its careful-scale rules; split apart, each half would
restate them.
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
    Propagation,
    _initial,
    _safe,
    _scale_trailing,
    _sum_rows,
    home_factors,
    separator_marginal,
)

__all__ = [
    "Base",
    "Change",
    "base_of",
    "collect_base",
    "collect_variants",
    "dirty_cliques",
    "homes_of",
    "tops_of",
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
    ``log_scales[k]``, the log of its scale (0 for none); and for each top ``t`` asked for,
    ``down[t]``, its Shafer–Shenoy message from its parent (rescaled to sum 1 in the careful
    pass), ``log_down[t]`` the log of its scale and ``outside[t]`` the cliques of its tree
    outside ``t``'s subtree, whose scales ``log_down[t]`` replaces."""

    sent: tuple[FloatArray | None, ...]
    log_scales: FloatArray
    careful: bool
    down: dict[int, FloatArray]
    log_down: dict[int, FloatArray]
    outside: dict[int, IndexArray]


def homes_of(tree: JunctionTree) -> dict[int, int]:
    """Variable id → its home clique."""
    return {v: k for k, homes in enumerate(tree.homes) for v in homes}


def dirty_cliques(tree: JunctionTree, changed: Iterable[int]) -> tuple[int, ...]:
    """The least subtree (in each tree of the forest) that holds the cliques ``changed``: they
    and the cliques on the paths between them, ascending (collect order)."""
    paths: dict[int, list[list[int]]] = {}  # root → a path up from each changed clique
    for k in set(changed):
        path = [k]
        while tree.parents[path[-1]] >= 0:
            path.append(tree.parents[path[-1]])
        paths.setdefault(path[-1], []).append(path)
    dirty: set[int] = set()
    for found in paths.values():
        # Their lowest common ancestor: the smallest (the deepest) clique on every path.
        top = min(set(found[0]).intersection(*found[1:]))
        for path in found:
            dirty.update(path[: path.index(top) + 1])
    return tuple(sorted(dirty))


def tops_of(tree: JunctionTree, dirty: Iterable[Sequence[int]]) -> set[int]:
    """The cliques, not roots, that are the highest of some variant's ``dirty`` cliques."""
    out: set[int] = set()
    for cliques in dirty:
        mine = set(cliques)
        out.update(k for k in cliques if tree.parents[k] >= 0 and tree.parents[k] not in mine)
    return out


def collect_base(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    *,
    careful: bool,
    tops: Iterable[int] = (),
) -> Base | None:
    """The collect pass of the base problem (``log_unary``: ``(B0, n)``), with the downward
    messages into ``tops`` (:func:`tops_of`); ``None`` where the fast pass (``careful``
    false) must be redone carefully, as in :func:`.junction.propagate`."""
    every = tuple(range(len(tree.cliques)))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        done = _collect(
            tree, static, [None] * len(every), log_unary, [every], [None], None, careful
        )
        if done is None:
            return None
    return _based(tree, static, log_unary, done[0], done[1], careful, tops)


def base_of(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    propagation: Propagation,
    *,
    tops: Iterable[int] = (),
) -> Base:
    """:func:`collect_base` from the collect pass of :func:`.junction.propagate` on the same
    problem (it computes the same messages, in the same order), instead of a second one."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        return _based(
            tree,
            static,
            log_unary,
            list(propagation.sent),
            propagation.log_scales,
            propagation.careful,
            tops,
        )


def _based(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    sent: list[FloatArray | None],
    log_scales: FloatArray,
    careful: bool,
    tops: Iterable[int],
) -> Base:
    down, log_down, outside = _downward(tree, static, log_unary, sent, log_scales, careful, tops)
    return Base(
        sent=tuple(sent),
        log_scales=log_scales,
        careful=careful,
        down=down,
        log_down=log_down,
        outside=outside,
    )


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
    ``present[i]``, and the paths between them); ``present[i]`` a variable it holds present, or
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
    topped: list[list[int]] = [[] for _ in range(n)]  # the variants whose top each is
    if base is not None:
        for i, cliques in enumerate(dirty):
            for k in tops_of(tree, [cliques]):
                topped[k].append(i)
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
                # The variants dirty at c and at k (not those whose top c is).
                both = [(s, i) for s, i in enumerate(who[c]) if i in slot]
                if both:
                    mine = sent[c]
                    assert mine is not None
                    if len(both) < len(who[c]):
                        mine = mine[:, _columns([s for s, _ in both], b0)]
                    incoming[:, _columns([slot[i] for _, i in both], b0)] = mine
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
            top: tuple[IndexArray, FloatArray] | None = None
            if topped[k]:
                # The variants whose top k is: their mass Σ μ'·D from the base's message down
                # to k, times D's scale, which holds the scales of the cliques outside (not
                # added and taken away again, which would cost |log Z|·ε).
                assert base is not None
                at = _columns([slot[i] for i in topped[k]], b0)
                mass = _sum_rows(message[:, at] * np.tile(base.down[k], (1, len(topped[k]))))
                if not careful and not (mass > _TINY).all():
                    return None
                at = _columns(topped[k], b0)
                log_scales[np.ix_(base.outside[k], at)] = 0.0
                top = (at, np.log(mass) + np.tile(base.log_down[k], len(topped[k])))
            if careful:
                total = _sum_rows(message)
                log_scales[k, cols] = np.log(total)
                message = message / _safe(total)
            if top is not None:
                log_scales[k, top[0]] = top[1]
            sent[k] = message
    return sent, log_scales


def _times(
    tree: JunctionTree, table: FloatArray, p: int, c: int, message: FloatArray
) -> FloatArray:
    """A new ``(2^|C_p|, B)`` table: clique ``p``'s ``table`` times child ``c``'s ``message``."""
    size = len(tree.cliques[p])
    if size <= _INDEX_LIMIT:
        out: FloatArray = table * message.take(configuration_index(size, tree.sep_positions[c]), 0)
        return out
    b = table.shape[-1]
    grown = table.reshape((*tree.shapes[p], b)) * message.reshape((*tree.up_shapes[c], b))
    return grown.reshape(-1, b)


def _downward(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    sent: Sequence[FloatArray | None],
    log_scales: FloatArray,
    careful: bool,
    tops: Iterable[int],
) -> tuple[dict[int, FloatArray], dict[int, FloatArray], dict[int, IndexArray]]:
    """The base's Shafer–Shenoy messages into ``tops``, down the paths from their roots:
    ``D_c(S_c) = Σ_{C_p∖S_c} ψ_p · D_p · ∏_{c' ≠ c} μ_{c'}`` (Shafer & Shenoy 1990), without
    the division by ``μ_c`` that Hugin's distribute pass makes, so that a variant whose message
    ``μ'_c`` is not 0 where the base's is still gets its mass ``Σ_{S_c} μ'_c · D_c``. The
    children that need their message share the products of the others' (halving the list
    each time: ``N log N`` products for ``N`` of them, not ``N²``)."""
    parents = tree.parents
    n = len(parents)
    b = log_unary.shape[0]
    needed: dict[int, list[int]] = {}  # a clique → its children on a path to a top
    for k in tops:
        while parents[k] >= 0:
            kids = needed.setdefault(parents[k], [])
            if k in kids:
                break
            kids.append(k)
            k = parents[k]
    if not needed:
        return {}, {}, {}
    # σ_k: the log scales of k's subtree (the log of its true message over the one sent).
    below = log_scales.copy()
    for k in range(n):
        if parents[k] >= 0:
            below[parents[k]] += below[k]
    root = list(range(n))
    for k in range(n - 1, -1, -1):
        if parents[k] >= 0:
            root[k] = root[parents[k]]
    children: list[list[int]] = [[] for _ in range(n)]
    for k, p in enumerate(parents):
        if p >= 0:
            children[p].append(k)
    columns = log_unary.T[tree.home_variables]
    starts = np.cumsum([0, *tree.n_homes])
    down: dict[int, FloatArray] = {}
    log_down: dict[int, FloatArray] = {}

    def split(p: int, table: FloatArray, log_table: FloatArray, kids: list[int]) -> None:
        if len(kids) == 1:
            c = kids[0]
            message = separator_marginal(table, len(tree.cliques[p]), tree.down_axes[c])
            if careful:
                total = _sum_rows(message)
                message = message / _safe(total)
                log_table = log_table + np.log(total)
            down[c], log_down[c] = message, log_table
            return
        half = len(kids) // 2
        for mine, others in ((kids[:half], kids[half:]), (kids[half:], kids[:half])):
            product, log_product = table, log_table
            for c in others:
                product = _times(tree, product, p, c, _sent(sent, c))
                log_product = log_product + below[c]
            split(p, product, log_product, mine)

    for p in sorted(needed, reverse=True):  # parents after their children: from the roots
        # 1. ψ_p, its parent's message D_p and the messages of its children off the paths.
        h = tree.n_homes[p]
        lam = home_factors(columns[starts[p] : starts[p] + h], h)
        table = _initial(static[p], lam, tree.shapes[p], h, b).copy()
        log_table = np.zeros(b)
        if parents[p] >= 0:
            _scale_trailing(table, down[p], len(tree.cliques[p]), h, b)
            log_table = log_down[p]
        for c in children[p]:
            if c not in needed[p]:
                table = _times(tree, table, p, c, _sent(sent, c))
                log_table = log_table + below[c]
        # 2. Each child on a path: the others' messages too, summed onto its separator.
        split(p, table, log_table, sorted(needed[p]))
    inside = [{k} for k in range(n)]  # each clique's subtree
    for k in range(n):
        if parents[k] >= 0:
            inside[parents[k]] |= inside[k]
    outside = {c: np.array(sorted(inside[root[c]] - inside[c]), dtype=np.intp) for c in down}
    return down, log_down, outside


def _sent(sent: Sequence[FloatArray | None], c: int) -> FloatArray:
    message = sent[c]
    assert message is not None
    return message
