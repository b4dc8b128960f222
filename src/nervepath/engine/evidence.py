"""Evidence: checking it, and absorbing it into the factors of one junction tree.

Absorption (Heckerman 1989; Díez & Druzdzel 2006 §4 for noisy-MAX):

* an unobserved finding is barren and drops out;
* a normal observation ``Y_f = 0`` contributes ``F_f(0 | pa) = C_leak(0) ∏ C_i(0)^pa_i``:
  a constant and a unary factor ``(1, C_i(0))`` on each parent, exactly;
* an abnormal observation ``Y_f = k`` contributes ``P(Y_f = k | pa)``: a table over its
  parents, which becomes a clique of the interaction graph, or a chain of small
  factors through auxiliary variables (:mod:`nervepath.engine.tables`);
* a root contributes ``(1 − p) · (1, p / (1 − p))``, a non-root its noisy-OR family.

Only hidden nodes in ``An(De(An(pa(observed))))`` (plus any asked for) enter the tree:
every other hidden node is independent of the evidence and keeps its prior marginal.
"""

from __future__ import annotations

import bisect
import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.cliques import tree_size
from nervepath.engine.compiled import SWITCH_SIZE, CompiledNetwork, Layout, static_potentials
from nervepath.engine.junction import LOG_ZERO, MERGE_LIMIT, REFINE_SIZE, JunctionTree, build_tree
from nervepath.engine.network import NetworkError
from nervepath.engine.triangulation import bits_of, eliminate

__all__ = [
    "Absorbed",
    "Evidence",
    "absorb",
    "evidence_indices",
    "finding_indices",
    "node_indices",
    "planned_size",
    "relevant_nodes",
    "unary_log_factors",
]

FloatArray = npt.NDArray[np.float64]

DRAFTS_KEPT = 32
"""Drafts (interaction graph and elimination order) kept for reuse, most recent first."""

Evidence = Mapping[int, int] | Mapping[str, str]
"""``{finding index: state index}`` or ``{finding name: state name}``."""


def evidence_indices(compiled: CompiledNetwork, evidence: Evidence) -> dict[int, int]:
    """Check ``evidence`` and return it as ``{finding index: state index}`` (a new dict)."""
    network = compiled.network
    out: dict[int, int] = {}
    for key, value in evidence.items():
        if isinstance(key, str) and isinstance(value, str):
            out.update(network.evidence_indices({key: value}))
            continue
        if isinstance(key, bool) or isinstance(value, bool):
            raise NetworkError(f"evidence {key!r}: {value!r} is neither indices nor names")
        if not isinstance(key, int | np.integer) or not isinstance(value, int | np.integer):
            raise NetworkError(f"evidence {key!r}: {value!r} is neither indices nor names")
        f, k = int(key), int(value)
        if not 0 <= f < len(network.findings):
            raise NetworkError(f"finding index {f} is out of range")
        if not 0 <= k < len(network.findings[f].states):
            raise NetworkError(
                f"finding {network.findings[f].name!r}: state index {k} is out of range"
            )
        out[f] = k
    return out


def node_indices(compiled: CompiledNetwork, nodes: Iterable[int | str]) -> list[int]:
    """Hidden nodes given by index or name, as indices."""
    network = compiled.network
    out: list[int] = []
    for node in nodes:
        if isinstance(node, str):
            index = network.hidden_index.get(node)
            if index is None:
                raise NetworkError(f"unknown hidden node {node!r}")
            out.append(index)
        elif isinstance(node, int | np.integer) and not isinstance(node, bool):
            if not 0 <= int(node) < len(network.hidden):
                raise NetworkError(f"hidden node index {node} is out of range")
            out.append(int(node))
        else:
            raise NetworkError(f"{node!r} is not a hidden node index or name")
    return out


