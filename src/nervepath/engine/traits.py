"""A risk factor as a question: the answer with one copy per parent (``engine.network``).

A risk factor ``R`` (age over 50, diabetes) changes each parent's odds on its own: its
state ``k`` multiplies the weight of parent ``p`` present by ``ρ_p(k) = P(c_p = k | p
alone) / P(c_p = k | none)``, one unary row of soft evidence per state. As a question it
is a root with ``P(R = k)`` its leak (its rate among the people served), so

    P(R = k | e) ∝ L(k) · E[ρ(k) | e] / E[ρ(k)],

(``E[ρ(k)]`` under the prior: the ratio is the model's ``P(e | R = k) / P(e)``), and
``P(t | e, R = k)`` is the row's conditional. Its gain is the mutual information of ``R``
and the targets under that mixture, ``H(Σ_k P_k P(t | e, k)) − Σ_k P_k H(P(t | e, k))``,
which concavity keeps ``≥ 0``. (The mixture is not exactly ``P(t | e)``: without ``R``
the sites keep their population priors, as every unasked risk factor leaves them.)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork
from nervepath.engine.evidence import finding_indices
from nervepath.engine.inference import ImpossibleEvidenceError, infer
from nervepath.engine.junction import LOG_ZERO

__all__ = ["candidate_answers", "trait_rows", "trait_scores", "trait_states", "weighted_entropy"]

FloatArray = npt.NDArray[np.float64]


def trait_rows(compiled: CompiledNetwork, copies: tuple[int, ...]) -> FloatArray:
    """``log ρ_p(k)`` of the answer with these copies: one row over the hidden nodes per
    state (``LOG_ZERO`` where a parent makes the state impossible; zeros for a state the
    leak gives no probability, which :func:`trait_states` weighs 0)."""
    findings = compiled.network.findings
    leak = np.asarray(findings[copies[0]].leak)
    rows = np.zeros((len(leak), compiled.n_hidden))
    for c in copies:
        ((parent, q),) = findings[c].parents
        upto = np.cumsum(leak) * np.cumsum(q)  # noisy-MAX: P(c ≤ k | parent alone)
        point = np.maximum(np.diff(upto, prepend=0.0), 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(leak > 0.0, point / leak, 1.0)
            rows[:, parent] += np.where(ratio > 0.0, np.log(ratio), LOG_ZERO)
    return rows


@functools.lru_cache(maxsize=256)
def _prior_log_mass(compiled: CompiledNetwork, copies: tuple[int, ...]) -> FloatArray:
    """``log E[ρ(k)]`` under the prior, per state: ``log P(every copy = k)`` less the
    copies' leak terms (``-inf`` for a state no configuration allows)."""
    leak = compiled.network.findings[copies[0]].leak
    out = np.full(len(leak), -math.inf)
    for k, p in enumerate(leak):
        if p <= 0.0:
            continue
        try:
            log_z = infer(compiled, {c: k for c in copies}).log_evidence
        except ImpossibleEvidenceError:
            continue
        out[k] = log_z - len(copies) * math.log(p)
    return out


def trait_states(
    compiled: CompiledNetwork, copies: tuple[int, ...], log_mass: FloatArray
) -> FloatArray:
    """``P(R = k | e)`` from each state row's ``log E[ρ(k) | e]``."""
    leak = np.asarray(compiled.network.findings[copies[0]].leak)
    prior = _prior_log_mass(compiled, copies)
    with np.errstate(divide="ignore", invalid="ignore"):
        possible = np.isfinite(prior) & (leak > 0.0)
        log_w = np.where(possible, np.log(leak) + log_mass - prior, -np.inf)
    if not np.isfinite(log_w).any():
        name = compiled.network.findings[copies[0]].answered_as
        raise ImpossibleEvidenceError(f"no answer to {name!r} is possible with this evidence")
    w = np.exp(log_w - log_w.max())
    return np.asarray(w / w.sum())


def candidate_answers(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    candidates: Iterable[int | str] | None,
) -> list[tuple[int, ...]]:
    """Each unanswered candidate's findings: itself, or a risk factor's copies."""
    network = compiled.network
    if candidates is None:
        return [
            copies for copies in network.answers.values() if not any(f in evidence for f in copies)
        ]
    out: list[tuple[int, ...]] = []
    seen: set[int] = set()  # a list's `in` made 600 candidates cost ~4 ms
    for candidate in candidates:
        if isinstance(candidate, str) and candidate in network.answers:
            copies = network.answers[candidate]
        else:  # a finding by index or node name; a copy stands for its whole answer
            (index,) = finding_indices(compiled, [candidate])
            copies = network.answers[network.findings[index].answered_as]
        if copies[0] not in evidence and copies[0] not in seen:
            seen.add(copies[0])
            out.append(copies)
    return out


def trait_scores(
    compiled: CompiledNetwork,
    traits: list[tuple[int, ...]],
    log_mass: FloatArray,
    conditional: FloatArray,
    n_targets: int,
) -> list[tuple[str, float, FloatArray, FloatArray]]:
    """Each risk factor's name, gain, ``P(R = k | e)`` and targets' ``P(t = 1 | e, R = k)``,
    from its state rows' ``log E[ρ(k) | e]`` and conditionals (in ``traits`` order)."""
    out: list[tuple[str, float, FloatArray, FloatArray]] = []
    start = 0
    for copies in traits:
        count = len(compiled.network.findings[copies[0]].states)
        given = conditional[start : start + count]
        states = trait_states(compiled, copies, log_mass[start : start + count])
        start += count
        mixed = states @ given
        spread = weighted_entropy(mixed, 1.0 - mixed).sum()
        expected = states @ weighted_entropy(given, 1.0 - given).sum(axis=1)
        name = compiled.network.findings[copies[0]].answered_as
        out.append((name, float(max(spread - expected, 0.0)), states, given[:, :n_targets]))
    return out


def weighted_entropy(present: FloatArray, absent: FloatArray) -> FloatArray:
    """``w · H_b(present / w)`` with ``w = present + absent`` (0 where a term is 0)."""
    total = present + absent
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(present > 0.0, present * np.log(total / present), 0.0)
        terms += np.where(absent > 0.0, absent * np.log(total / absent), 0.0)
    return np.asarray(terms)
