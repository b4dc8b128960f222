"""Configurations of binary variables: indicator tables and indices, cached and read-only.

A table over ``size`` binary variables is C-ordered, ``(2,) * size``: configuration ``c``
gives variable ``j`` the bit ``size − 1 − j`` of ``c`` (the first variable is the most
significant). Every helper here follows that order; the results are shared between
calls, so they are made read-only.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

__all__ = [
    "batched_index",
    "configuration_index",
    "configurations",
    "direct_marginal_bits",
    "indicators",
    "low_index",
    "marginal_bits",
    "ones",
]

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]


@functools.lru_cache(maxsize=64)
def configurations(size: int) -> FloatArray:
    """``(2^size, size)``: each configuration's value of each variable (0 or 1); for the
    few homes of a clique (at most :data:`.junction._BITS_LIMIT` at a time)."""
    bits = (np.arange(1 << size)[:, None] >> np.arange(size)[::-1]) & 1
    out: FloatArray = np.ascontiguousarray(bits, dtype=np.float64)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=32)
def marginal_bits(size: int) -> FloatArray:
    """``(2·size, 2^size)``: the indicators of ``x_j = 1``, then of ``x_j = 0``, by row."""
    bits = configurations(size).T
    out: FloatArray = np.ascontiguousarray(np.concatenate([bits, 1.0 - bits]))
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=256)
def direct_marginal_bits(size: int, h: int) -> FloatArray:
    """``(2h, 2^size)``: :func:`marginal_bits` of the ``h`` leading axes, each column
    repeated over the trailing configurations, so one product gives the marginals of
    the ``h`` leading variables of a whole table."""
    out: FloatArray = np.ascontiguousarray(np.repeat(marginal_bits(h), 1 << (size - h), axis=1))
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=1024)
def indicators(size: int, where: tuple[int, ...]) -> FloatArray:
    """``(len(where), 2^size)``: row ``j`` is the indicator of ``x_{where[j]} = 1``.

    Made from the chosen axes alone: :func:`configurations` of a large clique would keep
    all its axes in the cache (``2^17 × 17`` entries are 18 MB).
    """
    shifts = size - 1 - np.asarray(where, dtype=np.intp)
    bits = (np.arange(1 << size, dtype=np.intp)[None, :] >> shifts[:, None]) & 1
    out: FloatArray = np.ascontiguousarray(bits, dtype=np.float64)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=2048)
def configuration_index(size: int, positions: tuple[int, ...]) -> IndexArray:
    """``(2^size,)``: each configuration's index among those of the axes ``positions``.

    The axes keep their listed order (the first is the most significant bit), so
    gathering a table over ``positions`` with this index broadcasts it onto the whole
    table, and ``np.bincount`` with it sums the whole table onto ``positions``.
    """
    every = np.arange(1 << size, dtype=np.intp)
    out = np.zeros(1 << size, dtype=np.intp)
    for a in positions:
        out <<= 1
        out |= (every >> (size - 1 - a)) & 1
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=512)
def batched_index(size: int, positions: tuple[int, ...], b: int) -> IndexArray:
    """``(2^size · B,)``: :func:`configuration_index` of each entry of a ``(2^size, B)``
    table, as an index into a ``(2^|positions|, B)`` one."""
    index = configuration_index(size, positions)
    if b == 1:
        return index
    out = (index[:, None] * b + np.arange(b, dtype=np.intp)).reshape(-1)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=256)
def low_index(size: int, low: int) -> IndexArray:
    """``(2^size,)``: each configuration's index among those of its last ``low`` axes."""
    out = np.arange(1 << size, dtype=np.intp) & ((1 << low) - 1)
    out.setflags(write=False)
    return out


@functools.lru_cache(maxsize=64)
def ones(size: int) -> FloatArray:
    """A vector of ``size`` ones: ``ones @ table`` sums rows through BLAS."""
    out = np.ones(size)
    out.setflags(write=False)
    return out