def finding_indices(compiled: CompiledNetwork, findings: Iterable[int | str]) -> list[int]:
    """Findings given by index or name, as indices."""
    network = compiled.network
    out: list[int] = []
    for f in findings:
        if isinstance(f, str):
            index = network.finding_index.get(f)
            if index is None:
                raise NetworkError(f"unknown finding {f!r}")
        elif isinstance(f, int) and not isinstance(f, bool) and 0 <= f < len(network.findings):
            index = f
        else:
            raise NetworkError(f"{f!r} is not a finding index or name")
        out.append(index)
    return out


@dataclass(frozen=True, slots=True, eq=False)
class Absorbed:
    """One case's junction tree and factors, ready for :func:`junction.propagate`.

    Tree variables below ``H`` are hidden nodes, the others auxiliaries of chained
    findings; ``hidden_columns`` are the positions of the hidden ones among
    ``tree.variables`` and ``hidden_variables`` their indices. ``log_unary`` is ``(1,
    width)`` over all variable ids. ``constant`` is the log of the factors left out of
    the tree (``Σ log(1 − p)`` of its roots, ``Σ log C_leak(0)`` of the normal
    findings), so ``log P(e) = log Z + constant`` (``-inf`` when impossible).
    ``owners[i]`` is the position in ``positives`` of the abnormal finding that factor
    ``i`` comes from (−1 for hidden families); ``detached`` are the abnormal findings
    without parents, which are constants.
    """

    tree: JunctionTree
    factors: tuple[tuple[int, FloatArray], ...]
    owners: tuple[int, ...]
    hidden_columns: npt.NDArray[np.intp]
    hidden_variables: npt.NDArray[np.intp]
    static: tuple[FloatArray | None, ...]
    log_unary: FloatArray
    constant: float
    positives: tuple[int, ...]
    normals: tuple[int, ...]
    detached: tuple[int, ...]


def unary_log_factors(
    compiled: CompiledNetwork, normals: list[int], *, leave_out: list[list[int]] | None = None
) -> FloatArray:
    """``log λ_v(1)`` of every hidden node: its prior odds and the normal findings.

    With ``leave_out`` (non-empty lists of positions in ``normals``) the result has one row
    per entry, each without those findings; zeros are counted apart so removal is exact.
    """
    finite = compiled.root_log_odds + compiled.normal_finite[normals].sum(axis=0)
    zeros = compiled.normal_zero[normals].sum(axis=0)
    if leave_out is not None:
        # One gather and one segmented sum for all rows (most rows leave out one finding).
        flat = [normals[j] for row in leave_out for j in row]
        starts = np.cumsum([0, *map(len, leave_out)])[:-1]
        finite = finite[None, :] - np.add.reduceat(compiled.normal_finite[flat], starts, axis=0)
        zeros = zeros[None, :] - np.add.reduceat(compiled.normal_zero[flat], starts, axis=0)
    return np.where(zeros > 0.5, LOG_ZERO, finite)


def absorb(
    compiled: CompiledNetwork,
    evidence: Mapping[int, int],
    extra: int = 0,
    *,
    merge_limit: int = MERGE_LIMIT,
    refine_size: int = REFINE_SIZE,
) -> Absorbed:
    """Absorb checked evidence; ``extra`` is a bitmask of hidden nodes also wanted.

    The first layout of ``compiled`` is tried first; when its tree is large the second
    (chains) is tried too and the smaller tree kept. ``merge_limit`` and
    ``refine_size``: see :func:`build_tree`.
    """
    return _finish(compiled, _chosen(compiled, evidence, extra), evidence, merge_limit, refine_size)


def planned_size(compiled: CompiledNetwork, evidence: Mapping[int, int], extra: int = 0) -> int:
    """The table entries of the tree :func:`absorb` would build, from its elimination order
    alone (no table is built: a dense case's can be far too large to build)."""
    return _chosen(compiled, evidence, extra).size


