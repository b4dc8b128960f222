"""What the engine computes once per network: tables, log-factors and graph bitmasks.

For a finding ``f`` with ordered states ``0 … K−1`` and parents ``pa`` (noisy-MAX,
Díez 1993)::

    F_f(k | pa) = P(Y_f <= k | pa) = C_leak(k) · ∏_i C_i(k) ** pa_i,   C(k) = Σ_{j<=k} q(j)

so ``log F_f(k | ·)`` is a constant plus a unary log-factor ``pa_i · log C_i(k)`` on
each parent. The engine keeps these rows (``log_cumulative``) for every ``k < K−1``:
row ``k = 0`` absorbs a normal observation exactly, the other rows give the soft
evidence the question ranking needs. An abnormal observation ``Y = k`` has
``P(Y = k | pa) = F(k) − F(k−1)``, kept as a table over the parents or as a chain of
small factors (:mod:`nervepath.engine.tables`).

Two *layouts* of the factors are compiled: the first tabulates every hidden noisy-OR
(Pearl 1988 §4.3.2) and the findings with fewer than :data:`TABLE_MAX` parents; the
second chains the noisy-ORs and findings with :data:`CHAIN_MIN` parents or more. Few
large tables mean few cliques (less Python work per case); chains mean smaller
cliques when many abnormal findings share many parents. A case uses the first unless
its tree exceeds :data:`SWITCH_SIZE` entries, then whichever tree is smaller.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from nervepath.engine.junction import LOG_ZERO, JunctionTree, build_tree, propagate
from nervepath.engine.network import Network
from nervepath.engine.tables import chain_factors, family_table, log_or_zero, or_chain_factors
from nervepath.engine.tables import finding_tables as finding_tables_of
from nervepath.engine.threads import one_blas_thread
from nervepath.engine.triangulation import EliminationHint, bits_of, elimination_hint

__all__ = [
    "CHAIN_MIN",
    "SWITCH_SIZE",
    "TABLE_MAX",
    "CompiledNetwork",
    "Layout",
    "compile_network",
    "placed_factor",
    "static_potentials",
]

TABLE_MAX = 12
"""In the first layout, abnormal findings with fewer parents than this are tabulated
(one ``2^m`` factor) and hidden families always are; larger findings are chained.
Findings with 12 parents or more are split into signed terms (:mod:`.split`) unless
that cancels, so in practice only those fallbacks are chained: a chain's auxiliaries
cost more Python per case than a table of up to ``2^11`` entries saves (8 → 12 took
the benchmark's median from 2.7 to 2.2 ms and the vignettes' p90 from 4.9 to 3.1)."""

CHAIN_MIN = 4
"""In the second layout, findings and hidden families with at least this many parents
are chained (:mod:`nervepath.engine.tables`)."""

SWITCH_SIZE = 1 << 20
"""A case whose first-layout tree has more table entries than this is also tried in
the second layout, and the smaller tree is used. On the benchmark cases the chains'
extra cliques cost more than their smaller tables save up to about a million entries
(of the cases between 2^15 and 2^20, all but two ran slower chained, most by 30–100 %,
even where the chained tree was smaller), so the second layout bounds memory more
than it saves time."""

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class Layout:
    """One way of writing the hidden families and abnormal findings as factors.

    Variables ``0 … H−1`` are the hidden nodes, ``H … width−1`` auxiliaries of the
    hidden families written as chains; bitmasks are Python ints over variable ids.
    ``families[v]`` lists node ``v``'s noisy-OR factors ``(scope, table)`` (none for a
    root) and ``moral`` is their interaction graph. ``closure[v]`` is
    ``An(De(An(v)))`` with its members' auxiliaries: what the posterior of anything
    below ``v`` can involve. Abnormal findings with at least ``chain_from`` parents are
    chained (``finding_chains[f]``, one per abnormal state, over the parents in
    ``chain_orders[f]``: the order in which ``hint`` eliminates them), the others
    tabulated.
    """

    width: int
    families: tuple[tuple[tuple[int, FloatArray], ...], ...]
    moral: tuple[int, ...]
    closure: tuple[int, ...]
    finding_closure: tuple[int, ...]
    hint: EliminationHint
    chain_from: int
    finding_chains: tuple[tuple[tuple[FloatArray, ...], ...], ...]
    chain_orders: tuple[tuple[int, ...], ...]
    with_family: int
    """The hidden nodes that have family factors (the non-roots), as a bitmask."""


@dataclass(frozen=True, eq=False)
class CompiledNetwork:
    """A :class:`Network` with everything the per-case computation reuses.

    ``layouts`` holds the all-tables-but-large-findings layout and the chains layout
    (see :data:`SWITCH_SIZE`). ``log_cumulative[f]`` has shape ``(K−1, H)``;
    ``leak_log_cumulative[f]`` shape ``(K−1,)``; ``log 0`` is :data:`LOG_ZERO` there.
    Row 0 of every finding is also stacked into ``normal_finite`` (with 0 for
    ``log 0``) and ``normal_zero`` (1 for ``log 0``), so that normal findings can be
    added *and removed* exactly. ``finding_tables[f]`` (fewer than :data:`TABLE_MAX`
    parents) holds one table per abnormal state. ``prior_marginals`` is
    ``P(h = 1)`` with no evidence. All arrays are read-only.
    """

    network: Network
    layouts: tuple[Layout, ...]
    root_log_odds: FloatArray
    root_log_absent: FloatArray
    finding_scopes: tuple[int, ...]
    finding_tables: tuple[tuple[FloatArray, ...], ...]
    log_cumulative: tuple[FloatArray, ...]
    leak_log_cumulative: tuple[FloatArray, ...]
    normal_finite: FloatArray
    normal_zero: FloatArray
    normal_leak: FloatArray
    prior_marginals: FloatArray

    @property
    def n_hidden(self) -> int:
        return len(self.network.hidden)


def _readonly(array: FloatArray) -> FloatArray:
    array.setflags(write=False)
    return array


def _mask(indices: Iterable[int]) -> int:
    mask = 0
    for i in indices:
        mask |= 1 << i
    return mask


def _families(
    network: Network, chain_from: int
) -> tuple[list[tuple[tuple[int, FloatArray], ...]], list[int], int]:
    """Every hidden family's factors, the auxiliaries of each node, and the width."""
    n = len(network.hidden)
    families: list[tuple[tuple[int, FloatArray], ...]] = []
    auxiliaries = [0] * n
    width = n
    for i, node in enumerate(network.hidden):
        if node.is_root:
            families.append(())
        elif len(node.parents) < chain_from:
            family, table = family_table(node, i)
            families.append(((_mask(family), _readonly(table)),))
        else:
            order = sorted(p for p, _ in node.parents)
            factors = or_chain_factors(node, i, order, width)
            auxiliaries[i] = _mask(range(width, width + len(order) - 1))
            width += len(order) - 1
            families.append(tuple((_mask(ids), _readonly(t)) for ids, t in factors))
    return families, auxiliaries, width


