"""The widest abnormal findings as signed sums of two products, instead of tables.

An abnormal observation ``Y_f = k`` has likelihood (noisy-MAX, see
:mod:`nervepath.engine.network`)::

    P(Y_f = k | pa) = F_f(k | pa) − F_f(k − 1 | pa),   F_f(j | pa) = C_leak(j) ∏_i C_i(j)^pa_i

with ``F_f(K − 1) = 1``: the difference of two products of unary factors. As a table or
a chain (:mod:`nervepath.engine.evidence`) it joins all of ``f``'s parents in the
junction tree; ``back_pain`` has 22 parents, and one such finding observed makes the
trees of clinical cases about 4× larger (``docs/inference-notes.md``). Written as its
two terms instead, the step of Quickscore (Heckerman 1989) applied to a few findings
only, it adds no edge: for the set ``W`` of findings split this way,

    P(e) = Σ_{T ⊆ W} (−1)^|T| Z_T,   P(h = 1 | e) = Σ_T (−1)^|T| Z_T P_T(h = 1) / P(e),

where ``Z_T`` and ``P_T`` come from the tree without ``W``, with, for each ``f ∈ W``,
the unary factors of ``F_f(k)`` (``f ∉ T``) or ``F_f(k − 1)`` (``f ∈ T``): the
``2^|W|`` terms are rows of one batched propagation.

The signed sum can cancel, which is why Quickscore fails beyond a few findings. Its
rounding error is at most about ``ε · Σ_T Z_T / |P(e)|`` (every ``Z_T ≥ 0`` is
computed to relative precision ``ε``), so a result is used only when that ratio is
below :data:`MAX_CANCELLATION`; callers otherwise fall back to the tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork

__all__ = [
    "MAX_CANCELLATION",
    "SPLIT_MAX",
    "SPLIT_MIN_PARENTS",
    "Terms",
    "combine",
    "leave_out",
    "ratios_to_first",
    "signed_log_sum",
    "split_terms",
    "terms_of",
]

FloatArray = npt.NDArray[np.float64]

SPLIT_MIN_PARENTS = 12
"""Abnormal findings with at least this many parents are split. In the shipped network
that is ``back_pain`` (22), ``symptoms_worse_walking`` (17) and ``age_over_50`` (14);
splitting them halves the mean tree of the clinical vignettes (105k → 50k entries, the
terms counted) and cuts the largest from 964k to 377k. Splitting narrower findings
costs more terms than it saves."""

SPLIT_MAX = 3
"""At most this many findings are split (``2^3`` terms)."""

MAX_CANCELLATION = 1e3
"""Largest accepted ``Σ_T |terms| / |sum|``: the result then carries at most about
``1e3 · 1e-15`` of rounding, far inside the engine's 1e-9 agreement bar."""


@dataclass(frozen=True, slots=True, eq=False)
class Terms:
    """The ``2^|W|`` terms of the split findings ``findings``.

    ``log_rows[t]`` holds term ``t``'s unary log-factors ``log λ_v(1)`` over the hidden
    nodes, ``log_constants[t]`` its ``Σ log C_leak``, ``signs[t]`` its ``(−1)^|T|``.
    """

    findings: tuple[int, ...]
    log_rows: FloatArray
    log_constants: FloatArray
    signs: FloatArray


def split_terms(compiled: CompiledNetwork, evidence: Mapping[int, int]) -> Terms | None:
    """The terms of the widest abnormal findings in ``evidence``, or ``None`` if none is wide."""
    network = compiled.network
    wide = [
        f
        for f, k in evidence.items()
        if k != 0 and len(network.findings[f].parents) >= SPLIT_MIN_PARENTS
    ]
    if not wide:
        return None
    wide.sort(key=lambda f: (-len(network.findings[f].parents), f))
    return terms_of(compiled, evidence, tuple(wide[:SPLIT_MAX]))


