"""One BLAS thread for the engine's matrix products, whoever calls it.

The engine's matrix products are many and of moderate size, at most about
``(16 × 65536) @ (65536 × 64)``, and OpenBLAS's worker threads do not pay there. On
the project's 2-core machine, with the other core busy, that product took 1.37 s with
OpenBLAS's default threads and 7 ms with one: the workers wait for a core that is not
free. The engine's entry points and ``compile_network`` therefore run with BLAS limited
to one thread (threadpoolctl, Pedregosa et al.), and the caller's limit is restored on
return. With one thread, BLAS's sums (products with a vector of ones) are also the
fastest way to sum NumPy tables over a leading or middle axis (see
:func:`nervepath.engine.junction.sum_middle`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from threadpoolctl import ThreadpoolController

__all__ = ["one_blas_thread"]

P = ParamSpec("P")
R = TypeVar("R")


@functools.cache
def _controller() -> ThreadpoolController:
    """The loaded thread pools, found once (about 1 ms: it scans the loaded libraries)."""
    return ThreadpoolController()


def one_blas_thread(function: Callable[P, R]) -> Callable[P, R]:
    """Run ``function`` with BLAS limited to one thread (about 10 µs a call)."""

    @functools.wraps(function)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        with _controller().limit(limits=1, user_api="blas"):
            return function(*args, **kwargs)

    return limited
