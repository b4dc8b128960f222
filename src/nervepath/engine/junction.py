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
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.cliques import MERGE_LIMIT, REFINE_SIZE, JunctionTree, build_tree

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
]

FloatArray = npt.NDArray[np.float64]

LOG_ZERO = -1e300
"""Stands for ``log 0`` in unary log-factors: finite, so ``0 · LOG_ZERO`` is 0, not NaN."""

_BITS_LIMIT = 12
"""Up to this many homes, unary factors and marginals use cached indicator matrices
(one matrix product each); above it, one broadcast per home variable."""


@functools.lru_cache(maxsize=32)
def _configurations(size: int) -> FloatArray:
    """``(2^size, 2·size)``: each variable's indicator of 1, then of 0, per configuration.

    The first variable is the most significant bit, as in a C-ordered ``(2,)*size``
    table.
    """
    bits = ((np.arange(1 << size)[:, None] >> np.arange(size)[::-1]) & 1).astype(np.float64)
    out = np.ascontiguousarray(np.concatenate([bits, 1.0 - bits], axis=1))
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=32)
def _unary_bits(size: int) -> FloatArray:
    """``(2^size, size)``: the indicators of 1 (for ``exp(bits @ log λ)``)."""
    out = np.ascontiguousarray(_configurations(size)[:, :size])
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=32)
def _marginal_bits(size: int) -> FloatArray:
    """``(2·size, 2^size)``: indicators of ``x_j = 1`` then of ``x_j = 0``, by row."""
    out = np.ascontiguousarray(_configurations(size).T)
    out.setflags(write=False)
    return out


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


def separator_marginal(table: FloatArray, size: int, others: tuple[int, ...]) -> FloatArray:
    """Sum a ``(2^size, B)`` table over the axes ``others``: ``(2^(size − |others|), B)``.

    Each run of adjacent axes is summed as the middle axis of a three-axis view, from
    the last run to the first (so earlier axes keep their place): at most twice the
    table's size in all, against 5–30× that for one NumPy reduction over many
    scattered length-2 axes.
    """
    b = table.shape[-1]
    out = table
    left = size
    for start, length in _runs(others):
        after = left - start - length
        out = out.reshape(1 << start, 1 << length, (1 << after) * b).sum(axis=1)
        left -= length
    return out.reshape(1 << left, b)


@dataclass(frozen=True, slots=True, eq=False)
class Propagation:
    """Result of :func:`propagate` for a batch of ``B`` problems.

    ``present[b, j]`` and ``absent[b, j]`` are ``P(x = 1 | ·)`` and ``P(x = 0 | ·)`` of
    ``tree.variables[j]`` (both computed directly, so log-odds stay accurate near 0
    and 1); ``log_z[b]`` is the log of the total mass (``-inf`` when it is 0);
    ``potentials[k]`` is clique ``k``'s calibrated table ``P(C_k | ·)``, batch last.
    """

    present: FloatArray
    absent: FloatArray
    log_z: FloatArray
    potentials: tuple[FloatArray, ...]