def terms_of(
    compiled: CompiledNetwork, evidence: Mapping[int, int], findings: tuple[int, ...]
) -> Terms:
    """The ``2^|findings|`` terms of the given abnormal ``findings``."""
    network = compiled.network
    count = 1 << len(findings)
    log_rows = np.zeros((count, compiled.n_hidden))
    log_constants = np.zeros(count)
    signs = np.ones(count)
    for t in range(count):
        for i, f in enumerate(findings):
            lower = (t >> i) & 1  # this term takes F_f(k − 1), with a minus sign
            j = evidence[f] - lower
            if j < len(network.findings[f].states) - 1:  # F_f(K − 1) = 1 adds nothing
                log_rows[t] += compiled.log_cumulative[f][j]
                log_constants[t] += compiled.leak_log_cumulative[f][j]
            if lower:
                signs[t] = -signs[t]
    return Terms(findings, log_rows, log_constants, signs)


def leave_out(
    compiled: CompiledNetwork, evidence: Mapping[int, int], terms: Terms, i: int
) -> Terms:
    """``terms`` with split finding ``i`` left out (its factor 1), padded with terms of
    weight 0 to the same count, so that every leave-one-out row has as many terms."""
    rest = terms_of(compiled, evidence, terms.findings[:i] + terms.findings[i + 1 :])
    pad = len(terms.signs) - len(rest.signs)
    return Terms(
        terms.findings,
        np.concatenate([rest.log_rows, np.zeros((pad, rest.log_rows.shape[1]))]),
        np.concatenate([rest.log_constants, np.zeros(pad)]),
        np.concatenate([rest.signs, np.zeros(pad)]),
    )


def combine(log_masses: FloatArray, terms: Terms) -> tuple[FloatArray, FloatArray] | None:
    """Signed weights of the terms and the log of their sum, per row of ``log_masses``.

    ``log_masses`` is ``(…, 2^|W|)``: each term's ``log Z_T`` (without the constants).
    Returns ``(weights, log_total)`` with ``weights`` summing to 1 along the last axis,
    or ``None`` (see :func:`signed_log_sum`).
    """
    logs = log_masses + terms.log_constants
    log_total = signed_log_sum(logs, terms.signs)
    if log_total is None:
        return None
    with np.errstate(under="ignore"):
        weights = terms.signs * np.exp(logs - log_total[..., None])
    return weights, log_total


def ratios_to_first(log_masses: FloatArray, terms: Terms) -> FloatArray | None:
    """``P_g / P_0`` for each row ``g ≥ 1`` of ``log_masses`` (``(G + 1, 2^|W|)``, as for
    :func:`combine`), where every row's terms are those of row 0 times factors in ``[0, 1]``
    (the origin groups' members forced absent); ``None`` when row 0 cancels too much.

    Only row 0 needs the relative guard of :func:`signed_log_sum`. A row ``g`` may cancel
    far more (``P_g`` can be tiny), but each of its terms is at most row 0's, so its
    rounding error is at most about ``ε · Σ_T |Z_T(0)| ≤ ε · MAX_CANCELLATION · P_0``:
    the ratio is exact to about 1e-12 absolutely, whatever the cancellation, and is
    clipped to ``[0, 1]``. (Requiring every row to pass the relative guard sent such
    cases to the tables, seconds each on dense clinical cases.)
    """
    logs = log_masses + terms.log_constants
    first = signed_log_sum(logs[:1], terms.signs)
    if first is None:
        return None
    with np.errstate(under="ignore", divide="ignore"):
        scaled = np.exp(logs[1:] - first[0])  # each term over P_0: at most MAX_CANCELLATION
    ratios: FloatArray = np.clip((terms.signs * scaled).sum(axis=-1), 0.0, 1.0)
    return ratios


def signed_log_sum(logs: FloatArray, coefficients: FloatArray) -> FloatArray | None:
    """``log Σ_t c_t e^{logs[…, t]}`` along the last axis.

    ``None`` when a sum is not positive, or when ``Σ_t |c_t| e^{logs} / sum`` exceeds
    :data:`MAX_CANCELLATION` (its rounding error is then no longer negligible).
    """
    peak = logs.max(axis=-1, keepdims=True)
    if not np.isfinite(peak).all():
        return None
    with np.errstate(under="ignore"):
        scaled = np.exp(logs - peak)
    total = (coefficients * scaled).sum(axis=-1)
    if not (total > 0.0).all():
        return None
    magnitude = (np.abs(coefficients) * scaled).sum(axis=-1)
    if not (magnitude <= MAX_CANCELLATION * total).all():
        return None
    out: FloatArray = np.log(total) + peak[..., 0]
    return out
