"""A compiled network given new numbers on the same structure, without compiling it again.

A case's age changes a few leaks and root priors (``knowledge/ages.py``: an absent ankle jerk
is commoner at 75 than at 35), never the graph. Compiling the whole network again takes about
two seconds; here only what those numbers enter is recomputed:

* a finding's leak enters its abnormal tables, its chains (one per layout), its leak row
  ``log C_leak(k)`` and the normal leak ``log C_leak(0)`` (:mod:`nervepath.engine.compiled`);
* a root's prior enters its log-odds and log-absent terms and the prior marginals.

The graph, the elimination hints, the hidden families and every other finding's tables are
shared with the network it came from. The result equals ``compile_network(network)`` array by
array (``tests/engine/test_revalue.py``), so inference on it is exact for the new numbers.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from nervepath.engine.compiled import (
    TABLE_MAX,
    CompiledNetwork,
    Layout,
    _prior_marginals,
    _readonly,
)
from nervepath.engine.network import FindingNode, Network, NetworkError
from nervepath.engine.tables import chain_factors, finding_tables, log_or_zero

__all__ = ["revalue"]


def revalue(compiled: CompiledNetwork, network: Network) -> CompiledNetwork:
    """``compiled`` with the finding leaks and root priors of ``network``, which must have the
    same nodes, states, parents and links (:class:`NetworkError` otherwise)."""
    old = compiled.network
    _same_structure(old, network)
    findings = [
        f
        for f, (a, b) in enumerate(zip(old.findings, network.findings, strict=True))
        if a.leak != b.leak
    ]
    roots = [
        i
        for i, (a, b) in enumerate(zip(old.hidden, network.hidden, strict=True))
        if a.prior != b.prior
    ]
    if not findings and not roots:
        return compiled
    # 1. The changed findings' tables and leak rows.
    tables = list(compiled.finding_tables)
    leak_rows = list(compiled.leak_log_cumulative)
    normal_leak = np.array(compiled.normal_leak)
    for f in findings:
        node = network.findings[f]
        if len(node.parents) < TABLE_MAX:
            tables[f] = tuple(_readonly(t) for t in finding_tables(node))
        row = np.array([log_or_zero(min(1.0, float(c))) for c in np.cumsum(node.leak)[:-1]])
        leak_rows[f] = _readonly(row)
        normal_leak[f] = row[0]
    layouts = tuple(_rechained(layout, network.findings, findings) for layout in compiled.layouts)
    # 2. The changed roots' terms and, if any, the prior marginals.
    log_odds = np.array(compiled.root_log_odds)
    log_absent = np.array(compiled.root_log_absent)
    for i in roots:
        p = float(network.hidden[i].prior or 0.0)
        log_odds[i] = math.log(p) - math.log1p(-p)
        log_absent[i] = math.log1p(-p)
    prior = (
        _readonly(_prior_marginals(layouts[0], log_odds, len(network.hidden)))
        if roots
        else compiled.prior_marginals
    )
    return replace(
        compiled,
        network=network,
        layouts=layouts,
        root_log_odds=_readonly(log_odds),
        root_log_absent=_readonly(log_absent),
        finding_tables=tuple(tables),
        leak_log_cumulative=tuple(leak_rows),
        normal_leak=_readonly(normal_leak),
        prior_marginals=prior,
    )


def _rechained(layout: Layout, nodes: tuple[FindingNode, ...], changed: list[int]) -> Layout:
    """The layout with the chains of the changed findings rebuilt (same parent order)."""
    chains = list(layout.finding_chains)
    touched = False
    for f in changed:
        order = layout.chain_orders[f]
        if not order:
            continue
        node = nodes[f]
        chains[f] = tuple(
            tuple(_readonly(t) for t in chain_factors(node, k, order))
            for k in range(1, len(node.states))
        )
        touched = True
    return replace(layout, finding_chains=tuple(chains)) if touched else layout


def _same_structure(old: Network, new: Network) -> None:
    problems: list[str] = []
    if len(old.hidden) != len(new.hidden) or len(old.findings) != len(new.findings):
        problems.append("the networks have different numbers of nodes")
    else:
        for a, b in zip(old.hidden, new.hidden, strict=True):
            if (a.name, a.parents, a.leak, a.is_root) != (b.name, b.parents, b.leak, b.is_root):
                problems.append(f"hidden node {b.name}: only a root's prior may change")
        for x, y in zip(old.findings, new.findings, strict=True):
            if (x.name, x.states, x.parents, x.answer) != (y.name, y.states, y.parents, y.answer):
                problems.append(f"finding {y.name}: only its leak may change")
    if problems:
        raise NetworkError("cannot revalue:\n" + "\n".join(f"- {p}" for p in problems[:10]))