def _findings(network: Network) -> dict[str, list[Any]]:
    """Per finding: scope, abnormal tables, cumulative log-factor rows."""
    n = len(network.hidden)
    out: dict[str, list[Any]] = {key: [] for key in ("scopes", "tables", "rows", "leaks")}
    for finding in network.findings:
        m = len(finding.parents)
        out["scopes"].append(_mask(p for p, _ in finding.parents))
        tables = finding_tables_of(finding) if m < TABLE_MAX else ()
        out["tables"].append(tuple(_readonly(t) for t in tables))
        rows = np.zeros((len(finding.states) - 1, n))
        for parent, q in finding.parents:
            cumulative = np.cumsum(q)[:-1]
            rows[:, parent] = [log_or_zero(min(1.0, float(c))) for c in cumulative]
        out["rows"].append(_readonly(rows))
        leak = np.cumsum(finding.leak)[:-1]
        out["leaks"].append(_readonly(np.array([log_or_zero(min(1.0, float(c))) for c in leak])))
    return out


@one_blas_thread
def compile_network(network: Network) -> CompiledNetwork:
    """Precompute tables, log-factors and graph masks (once per network)."""
    hidden = network.hidden
    n = len(hidden)
    # 1. Roots: prior as a normalised unary factor (1, p/(1−p)) times the constant 1−p.
    root_log_odds = np.zeros(n)
    root_log_absent = np.zeros(n)
    for i, node in enumerate(hidden):
        if node.is_root:
            p = float(node.prior or 0.0)
            root_log_odds[i] = math.log(p) - math.log1p(-p)
            root_log_absent[i] = math.log1p(-p)
    # 2. Graph masks: ancestors and descendants; the two layouts.
    ancestors = [1 << i for i in range(n)]
    for i, node in enumerate(hidden):
        for parent, _ in node.parents:
            ancestors[i] |= ancestors[parent]
    descendants = [1 << i for i in range(n)]
    for i in range(n - 1, -1, -1):
        for parent, _ in hidden[i].parents:
            descendants[parent] |= descendants[i]
    reach = [_union(ancestors, _union(descendants, ancestors[i])) for i in range(n)]
    scopes = [_mask(p for p, _ in finding.parents) for finding in network.findings]
    layouts = (
        _layout(
            network, reach, scopes, families_from=_max_parents(network) + 1, findings_from=TABLE_MAX
        ),
        _layout(network, reach, scopes, families_from=CHAIN_MIN, findings_from=CHAIN_MIN),
    )
    # 3. Findings: tables, cumulative log-factor rows.
    data = _findings(network)
    rows = data["rows"]
    normal_rows = np.stack([r[0] for r in rows]) if rows else np.zeros((0, n))
    normal_zero = (normal_rows <= LOG_ZERO).astype(np.float64)
    normal_finite = np.where(normal_zero > 0.0, 0.0, normal_rows)
    # 4. Prior marginals: one propagation over the whole hidden network, no evidence.
    prior = _prior_marginals(layouts[0], root_log_odds, n)
    return CompiledNetwork(
        network=network,
        layouts=layouts,
        root_log_odds=_readonly(root_log_odds),
        root_log_absent=_readonly(root_log_absent),
        finding_scopes=tuple(data["scopes"]),
        finding_tables=tuple(data["tables"]),
        log_cumulative=tuple(rows),
        leak_log_cumulative=tuple(data["leaks"]),
        normal_finite=_readonly(normal_finite),
        normal_zero=_readonly(normal_zero),
        normal_leak=_readonly(np.array([leak[0] for leak in data["leaks"]])),
        prior_marginals=_readonly(prior),
    )