def propagate(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
) -> Propagation:
    """Batched Hugin propagation; see the module docstring.

    ``static[k]`` is clique ``k``'s product of multi-variable tables, shaped
    ``(*tree.shapes[k], 1)`` or ``(*tree.shapes[k], B)`` (batch axis last; see
    :func:`nervepath.engine.compiled.static_potentials`), or ``None``. ``log_unary`` has shape
    ``(B, n)`` with ``n`` above every variable index: ``log λ_v(1)`` (``λ_v(0) = 1``).

    A first pass skips the rescaling of messages (the factors are probabilities, so
    nothing overflows); if the mass at a root falls below ``1e-250`` or anything is
    not finite, the pass is redone with every message rescaled and with 0/0 read as 0.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        result = _propagate(tree, static, log_unary, careful=False)
        if result is None:
            result = _propagate(tree, static, log_unary, careful=True)
    assert result is not None
    return result


_TINY = 1e-250


def _propagate(
    tree: JunctionTree,
    static: Sequence[FloatArray | None],
    log_unary: FloatArray,
    *,
    careful: bool,
) -> Propagation | None:
    # Tables are (2^size, B): configurations with the homes most significant, batch
    # last, so that the sums and products below run over contiguous blocks.
    b = log_unary.shape[0]
    n = len(tree.cliques)
    if n == 0:
        empty = np.zeros((b, 0))
        return Propagation(present=empty, absent=empty, log_z=np.zeros(b), potentials=())
    parents = tree.parents
    columns = np.ascontiguousarray(log_unary.T)
    pots: list[FloatArray] = []
    # 1. Initial potentials: unary factors of the homed variables times static tables.
    for k in range(n):
        h = tree.n_homes[k]
        rest = 1 << (len(tree.cliques[k]) - h)
        lam = home_factors(columns[tree.home_index[k]], h)
        table = static[k]
        if table is None:
            pot = np.repeat(lam, rest, axis=0) if rest > 1 else lam
        else:
            # The static product may leave out axes that no factor touches: broadcast.
            full = np.empty((*tree.shapes[k], b))
            home_shape = (*tree.shapes[k][:h], *((1,) * (len(tree.shapes[k]) - h)), b)
            np.multiply(table, lam.reshape(home_shape), out=full)
            pot = full.reshape(-1, b)
        pots.append(pot)
    messages: list[FloatArray] = [pots[0]] * n
    scales: list[FloatArray] = []
    # 2. Collect towards the roots (rescaling every message in the careful pass): sum
    #    the leading home block, multiply into the parent's separator axes.
    for k in range(n):
        p = parents[k]
        pot = pots[k]
        if p < 0:
            total = pot.sum(axis=0)
            if not careful and not (total > _TINY).all():
                return None
            scales.append(total)
            pot /= _safe(total)
            continue
        h = tree.n_homes[k]
        message = pot.reshape(1 << h, -1).sum(axis=0).reshape(-1, b)
        messages[k] = message
        if careful:
            total = message.sum(axis=0)
            scales.append(total)
            message = message / _safe(total)
        parent = pots[p].reshape((*tree.shapes[p], b))
        parent *= message.reshape((*tree.up_shapes[k], b))
    # 3. Distribute from the roots: child ← child · P(S | e) / m on its trailing block.
    for k in range(n - 1, -1, -1):
        p = parents[k]
        if p < 0:
            continue
        separator = separator_marginal(pots[p], len(tree.cliques[p]), tree.down_axes[k])
        old = messages[k]
        if careful:
            ratio = np.divide(separator, old, out=np.zeros_like(separator), where=old != 0)
        else:
            # Exact zeros (impossible configurations) make 0/0 here; adding 1e-300 reads
            # it as 0 and leaves any message entry that matters unchanged, since the
            # fast pass only stands when the root mass is above 1e-250.
            ratio = separator / (old + 1e-300)
        child = pots[k].reshape(1 << tree.n_homes[k], -1)
        child *= ratio.reshape(1, -1)
    log_z = np.log(np.stack(scales)).sum(axis=0) if scales else np.zeros(b)
    # 4. Marginals of each clique's home variables, reordered by variable index.
    present_parts: list[FloatArray] = []
    absent_parts: list[FloatArray] = []
    for k in range(n):
        h = tree.n_homes[k]
        if b == 1:
            homes = pots[k].reshape(1 << h, -1).sum(axis=1).reshape(-1, 1)
        else:
            homes = pots[k].reshape(1 << h, -1, b).sum(axis=1)
        both = _home_marginals(homes, h)
        present_parts.append(both[:h])
        absent_parts.append(both[h:])
    present = np.concatenate(present_parts, axis=0)[tree.home_order].T
    absent = np.concatenate(absent_parts, axis=0)[tree.home_order].T
    if not careful and not (np.isfinite(present).all() and np.isfinite(absent).all()):
        return None
    shaped = tuple(pot.reshape((*tree.shapes[k], b)) for k, pot in enumerate(pots))
    return Propagation(present=present, absent=absent, log_z=log_z, potentials=shaped)


def home_factors(logs: FloatArray, h: int) -> FloatArray:
    """``(2^h, B)``: ``∏_j λ_j(x_j)`` over the home configurations, ``λ_j = (1, e^logs_j)``."""
    if h <= _BITS_LIMIT:
        out: FloatArray = np.exp(_unary_bits(h) @ logs)
        return out
    lam = np.exp(logs)
    table = np.ones((1, logs.shape[1]))
    for j in range(h):
        table = np.stack([table, table * lam[j]], axis=1).reshape(-1, logs.shape[1])
    return table


def _home_marginals(homes: FloatArray, h: int) -> FloatArray:
    """``(2h, B)``: the mass of ``x_j = 1`` for each home ``j``, then of ``x_j = 0``."""
    if h <= _BITS_LIMIT:
        out: FloatArray = _marginal_bits(h) @ homes
        return out
    b = homes.shape[1]
    ones = [homes.reshape(1 << j, 2, -1, b)[:, 1].sum(axis=(0, 1)) for j in range(h)]
    zeros = [homes.reshape(1 << j, 2, -1, b)[:, 0].sum(axis=(0, 1)) for j in range(h)]
    return np.stack(ones + zeros)


def _safe(total: FloatArray) -> FloatArray:
    """``total`` with zeros replaced by ones (a zero mass stays zero when divided)."""
    return np.where(total > 0.0, total, 1.0)