def planned_size_within(
    compiled: CompiledNetwork, items: tuple[tuple[int, int], ...], relevant: Sequence[int]
) -> int:
    """:func:`planned_size` of the evidence ``items`` whose trees hold ``relevant[i]`` in layout
    ``i`` (what :func:`relevant_nodes` gives for them): the same drafts, without recomputing
    the closures. The split search plans many subsets of one evidence set whose trees all
    hold the same variables (a split finding's parents join ``extra``, and a finding's
    closure is its parents' closures), so it computes them once."""
    return _cheaper(compiled, items, relevant.__getitem__).size


def _chosen(compiled: CompiledNetwork, evidence: Mapping[int, int], extra: int) -> _Draft:
    layouts = compiled.layouts
    return _cheaper(
        compiled, tuple(evidence.items()), lambda i: relevant_nodes(layouts[i], evidence, extra)
    )


def _cheaper(
    compiled: CompiledNetwork, items: tuple[tuple[int, int], ...], relevant: Callable[[int], int]
) -> _Draft:
    """The draft in the first layout, or in the second where the first is large and the
    second smaller; ``relevant(i)``: the variables the tree holds in layout ``i`` (asked only
    for the layouts drafted). Layouts are compared on their elimination orders, before any
    tree is built."""
    layouts = compiled.layouts
    first = _drafted(compiled, layouts[0], items, relevant(0))
    if first.size > SWITCH_SIZE and len(layouts) > 1:
        second = _drafted(compiled, layouts[1], items, relevant(1))
        if second.size < first.size:
            first = second
    return first


@dataclass(frozen=True, slots=True, eq=False)
class _Draft:
    """A case's interaction graph in one layout, its factors and min-degree order."""

    layout: Layout
    adj: list[int]
    alive: int
    touched: int
    factors: list[tuple[int, FloatArray]]
    owners: list[int]
    normals: list[int]
    positives: list[int]
    detached: list[int]
    order: list[tuple[int, int]]
    size: int


def _absorb(
    compiled: CompiledNetwork,
    layout: Layout,
    evidence: Mapping[int, int],
    extra: int,
    merge_limit: int,
    refine_size: int,
) -> Absorbed:
    """:func:`absorb` in one given layout."""
    draft = _draft(compiled, layout, evidence, extra)
    return _finish(compiled, draft, evidence, merge_limit, refine_size)


def _draft(
    compiled: CompiledNetwork, layout: Layout, evidence: Mapping[int, int], extra: int
) -> _Draft:
    # 1. The relevant variables are the closures the findings and ``extra`` need; the
    #    draft depends on ``extra`` through them alone.
    relevant = relevant_nodes(layout, evidence, extra)
    return _drafted(compiled, layout, tuple(evidence.items()), relevant)


def relevant_nodes(layout: Layout, evidence: Mapping[int, int], extra: int) -> int:
    """The variables (bitmask) the tree of ``evidence`` holds in ``layout``: the closures the
    findings and the ``extra`` nodes need. A tree depends on ``extra`` through them alone."""
    relevant = 0
    for f in evidence:
        relevant |= layout.finding_closure[f]
    for v in bits_of(extra):
        relevant |= layout.closure[v]
    return relevant


