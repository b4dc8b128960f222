"""Batched Hugin propagation on junction trees over binary variables.

The trees come from :mod:`nervepath.engine.cliques` (greedy elimination, each clique's
variables in elimination order: homes first, then the separator with its parent).

:func:`propagate` runs the Hugin architecture (Jensen, Lauritzen & Olesen 1990) on a
*batch* of ``B`` problems that share the tree: every potential has a trailing batch
axis. Each clique starts as ``static · exp(Σ_v x_v · log λ_v)``, the product of its
multi-variable tables and of the unary factors ``λ_v = (1, λ_v(1))`` of the
variables homed there. A collect pass sends ``m = Σ_{C∖S} ψ_C`` towards the roots
(a sum over the clique's leading axes), each message rescaled to sum 1 when needed
(the scale goes into ``log Z``); a distribute pass sets ``ψ_C ← ψ_C · P(S | e) / m``
(a product over the trailing axes), after which every clique holds the posterior of
its variables, read off the leading (home) block.

Hand-written rather than taken from a library: no Python library exploits the
noisy-OR / noisy-MAX structure (pyAgrum and pgmpy moralise the parents of every
observed finding, normal ones included, which the engine absorbs into unary factors),
and none batches many soft-evidence variants through one tree, which the
leave-one-out explanations and the question ranking need.

The module is over 400 lines on purpose: one algorithm, the two passes and their careful
(rescaled) redo, whose parts share the tree's index arrays and make sense only together.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import numpy.typing as npt

from nervepath.engine.cliques import MERGE_LIMIT, REFINE_SIZE, JunctionTree, build_tree
from nervepath.engine.configurations import (
    batched_index,
    configuration_index,
    configurations,
    direct_marginal_bits,
    low_index,
    marginal_bits,
    ones,
)

__all__ = [
    "LOG_ZERO",
    "MERGE_LIMIT",
    "REFINE_SIZE",
    "JunctionTree",
    "Propagation",
    "build_tree",
    "home_factors",
    "propagate",
    "separator_marginal",
    "sum_middle",
]

FloatArray = npt.NDArray[np.float64]

LOG_ZERO = -1e300
"""Stands for ``log 0`` in unary log-factors: finite, so ``0 · LOG_ZERO`` is 0, not NaN."""

_BITS_LIMIT = 8
"""Up to this many homes, unary factors and marginals use cached indicator matrices
(one matrix product each); more homes are split into blocks of at most this many."""

_INDEX_LIMIT = 13
"""Cliques of up to this many variables move messages by gathering or counting with
cached configuration indices (at most ``2^13`` entries each, 64 KiB); larger ones by
broadcasting and reductions, whose per-call overhead no longer matters."""

_DIRECT_LIMIT = 10
"""Cliques of up to this many variables get their home marginals from one product
with the whole table (:func:`.configurations.direct_marginal_bits`) instead of two."""

_BATCH_LIMIT = 8
"""Batches up to this size are summed onto separators by counting (see
:func:`separator_marginal`)."""

_BROADCAST_MIN = 8
"""A trailing block at least this long is multiplied by broadcasting; a shorter one
(NumPy's inner loop would then be a few elements long) by gathering."""


@functools.lru_cache(maxsize=8192)
def _runs(others: tuple[int, ...]) -> tuple[tuple[int, int], ...]:
    """``others`` (ascending axes) as ``(start, length)`` runs of adjacent axes, last first."""
    runs: list[list[int]] = []
    for a in others:
        if runs and runs[-1][0] + runs[-1][1] == a:
            runs[-1][1] += 1
        else:
            runs.append([a, 1])
    return tuple((start, length) for start, length in reversed(runs))


@functools.lru_cache(maxsize=4096)
def _kept(size: int, others: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(a for a in range(size) if a not in others)


def separator_marginal(table: FloatArray, size: int, others: tuple[int, ...]) -> FloatArray:
    """Sum a ``(2^size, B)`` table over the axes ``others``: ``(2^(size − |others|), B)``.

    NumPy reductions over scattered length-2 axes run 5–30× slower than contiguous
    ones, so a small table (up to :data:`_BATCH_LIMIT` columns) is summed by one
    ``np.bincount`` over a cached index of the kept axes. Otherwise each run of
    adjacent axes is summed as the middle axis of a three-axis view (:func:`sum_middle`),
    from the last run to the first (so earlier axes keep their place): at most twice the
    table's size.
    """
    b = table.shape[-1]
    if others and size <= _INDEX_LIMIT and b <= _BATCH_LIMIT:
        kept = _kept(size, others)
        index = batched_index(size, kept, b)
        return _count(index, table, b << len(kept)).reshape(-1, b)
    out = table
    left = size
    for start, length in _runs(others):
        after = left - start - length
        out = sum_middle(out.reshape(1 << start, 1 << length, (1 << after) * b))
        left -= length
    return out.reshape(1 << left, b)


@dataclass(frozen=True, slots=True, eq=False)
class Propagation:
    """Result of :func:`propagate` for a batch of ``B`` problems.

    ``present[b, j]`` and ``absent[b, j]`` are ``P(x = 1 | ·)`` and ``P(x = 0 | ·)`` of
    ``tree.variables[j]`` (both computed directly, so log-odds stay accurate near 0
    and 1); ``log_z[b]`` is the log of the total mass (``-inf`` when it is 0);
    ``potentials[k]`` is clique ``k``'s calibrated table ``P(C_k | ·)``, batch last.
    ``sent[k]`` is clique ``k``'s collect message as multiplied into its parent (rescaled to
    sum 1 in the ``careful`` pass; ``None`` at a root) and ``log_scales[k]`` the log of its
    scale (0 for none): the collect pass that :func:`.variants.collect_base` would repeat.
    """

    present: FloatArray
    absent: FloatArray
    log_z: FloatArray
    potentials: tuple[FloatArray, ...]
    sent: tuple[FloatArray | None, ...] = ()
    log_scales: FloatArray = field(default_factory=lambda: np.zeros((0, 0)))
    careful: bool = False


def propagate(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    *,
    wanted: Iterable[int] | None = None,
) -> Propagation:
    """Batched Hugin propagation; see the module docstring.

    With ``wanted`` (variable ids), only those variables' marginals are read: the
    distribute pass runs only on the paths from the roots down to their home cliques, the
    other cliques keep their collect-pass tables (not calibrated) and the columns of
    ``present`` and ``absent`` of the variables homed there are NaN. ``log_z`` needs the
    collect pass alone, so rows that want only their mass (``wanted`` empty) cost about
    half a propagation.

    ``static[k]`` is clique ``k``'s product of multi-variable tables, shaped
    ``(*tree.shapes[k], 1)`` or ``(*tree.shapes[k], B)`` (batch axis last; see
    :func:`nervepath.engine.compiled.static_potentials`), or ``None``. ``log_unary`` has shape
    ``(B, n)`` with ``n`` above every variable index: ``log λ_v(1)`` (``λ_v(0) = 1``).

    A first pass skips the rescaling of messages (the factors are probabilities, so
    nothing overflows); if the mass at a root falls below ``1e-250`` or anything is
    not finite, the pass is redone with every message rescaled and with 0/0 read as 0.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        needed = None if wanted is None else _needed(tree, wanted)
        result = _propagate(tree, static, log_unary, needed, careful=False)
        if result is None:
            result = _propagate(tree, static, log_unary, needed, careful=True)
    assert result is not None
    return result


_TINY = 1e-250


def _needed(tree: JunctionTree, wanted: Iterable[int]) -> list[bool]:
    """Per clique: whether it is the home of a ``wanted`` variable or on the path from one
    to its root (where the distribute pass must run)."""
    home = {v: k for k, homes in enumerate(tree.homes) for v in homes}
    needed = [False] * len(tree.cliques)
    for v in wanted:
        k = home[v]
        while k >= 0 and not needed[k]:
            needed[k] = True
            k = tree.parents[k]
    return needed


def _propagate(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    needed: list[bool] | None,
    *,
    careful: bool,
) -> Propagation | None:
    # Tables are (2^size, B): configurations with the homes most significant, batch
    # last, so that the sums and products below run over contiguous blocks. Sums over
    # a leading or trailing block are matrix products with a vector of ones: NumPy's
    # own reductions crawl when the other block is only a few entries long.
    b = log_unary.shape[0]
    n = len(tree.cliques)
    if n == 0:
        empty = np.zeros((b, 0))
        return Propagation(present=empty, absent=empty, log_z=np.zeros(b), potentials=())
    parents = tree.parents
    # 1. Initial potentials: unary factors of the homed variables times static tables.
    #    Every variable is home in exactly one clique: one gather serves them all.
    columns = log_unary.T[tree.home_variables]
    pots: list[FloatArray] = []
    offset = 0
    for k in range(n):
        h = tree.n_homes[k]
        lam = home_factors(columns[offset : offset + h], h)
        offset += h
        pots.append(_initial(static[k], lam, tree.shapes[k], h, b))
    messages: list[FloatArray] = [pots[0]] * n
    sent: list[FloatArray | None] = [None] * n
    scales: list[FloatArray] = []
    log_scales = np.zeros((n, b))
    sizes = [len(clique) for clique in tree.cliques]
    # The gather that broadcasts a message onto its parent's configurations is also
    # the count that sums the parent back onto the separator: one index per edge.
    indices: list[npt.NDArray[np.intp] | None] = [None] * n
    # 2. Collect towards the roots (rescaling every message in the careful pass): sum
    #    the leading home block, multiply into the parent's separator axes.
    for k in range(n):
        p = parents[k]
        pot = pots[k]
        if p < 0:
            total = _sum_rows(pot)
            if not careful and not (total > _TINY).all():
                return None
            scales.append(total)
            log_scales[k] = np.log(total)
            pot /= _safe(total)
            continue
        message = _sum_rows(pot.reshape(1 << tree.n_homes[k], -1)).reshape(-1, b)
        messages[k] = message
        if careful:
            total = _sum_rows(message)
            scales.append(total)
            log_scales[k] = np.log(total)
            message = message / _safe(total)
        sent[k] = message
        if sizes[p] <= _INDEX_LIMIT:
            index = configuration_index(sizes[p], tree.sep_positions[k])
            indices[k] = index
            pots[p] *= message.take(index, axis=0)
        else:
            grown = pots[p].reshape((*tree.shapes[p], b))
            grown *= message.reshape((*tree.up_shapes[k], b))
    # 3. Distribute from the roots: child ← child · P(S | e) / m on its trailing block.
    for k in range(n - 1, -1, -1):
        p = parents[k]
        if p < 0 or (needed is not None and not needed[k]):
            continue
        edge = indices[k]
        if b == 1 and edge is not None and tree.down_axes[k]:
            separator = _count(edge, pots[p], len(messages[k])).reshape(-1, 1)
        else:
            separator = separator_marginal(pots[p], sizes[p], tree.down_axes[k])
        old = messages[k]
        if careful:
            ratio = np.divide(separator, old, out=np.zeros_like(separator), where=old != 0)
        else:
            # Exact zeros (impossible configurations) make 0/0 here; adding 1e-300 reads
            # it as 0 and leaves any message entry that matters unchanged, since the
            # fast pass only stands when the root mass is above 1e-250.
            ratio = separator / (old + 1e-300)
        _scale_trailing(pots[k], ratio, sizes[k], tree.n_homes[k], b)
    log_z = np.log(np.stack(scales)).sum(axis=0) if scales else np.zeros(b)
    # 4. Marginals of each clique's home variables, reordered by variable index.
    present_parts: list[FloatArray] = []
    absent_parts: list[FloatArray] = []
    for k in range(n):
        h = tree.n_homes[k]
        size = sizes[k]
        if needed is not None and not needed[k]:
            unread = np.full((h, b), np.nan)
            present_parts.append(unread)
            absent_parts.append(unread)
            continue
        if h <= _BITS_LIMIT and size <= _DIRECT_LIMIT:
            both = direct_marginal_bits(size, h) @ pots[k]
        else:
            both = _home_marginals(_home_table(pots[k], size, h, b), h)
        present_parts.append(both[:h])
        absent_parts.append(both[h:])
    present = np.concatenate(present_parts, axis=0)[tree.home_order].T
    absent = np.concatenate(absent_parts, axis=0)[tree.home_order].T
    if not careful and not all(
        np.isfinite(part).all()
        for k, part in enumerate(present_parts + absent_parts)
        if needed is None or needed[k % n]
    ):
        return None
    shaped = tuple(pot.reshape((*tree.shapes[k], b)) for k, pot in enumerate(pots))
    return Propagation(
        present=present,
        absent=absent,
        log_z=log_z,
        potentials=shaped,
        sent=tuple(sent),
        log_scales=log_scales,
        careful=careful,
    )


def sum_middle(table: FloatArray) -> FloatArray:
    """Sum a 3-D table over its middle axis: ``(A, L, C) → (A, C)``.

    NumPy's own reduction over a leading or middle axis crawls when the trailing block
    is short: on this machine a ``(1, 32768, 4)`` table took 707 µs, against 50 µs as a
    product with ones, which BLAS runs (the engine's entry points keep BLAS to one
    thread, see :mod:`nervepath.engine.threads`). An axis of length 2 over short rows is
    one addition of its two halves, faster still (a ``(2048, 2, 8)`` table: 46 µs,
    against 162 µs as a product and 267 µs reduced); over rows of 64 or more the product
    wins again. An axis of 4 or 8 over short rows, under many leading entries, is one
    ``einsum`` (the product would run one tiny product per leading entry).
    """
    if table.shape[1] == 2 and table.shape[2] < 64:
        halves: FloatArray = table[:, 0] + table[:, 1]
        return halves
    if table.shape[1] <= 8 and table.shape[2] < 64 and table.shape[0] > 1:
        # Many short sums (a ``(16384, 4, 4)`` table: 272 µs, against 654 µs as a batched
        # product with ones, which runs one tiny product per leading index).
        summed: FloatArray = np.einsum("alc->ac", table)
        return summed
    out: FloatArray = np.matmul(ones(table.shape[1]), table)
    return out


def _sum_rows(table: FloatArray) -> FloatArray:
    """The sum of a 2-D table's rows (a product with ones: see :func:`sum_middle`)."""
    out: FloatArray = ones(table.shape[0]) @ table
    return out


def _home_table(pot: FloatArray, size: int, h: int, b: int) -> FloatArray:
    """``(2^h, B)``: a ``(2^size, B)`` table summed over its trailing ``size − h`` axes."""
    if size == h:
        return pot
    rest = 1 << (size - h)
    if b == 1:
        out: FloatArray = pot.reshape(1 << h, rest) @ ones(rest)
        return out.reshape(-1, 1)
    if size <= _INDEX_LIMIT and b <= _BATCH_LIMIT:
        index = batched_index(size, tuple(range(h)), b)
        return _count(index, pot, b << h).reshape(-1, b)
    return sum_middle(pot.reshape(1 << h, rest, b))


def _count(index: npt.NDArray[np.intp], table: FloatArray, length: int) -> FloatArray:
    """``out[i] = Σ table.flat[c]`` over the entries ``c`` with ``index[c] = i``."""
    return cast(FloatArray, np.bincount(index, weights=table.reshape(-1), minlength=length))


def _initial(
    table: FloatArray | None, lam: FloatArray, shape: tuple[int, ...], h: int, b: int
) -> FloatArray:
    """``(2^size, B)``: a clique's static table times its homes' unary factors ``lam``."""
    size = len(shape)
    rest = 1 << (size - h)
    if table is None:
        return np.repeat(lam, rest, axis=0) if rest > 1 else lam
    if table.size != (1 << size) * table.shape[-1]:
        # The static product may leave out axes that no factor touches: broadcast.
        if size > _INDEX_LIMIT:
            full = np.empty((*shape, b))
            home_shape = (*shape[:h], *((1,) * (size - h)), b)
            np.multiply(table, lam.reshape(home_shape), out=full)
            return full.reshape(-1, b)
        present = tuple(a for a in range(size) if table.shape[a] == 2)
        flat = table.reshape(-1, table.shape[-1])
        table = flat.take(configuration_index(size, present), axis=0)
    if rest == 1:
        return table.reshape(-1, table.shape[-1]) * lam
    if b == 1 and rest < _BROADCAST_MIN:
        out: FloatArray = table.reshape(-1) * np.repeat(lam.reshape(-1), rest)
        return out.reshape(-1, 1)
    blocks = table.reshape(1 << h, rest, table.shape[-1]) * lam.reshape(1 << h, 1, b)
    return blocks.reshape(-1, b)


def _scale_trailing(pot: FloatArray, ratio: FloatArray, size: int, h: int, b: int) -> None:
    """``pot (2^size, B) *= ratio`` over its trailing ``size − h`` axes."""
    rest = 1 << (size - h)
    if rest * b < _BROADCAST_MIN and size <= _INDEX_LIMIT:
        pot *= ratio.take(low_index(size, size - h), axis=0)
        return
    child = pot.reshape(1 << h, -1)
    child *= ratio.reshape(1, -1)


def _blocks(h: int) -> list[int]:
    """``h`` homes as consecutive blocks of at most :data:`_BITS_LIMIT`, as even as can be."""
    count = -(-h // _BITS_LIMIT)
    return [h // count + (1 if j < h % count else 0) for j in range(count)]


def home_factors(logs: FloatArray, h: int) -> FloatArray:
    """``(2^h, B)``: ``∏_j λ_j(x_j)`` over the home configurations, ``λ_j = (1, e^logs_j)``."""
    if h <= _BITS_LIMIT:
        out: FloatArray = np.exp(configurations(h) @ logs)
        return out
    b = logs.shape[1]
    table = np.ones((1, b))
    start = 0
    for size in _blocks(h):
        block = np.exp(configurations(size) @ logs[start : start + size])
        table = (table[:, None, :] * block[None, :, :]).reshape(-1, b)
        start += size
    return table


def _home_marginals(homes: FloatArray, h: int) -> FloatArray:
    """``(2h, B)``: the mass of ``x_j = 1`` for each home ``j``, then of ``x_j = 0``."""
    if h <= _BITS_LIMIT:
        out: FloatArray = marginal_bits(h) @ homes
        return out
    b = homes.shape[1]
    present: list[FloatArray] = []
    absent: list[FloatArray] = []
    before = 0
    for size in _blocks(h):
        after = h - before - size
        # The block's own table: the leading and trailing blocks summed out.
        block = _sum_rows(homes.reshape(1 << before, -1))
        block = sum_middle(block.reshape(1 << size, 1 << after, b))
        both = marginal_bits(size) @ block
        present.append(both[:size])
        absent.append(both[size:])
        before += size
    return np.concatenate(present + absent)


def _safe(total: FloatArray) -> FloatArray:
    """``total`` with zeros replaced by ones (a zero mass stays zero when divided)."""
    return np.where(total > 0.0, total, 1.0)
