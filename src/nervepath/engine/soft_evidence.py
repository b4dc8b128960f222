"""Many variants of one case, each adding its own soft evidence, touching the tree little.

Given a junction tree calibrated on evidence ``e`` (clique posteriors ``P_C``) and ``R``
rows of extra unary factors ``λ_r(x) = ∏_v λ_{r,v}(x_v)``, this computes for every row

    Z_r = E[λ_r | e]  and  P(t = 1 | e, λ_r) = E[x_t λ_r | e] / Z_r  for chosen targets t.

A full propagation per row costs ``R ×`` (tree size). But evidence entered into a
calibrated tree needs messages only from where it entered (Jensen, Lauritzen &
Olesen 1990, §4), and once a row's messages leave the part of the tree holding its
factors, the rest follows from one separator marginal:

1. *Active cliques.* Each tree of the forest is rooted where the work below is least
   (see :func:`_orient`); a row is active at a clique with one of its factors in its
   subtree. Elsewhere its collect message would be the calibrated separator marginal,
   i.e. the ratio 1.
2. *Collect* over active rows: ``ψ_C = P_C · λ_{r,C} · ∏_children m_W / P(S_W)``,
   ``m_C = Σ_{C∖S_C} ψ_C``; at the root ``Z_r = Σ ψ``.
3. *Distribute* over active rows: ``ψ'_C = ψ_C · Σ_{P∖S_C} ψ'_P / m_C``; the targets
   homed in ``C`` are read from ``ψ'_C``. The new separator marginal
   ``Σ_{P∖S_C} ψ'_P`` is summed once per edge and serves both this update and step 4.
4. *Leave by a separator.* Targets below an inactive child ``W`` of an active clique
   follow from the new separator marginal ``Q(S_W) = Σ_{C∖S_W} ψ'_C`` alone:
   ``E[x_t λ_r] = Σ_s Q(s) J_W(s, t)`` with ``J_W(s, t) = P(t = 1 | S_W = s, e)``, built
   once, bottom-up: ``J_C = [P(t | S_C) for t homed in C;  P(S_W | S_C) J_W for
   children W]``.

Targets in a tree where a row has no factor keep ``P(t | e)``; a row with factors in
several trees multiplies their ``Z``. Every quantity is a sum of non-negative terms (no
subtraction), so the result is as exact as a propagation. Tables are configurations ×
rows, batch last.

:class:`Oriented` orients the tree once for a family of pushes through the same calibrations
(the question ranking's batches) and keeps what then depends on the calibrations alone: the
separators' inverses and step 4's tables ``J_W``.

The module is over 400 lines on purpose: it is one algorithm, the four steps above over
the tree's orientation (:func:`_orient`) with their fast paths for small chunks of rows,
and its helpers are private to it.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.configurations import configuration_index, indicators, ones
from nervepath.engine.junction import JunctionTree, home_factors, separator_marginal

__all__ = ["soft_evidence", "soft_evidence_terms"]

_MAX_ENTRIES = 1 << 20
"""Rows are processed in chunks so that no clique table exceeds this many entries (8 MB:
on the vignettes and benchmark cases, 2^19–2^20 ranked 20 % faster than 2^22, whose
tables overflow the caches, and than 2^18, which makes many more NumPy calls)."""

_BROADCAST_MIN = 8
_ROW_LOOP_MAX = 8
"""A clique's home factors are multiplied row by row (:func:`_times_homes`) when its
trailing block has at least ``_BROADCAST_MIN`` entries and the chunk at most
``_ROW_LOOP_MAX`` rows (more rows make each row's strided writes, and its Python call,
cost more than the short inner loop saves)."""

_SUMMED_MASSES_MIN = 12
"""Cliques of at least this many variables get their targets' masses from the table summed
onto the targets (:func:`_home_masses`); smaller ones from one product with indicators."""

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


def _reduce(table: FloatArray, size: int, positions: tuple[int, ...]) -> FloatArray:
    """Sum a ``(2^size, …)`` table over all but the variables at ``positions``."""
    tail = table.shape[1:]
    flat = table.reshape(1 << size, -1)
    summed = separator_marginal(flat, size, _others(size, positions))
    return summed.reshape((1 << len(positions), *tail))


@functools.lru_cache(maxsize=8192)
def _others(size: int, positions: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a for a in range(size) if a not in positions)


def _spread_reduce(
    weights: FloatArray, columns: FloatArray, size: int, index: IndexArray, keep: tuple[int, ...]
) -> FloatArray:
    """``Σ_{c ∖ keep} w(c) · T(index(c), :)``: ``(2^|keep|, n_cols)``.

    ``T`` is a table over a child separator, gathered onto the clique's configurations
    by ``index`` and reduced with contiguous sums, in column blocks so that no
    temporary exceeds :data:`_MAX_ENTRIES` (the dense joint ``P(S_C, S_W)`` it
    replaces has ``2^(|S_C| + |S_W|)`` entries, far more than the clique).
    """
    n_cols = columns.shape[1]
    step = max(1, _MAX_ENTRIES // (1 << size))
    parts = [
        _reduce(weights[:, None] * columns[index, start : start + step], size, keep)
        for start in range(0, n_cols, step)
    ]
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)


def _times_homes(
    table: FloatArray, lam: FloatArray, size: int, h: int, used: tuple[int, ...]
) -> FloatArray:
    """``(2^size, rows)``: a clique's ``(2^size,)`` table times each row's factors ``lam``
    (``(2^u, rows)`` over the home axes ``used``; the ``h`` homes lead)."""
    rows = lam.shape[1]
    rest = 1 << (size - h)
    if rest < _BROADCAST_MIN or rows > _ROW_LOOP_MAX:
        home_shape = [1] * h
        for a in used:
            home_shape[a] = 2
        out: FloatArray = table.reshape((2,) * h + (-1, 1)) * lam.reshape((*home_shape, 1, rows))
        return out.reshape(1 << size, rows)
    # Broadcast over the rows last, NumPy's inner loop would be a few rows long: one product
    # per row over the trailing block instead, the same products (2.6× faster on a clique of
    # 18 variables with 13 homes and 4 rows).
    full = lam.take(configuration_index(h, used), axis=0)
    out = np.empty((1 << h, rest, rows))
    blocks = table.reshape(1 << h, rest)
    for j in range(rows):
        np.multiply(blocks, full[:, j, None], out=out[:, :, j])
    return out.reshape(1 << size, rows)


def _home_masses(pot: FloatArray, size: int, where: tuple[int, ...]) -> FloatArray:
    """``(len(where), rows)``: the mass of ``x = 1`` for each axis in ``where`` (ascending) of
    a ``(2^size, rows)`` table.

    Every other axis is summed out first, then the indicators applied to the small table
    left: on a clique of 18 variables with 9 target homes that is about one pass over the
    table instead of one per target (6× faster)."""
    if size < _SUMMED_MASSES_MIN:
        product: FloatArray = indicators(size, where) @ pot
        return product
    others = _others(size, where)
    table = separator_marginal(pot, size, others) if others else pot
    out: FloatArray = indicators(len(where), tuple(range(len(where)))) @ table
    return out


def _safe_inverse(values: FloatArray) -> FloatArray:
    out = np.zeros_like(values)
    np.divide(1.0, values, out=out, where=values > 0.0)
    return out


def _orient(tree: JunctionTree, support: npt.NDArray[np.bool_]) -> tuple[list[int], list[int]]:
    """Re-root every tree of the forest where the rows' total active work is least.

    ``support[k, r]`` says that row ``r`` has a factor in clique ``k``. A clique is
    active for the rows with a factor on its side away from the root, and the work is
    ``Σ_k 2^|C_k| · #active(k)``; rerooting at ``r`` changes only the terms on the path
    from ``r`` to the old root, so each candidate root is scored by one walk up.
    Returns the parent of each clique and the cliques in collect order.
    """
    n = len(tree.cliques)
    old_parent = tree.parents
    children: list[list[int]] = [[] for _ in range(n)]
    for k in range(n):
        if old_parent[k] >= 0:
            children[old_parent[k]].append(k)
    size = [1 << len(c) for c in tree.cliques]
    below = support.copy()
    for k in range(n):  # the old order has children first
        for w in children[k]:
            below[k] |= below[w]
    outside = np.zeros_like(support)
    for k in range(n - 1, -1, -1):
        for w in children[k]:
            side = outside[k] | support[k]
            for other in children[k]:
                if other != w:
                    side |= below[other]
            outside[w] = side
    n_below = below.sum(axis=1)
    n_outside = outside.sum(axis=1)
    n_either = (below | outside).sum(axis=1)
    best: dict[int, tuple[int, int]] = {}
    for r in range(n):
        cost = int(size[r] * (n_either[r] - n_below[r]))
        k = r
        while old_parent[k] >= 0:
            up = old_parent[k]
            cost += int(size[up] * (n_outside[k] - n_below[up]))
            k = up
        if k not in best or cost < best[k][0]:
            best[k] = (cost, r)
    neighbours: list[list[int]] = [[] for _ in range(n)]
    for k in range(n):
        if old_parent[k] >= 0:
            neighbours[k].append(old_parent[k])
            neighbours[old_parent[k]].append(k)
    parent = list(old_parent)
    order: list[int] = []
    for _, root in best.values():
        parent[root] = -1
        queue = [root]
        for u in queue:
            for w in neighbours[u]:
                if w != parent[u]:
                    parent[w] = u
                    queue.append(w)
        order.extend(reversed(queue))
    return parent, order


def soft_evidence(
    tree: JunctionTree,
    potentials: Sequence[FloatArray],
    base: FloatArray,
    rows: FloatArray,
    targets: Sequence[int],
) -> tuple[FloatArray, FloatArray]:
    """``(log Z_r, P(t = 1 | e, λ_r))`` for every row; see the module docstring.

    ``potentials`` are the calibrated clique tables of a one-row :func:`propagate`,
    ``base`` the ``P(t = 1 | e)`` of the targets, ``rows`` the ``(R, H)`` log-factors
    ``log λ_{r,v}(1)`` (0: no factor on ``v``); every target must be in the tree.
    """
    return soft_evidence_terms(tree, [potentials], [base], rows, targets)[0]


def soft_evidence_terms(
    tree: JunctionTree,
    potentials: Sequence[Sequence[FloatArray]],
    bases: Sequence[FloatArray],
    rows: FloatArray,
    targets: Sequence[int],
) -> list[tuple[FloatArray, FloatArray]]:
    """:func:`soft_evidence` of the same rows through several calibrations of one tree (the
    terms of split findings, :mod:`nervepath.engine.split`): ``potentials[i]`` and
    ``bases[i]`` are calibration ``i``'s, and the result is one ``(log Z_r, P(t = 1 | e_i,
    λ_r))`` per calibration, each exactly what :func:`soft_evidence` gives for it.

    What depends only on the rows and the tree (the orientation, the active rows, each
    clique's home factors ``λ_{r,C}``) is made once, not once per calibration: on the
    published cases that was about a tenth of the question ranking."""
    return Oriented(tree, potentials, rows).push(bases, rows, targets)


class Oriented:
    """Calibrations of one tree, oriented once (:func:`_orient`) for the rows given, and pushed
    any rows by :meth:`push` (:func:`soft_evidence_terms`).

    What depends on the calibrations and the orientation alone, the separator marginals'
    inverses and, per set of targets, the conditional target tables ``J_W`` (step 2), is made
    at first use and serves every later push: the question ranking pushes its candidates in
    batches, and its bound's rows, through one tree (docs/engine.md)."""

    def __init__(
        self, tree: JunctionTree, potentials: Sequence[Sequence[FloatArray]], rows: FloatArray
    ) -> None:
        cliques, n = tree.cliques, len(tree.cliques)
        self.tree = tree
        self.sizes = [len(c) for c in cliques]
        self.flats = [[np.ascontiguousarray(p.reshape(-1)) for p in term] for term in potentials]
        # 1. Orientation, from where the rows have factors.
        parents, order = _orient(tree, _support(tree, rows)) if n else ([], [])
        children: list[list[int]] = [[] for _ in range(n)]
        for k in order:
            if parents[k] >= 0:
                children[parents[k]].append(k)
        up: list[tuple[int, ...]] = [()] * n  # separator positions in the clique
        down: list[tuple[int, ...]] = [()] * n  # the same variables' positions in the parent
        for k in range(n):
            if parents[k] >= 0:
                inside, mine = set(cliques[parents[k]]), set(cliques[k])
                up[k] = tuple(a for a, v in enumerate(cliques[k]) if v in inside)
                down[k] = tuple(a for a, v in enumerate(cliques[parents[k]]) if v in mine)
        self.parents, self.order, self.children, self.up, self.down = (
            parents,
            order,
            children,
            up,
            down,
        )
        sizes = self.sizes
        self.sep_inverses = [
            [
                _safe_inverse(_reduce(flat[k], sizes[k], up[k])) if parents[k] >= 0 else np.ones(1)
                for k in range(n)
            ]
            for flat in self.flats
        ]
        self._tables: dict[tuple[int, ...], _Tables] = {}

    def push(
        self,
        bases: Sequence[FloatArray],
        rows: FloatArray,
        targets: Sequence[int],
        *,
        remember: bool = True,
    ) -> list[tuple[FloatArray, FloatArray]]:
        """``(log Z_r, P(t = 1 | e_i, λ_r))`` of ``rows`` through each calibration ``i`` (its
        targets' ``P(t = 1 | e_i)`` in ``bases[i]``); ``remember``: keep the target tables
        made for these ``targets`` for the next push that reads them."""
        tree, sizes, order, children = self.tree, self.sizes, self.order, self.children
        n_rows = rows.shape[0]
        n = len(tree.cliques)
        target_index = {v: j for j, v in enumerate(targets)}
        results = [
            (np.zeros(n_rows), np.tile(np.asarray(base, dtype=np.float64), (n_rows, 1)))
            for base in bases
        ]
        if n == 0 or n_rows == 0:
            return results
        homes = [[v for v in tree.homes[k] if v in target_index] for k in range(n)]
        # Distribute only where a target is homed at or below: elsewhere nothing is read
        # (with no targets, as for the origin groups' rows, only Z is wanted).
        wanted = [bool(homes[k]) for k in range(n)]
        for k in order:
            for w in children[k]:
                wanted[k] = wanted[k] or wanted[w]
        # Active rows per clique: a factor at or below it.
        is_active = _support(tree, rows)
        for k in order:
            for w in children[k]:
                is_active[k] |= is_active[w]
        all_active = [np.flatnonzero(is_active[k]) for k in range(n)]
        # 2. Conditional target tables J_W below the children that active rows leave.
        needs = [False] * n
        for k in reversed(order):
            p = self.parents[k]
            needs[k] = p >= 0 and (needs[p] or len(all_active[p]) > len(all_active[k]))
        # Where each clique's target homes sit in it, and their columns of the output: made
        # once per push, not once per chunk and calibration.
        positions = [tuple(tree.cliques[k].index(v) for v in homes[k]) for k in range(n)]
        home_columns = [
            np.asarray([target_index[v] for v in homes[k]], dtype=np.intp) for k in range(n)
        ]
        layout = _Layout(
            tree,
            sizes,
            self.parents,
            order,
            children,
            self.up,
            self.down,
            homes,
            wanted,
            is_active,
            positions,
            home_columns,
        )
        key = tuple(targets)
        made = self._tables.get(key) or _Tables(
            [[None] * n for _ in self.flats], [[] for _ in range(n)], [False] * n
        )
        if remember:
            self._tables[key] = made
        _target_tables(layout, needs, self.flats, self.sep_inverses, target_index, made)
        below_columns = [np.asarray(columns, dtype=np.intp) for columns in made.columns]
        # 3–4. In chunks of rows small enough that a clique table stays within bounds.
        largest = max(1 << size for size in sizes)
        step = max(1, _MAX_ENTRIES // largest)
        for start in range(0, n_rows, step):
            chunk = np.zeros(n_rows, dtype=bool)
            chunk[start : start + step] = True
            in_chunk = [rows_k[chunk[rows_k]] for rows_k in all_active]
            factors = _home_factors(tree, order, in_chunk, rows)
            for i, (log_z, out) in enumerate(results):
                _collect_distribute(
                    layout,
                    self.flats[i],
                    self.sep_inverses[i],
                    in_chunk,
                    factors,
                    made.tables[i],
                    below_columns,
                    log_z,
                    out,
                )
        return results


def _support(tree: JunctionTree, rows: FloatArray) -> npt.NDArray[np.bool_]:
    """``(cliques, rows)``: whether the row has a factor on a node homed in the clique."""
    nonzero = rows != 0.0
    support = np.zeros((len(tree.cliques), rows.shape[0]), dtype=bool)
    for k, home in enumerate(tree.homes):
        if home:
            support[k] = nonzero[:, list(home)].any(axis=1)
    return support


@dataclass(frozen=True, slots=True)
class _Tables:
    """Step 2's ``J_W`` per calibration and clique (``None``: nothing below to read), the
    targets of their columns, and which cliques' have been made."""

    tables: list[list[FloatArray | None]]
    columns: list[list[int]]
    made: list[bool]


@dataclass(frozen=True, slots=True)
class _Layout:
    """The tree as the rows see it: oriented, with each clique's separator positions, target
    homes, whether anything below it is read, and its active rows."""

    tree: JunctionTree
    sizes: list[int]
    parents: list[int]
    order: list[int]
    children: list[list[int]]
    up: list[tuple[int, ...]]
    down: list[tuple[int, ...]]
    homes: list[list[int]]
    wanted: list[bool]
    is_active: npt.NDArray[np.bool_]
    positions: list[tuple[int, ...]]
    home_columns: list[IndexArray]


def _target_tables(
    layout: _Layout,
    needs: list[bool],
    flats: list[list[FloatArray]],
    sep_inverses: list[list[FloatArray]],
    target_index: dict[int, int],
    made: _Tables,
) -> None:
    """Step 2: ``J_W`` of every clique that ``needs`` it and has none yet, per calibration,
    and the targets of its columns. A clique's table depends on its subtree alone, and a
    clique that needs one has children that need one, so tables made for earlier rows are
    those these rows would make."""
    cliques, sizes, up, down = layout.tree.cliques, layout.sizes, layout.up, layout.down
    for k in layout.order:
        if not needs[k] or made.made[k]:
            continue
        made.made[k] = True
        columns = made.columns[k]
        if layout.homes[k]:
            columns.extend(target_index[v] for v in layout.homes[k])
        for w in layout.children[k]:
            if made.tables[0][w] is not None:
                columns.extend(made.columns[w])
        for flat, sep_inverse, tables in zip(flats, sep_inverses, made.tables, strict=True):
            parts: list[FloatArray] = []
            if layout.homes[k]:
                where = tuple(cliques[k].index(v) for v in layout.homes[k])
                parts.append(
                    _reduce(flat[k][:, None] * indicators(sizes[k], where).T, sizes[k], up[k])
                )
            for w in layout.children[k]:
                table = tables[w]
                if table is not None:
                    index = configuration_index(sizes[k], down[w])
                    parts.append(_spread_reduce(flat[k], table, sizes[k], index, up[k]))
            if parts:
                tables[k] = sep_inverse[k][:, None] * np.concatenate(parts, axis=1)


def _home_factors(
    tree: JunctionTree, order: list[int], active: list[IndexArray], rows: FloatArray
) -> list[tuple[tuple[int, ...], FloatArray] | None]:
    """Per clique, the homes that carry a factor for some active row (their positions among
    the homes) and those factors, a ``(2^u, rows)`` table, one exp per configuration of
    the ``u`` homes; ``None`` where no active row has a factor."""
    factors: list[tuple[tuple[int, ...], FloatArray] | None] = [None] * len(tree.cliques)
    for k in order:
        rows_k = active[k]
        if len(rows_k) == 0 or not tree.homes[k]:
            continue
        logs = rows[rows_k[:, None], tree.home_index[k]]
        used = np.flatnonzero(np.any(logs != 0.0, axis=0))
        if len(used):
            lam = home_factors(np.ascontiguousarray(logs[:, used].T), len(used))
            factors[k] = (tuple(used.tolist()), lam)
    return factors


def _collect_distribute(
    layout: _Layout,
    flat: list[FloatArray],
    sep_inverse: list[FloatArray],
    active: list[IndexArray],
    factors: list[tuple[tuple[int, ...], FloatArray] | None],
    tables: list[FloatArray | None],
    columns: list[IndexArray],
    log_z: FloatArray,
    out: FloatArray,
) -> None:
    """Steps 3 and 4 of the module docstring for the rows in ``active``; fills the outputs."""
    tree, sizes, parents, order = layout.tree, layout.sizes, layout.parents, layout.order
    children, up, down, homes = layout.children, layout.up, layout.down, layout.homes
    wanted, is_active = layout.wanted, layout.is_active
    positions, home_columns = layout.positions, layout.home_columns
    n = len(tree.cliques)
    # 3. Collect over active rows.
    psi: list[FloatArray | None] = [None] * n
    messages: list[FloatArray | None] = [None] * n
    for k in order:
        rows_k = active[k]
        if len(rows_k) == 0:
            continue
        size = sizes[k]
        factor = factors[k]
        if factor is not None:
            # The homes lead the clique's axes: the factors of the homes that carry any
            # (:func:`_home_factors`) are broadcast over the other homes and the separator
            # block (:func:`_times_homes`).
            used, lam = factor
            pot = _times_homes(flat[k], lam, size, tree.n_homes[k], used)
        else:
            pot = None  # made by the first child's message (one pass, not two)
        for w in children[k]:
            message = messages[w]
            if message is None:
                continue
            ratio = message * sep_inverse[w][:, None]
            if len(active[w]) != len(rows_k):
                spread = np.ones((len(sep_inverse[w]), len(rows_k)))
                spread[:, np.searchsorted(rows_k, active[w])] = ratio
                ratio = spread
            shape = tuple(2 if a in down[w] else 1 for a in range(size))
            if pot is None:
                pot = (
                    flat[k].reshape((2,) * size + (1,)) * ratio.reshape((*shape, len(rows_k)))
                ).reshape(1 << size, -1)
            else:
                tensor = pot.reshape((2,) * size + (len(rows_k),))
                tensor *= ratio.reshape((*shape, len(rows_k)))
        if pot is None:
            pot = np.repeat(flat[k][:, None], len(rows_k), axis=1)
        psi[k] = pot
        if parents[k] >= 0:
            messages[k] = _reduce(pot, size, up[k])
    # 4. Distribute over active rows; read targets; leave by separators.
    # ``arriving[w]``: the parent's updated table summed onto ``S_W``, for all the
    # parent's rows; computed once and used both to update ``W`` and to leave by ``S_W``.
    arriving: list[FloatArray | None] = [None] * n
    totals: list[FloatArray] = [np.ones(0)] * n
    for k in reversed(order):
        collected = psi[k]
        if collected is None or (parents[k] >= 0 and not wanted[k]):
            continue
        pot = collected
        rows_k = active[k]
        size = sizes[k]
        p = parents[k]
        if p < 0:
            total = ones(len(pot)) @ pot  # BLAS: see junction.sum_middle
            # A row may have no mass in the tree of one split term: log 0 = −inf, and
            # the terms' signed sum gives that term no weight.
            with np.errstate(divide="ignore"):
                log_z[rows_k] += np.log(total)
        else:
            new, old = arriving[k], messages[k]
            assert new is not None and old is not None
            arriving[k] = None
            parent_rows = np.searchsorted(active[p], rows_k)
            if len(parent_rows) != new.shape[1]:
                new = new.take(parent_rows, axis=1)  # C order, as the tables it divides
            # Where the message is 0 so is the new marginal (the parent was multiplied by
            # it); the 1e-300 reads that 0/0 as 0 without a masked division, 3× slower.
            ratio = new / (old + 1e-300)
            shape = tuple(2 if a in up[k] else 1 for a in range(size))
            # In place: the collected table is not needed once updated.
            tensor = pot.reshape((2,) * size + (len(rows_k),))
            tensor *= ratio.reshape((*shape, len(rows_k)))
            total = totals[p][parent_rows]
        totals[k] = total
        scale = _safe_inverse(total)
        if homes[k]:
            # ``out[rows_k[:, None], columns]`` is ``out[np.ix_(rows_k, columns)]``, without
            # ``ix_``'s Python-level checks.
            values = _home_masses(pot, size, positions[k])
            out[rows_k[:, None], home_columns[k]] = (values * scale).T
        for w in children[k]:
            table = tables[w]
            leaves = table is not None and len(active[w]) != len(rows_k)
            updated = psi[w] is not None and wanted[w]
            if not updated and not leaves:
                continue
            reduced = _reduce(pot, size, down[w])
            if updated:
                arriving[w] = reduced
            if table is None or not leaves:
                continue
            leaving = np.flatnonzero(~is_active[w][rows_k])
            separator = reduced[:, leaving]
            out[rows_k[leaving][:, None], columns[w]] = ((table.T @ separator) * scale[leaving]).T