@functools.lru_cache(maxsize=DRAFTS_KEPT)
def _drafted(
    compiled: CompiledNetwork, layout: Layout, items: tuple[tuple[int, int], ...], relevant: int
) -> _Draft:
    """:func:`_draft` of the evidence ``items`` over the variables ``relevant``.

    Cached: one assessment drafts the same evidence several times (the question ranking
    plans both trees in :func:`.inference.split_pays`, then absorbs one of them). A draft is
    a few kilobytes (its tables are the compiled network's) and is never modified once made.
    """
    evidence = dict(items)
    normals = [f for f, k in items if k == 0]
    positives = [f for f, k in items if k != 0 and compiled.finding_scopes[f]]
    detached = [f for f, k in items if k != 0 and not compiled.finding_scopes[f]]
    # 2. Interaction graph: the layout's hidden families, plus, per abnormal finding,
    #    one clique (its table) or a chain of small cliques through new auxiliary
    #    variables numbered from the layout's width up (its sequential decomposition).
    adj = [m & relevant for m in layout.moral]
    touched = 0
    families = layout.families
    factors = [factor for v in bits_of(relevant & layout.with_family) for factor in families[v]]
    owners = [-1] * len(factors)
    for j, f in enumerate(positives):
        if len(compiled.network.findings[f].parents) < layout.chain_from:
            pieces = [(compiled.finding_scopes[f], compiled.finding_tables[f][evidence[f] - 1])]
        else:
            parents = layout.chain_orders[f]
            start = len(adj)
            adj.extend([0] * (len(parents) - 1))
            aux = [1 << (start + i) for i in range(len(parents) - 1)]
            scopes = [(1 << parents[0]) | aux[0]]
            scopes += [(1 << parents[i]) | aux[i - 1] | aux[i] for i in range(1, len(aux))]
            scopes.append((1 << parents[-1]) | aux[-1])
            pieces = list(zip(scopes, layout.finding_chains[f][evidence[f] - 1], strict=True))
        for scope, table in pieces:
            touched |= scope
            for v in bits_of(scope):
                adj[v] |= scope & ~(1 << v)
            factors.append((scope, table))
            owners.append(j)
    width = len(adj)
    alive = relevant | (((1 << width) - 1) ^ ((1 << layout.width) - 1))
    order = eliminate(list(adj), alive, hint=layout.hint, touched=touched)
    return _Draft(
        layout,
        adj,
        alive,
        touched,
        factors,
        owners,
        normals,
        positives,
        detached,
        order,
        tree_size(order),
    )


def _finish(
    compiled: CompiledNetwork,
    draft: _Draft,
    evidence: Mapping[int, int],
    merge_limit: int,
    refine_size: int,
) -> Absorbed:
    factors, normals, detached = draft.factors, draft.normals, draft.detached
    n_hidden = compiled.n_hidden
    width = len(draft.adj)
    tree = build_tree(
        draft.adj,
        draft.alive,
        [s for s, _ in factors],
        hint=draft.layout.hint,
        touched=draft.touched,
        merge_limit=merge_limit,
        refine_size=refine_size,
        order=draft.order,
    )
    # 3. Unary log-factors (none on auxiliaries) and the constant.
    log_unary = np.zeros((1, width))
    log_unary[0, :n_hidden] = unary_log_factors(compiled, normals)
    constant = float(compiled.normal_leak[normals].sum()) if normals else 0.0
    for f in detached:
        # A finding without parents: its (leak) probability is a constant factor.
        value = float(compiled.finding_tables[f][evidence[f] - 1])
        constant += math.log(value) if value > 0.0 else -math.inf
    # Tree variables are ascending and hidden nodes come first: the hidden ones are a prefix.
    count = bisect.bisect_left(tree.variables, n_hidden)
    hidden_variables = np.asarray(tree.variables[:count], dtype=np.intp)
    if count:
        constant += float(compiled.root_log_absent[hidden_variables].sum())
    return Absorbed(
        tree=tree,
        factors=tuple(factors),
        owners=tuple(draft.owners),
        hidden_columns=_prefix(count),
        hidden_variables=hidden_variables,
        static=tuple(static_potentials(tree, factors)),
        log_unary=log_unary,
        constant=constant,
        positives=tuple(draft.positives),
        normals=tuple(normals),
        detached=tuple(detached),
    )


@functools.lru_cache(maxsize=256)
def _prefix(count: int) -> npt.NDArray[np.intp]:
    """``0 … count−1`` (read-only, shared: a tree holds at most a few hundred variables)."""
    out = np.arange(count, dtype=np.intp)
    out.setflags(write=False)
    return out