def _max_parents(network: Network) -> int:
    return max((len(node.parents) for node in network.hidden), default=0)


def _union(masks: list[int], of: int) -> int:
    out = 0
    for i in bits_of(of):
        out |= masks[i]
    return out


def _layout(
    network: Network, reach: list[int], scopes: list[int], *, families_from: int, findings_from: int
) -> Layout:
    """Families chained from ``families_from`` parents on; their graph, closures, hint."""
    n = len(network.hidden)
    families, auxiliaries, width = _families(network, families_from)
    moral = [0] * width
    for factors in families:
        for scope, _ in factors:
            for v in bits_of(scope):
                moral[v] |= scope & ~(1 << v)
    with_auxiliaries = [(1 << i) | auxiliaries[i] for i in range(n)]
    closure = [_union(with_auxiliaries, reach[i]) for i in range(n)]
    hint = elimination_hint(moral)
    # Chains take the parents in the order the hint eliminates them (others last).
    rank = {v: i for i, v in enumerate(hint.order)}
    chains: list[tuple[tuple[FloatArray, ...], ...]] = []
    orders: list[tuple[int, ...]] = []
    for finding in network.findings:
        if len(finding.parents) < findings_from:
            chains.append(())
            orders.append(())
            continue
        order = tuple(sorted((p for p, _ in finding.parents), key=lambda p: (rank.get(p, n), p)))
        per_state = [chain_factors(finding, k, order) for k in range(1, len(finding.states))]
        chains.append(tuple(tuple(_readonly(t) for t in c) for c in per_state))
        orders.append(order)
    return Layout(
        width=width,
        families=tuple(families),
        moral=tuple(moral),
        closure=tuple(closure),
        finding_closure=tuple(_union(closure, scope) for scope in scopes),
        hint=hint,
        chain_from=findings_from,
        finding_chains=tuple(chains),
        chain_orders=tuple(orders),
        with_family=_mask(v for v in range(n) if families[v]),
    )


def static_potentials(
    tree: JunctionTree, factors: list[tuple[int, FloatArray]]
) -> list[FloatArray | None]:
    """Multiply each ``(scope, table)`` into the clique that ``tree.placement`` gives it.

    A table has one axis per scope variable, ascending, optionally after a leading
    batch axis; its axes are permuted into the clique's (elimination) order and the
    products come out ``(*tree.shapes[k], B)``, batch last, as :func:`propagate`
    takes them.
    """
    static: list[FloatArray | None] = [None] * len(tree.cliques)
    for j, (scope, table) in enumerate(factors):
        k = tree.placement[j]
        piece = placed_factor(scope, table, tree.cliques[k])
        current = static[k]
        static[k] = piece if current is None else current * piece
    return static


def placed_factor(scope: int, table: FloatArray, clique: tuple[int, ...]) -> FloatArray:
    """A ``(scope, table)`` factor laid out on ``clique``'s axes, batch last, as
    :func:`static_potentials` multiplies it in."""
    permutation, shape = _factor_layout(scope, clique)
    if table.ndim > scope.bit_count():
        order = range(table.ndim - 1) if permutation is None else permutation
        axes = (*(1 + a for a in order), 0)
        return table.transpose(axes).reshape((*shape, table.shape[0]))
    if permutation is None:
        return table.reshape((*shape, 1))
    return table.transpose(permutation).reshape((*shape, 1))


@functools.lru_cache(maxsize=8192)
def _factor_layout(
    scope: int, clique: tuple[int, ...]
) -> tuple[tuple[int, ...] | None, tuple[int, ...]]:
    """Axis permutation (ascending ids → clique order; ``None`` when that is the identity,
    so an unbatched table needs only a reshape) and broadcast shape of a factor."""
    ids = bits_of(scope)
    permutation = tuple(sorted(range(len(ids)), key=lambda a: clique.index(ids[a])))
    shape = tuple(2 if (scope >> v) & 1 else 1 for v in clique)
    return (None if permutation == tuple(range(len(ids))) else permutation), shape


def _prior_marginals(layout: Layout, log_odds: FloatArray, n_hidden: int) -> FloatArray:
    if not layout.width:
        return np.zeros(0)
    factors = [factor for family in layout.families for factor in family]
    everything = (1 << layout.width) - 1
    tree = build_tree(list(layout.moral), everything, [s for s, _ in factors])
    log_unary = np.zeros((1, layout.width))
    log_unary[0, :n_hidden] = log_odds
    result = propagate(tree, static_potentials(tree, factors), log_unary)
    prior = np.zeros(n_hidden)
    for j, v in enumerate(tree.variables):
        if v < n_hidden:
            prior[v] = result.present[0, j]
    return prior
