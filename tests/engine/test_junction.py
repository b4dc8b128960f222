"""Triangulation and junction-tree invariants, with and without the elimination hint."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from nervepath.engine import CompiledNetwork, Network
from nervepath.engine.cliques import _first_eliminated
from nervepath.engine.configurations import (
    configuration_index,
    configurations,
    direct_marginal_bits,
    indicators,
)
from nervepath.engine.evidence import absorb
from nervepath.engine.junction import (
    JunctionTree,
    _home_marginals,
    build_tree,
    home_factors,
    propagate,
    separator_marginal,
    sum_middle,
)
from nervepath.engine.triangulation import (
    EliminationHint,
    _hinted,
    bits_of,
    eliminate,
    elimination_hint,
    min_fill,
)
from synthetic import realistic_cases


def _graph(n: int, scopes: list[int]) -> list[int]:
    adj = [0] * n
    for scope in scopes:
        for v in bits_of(scope):
            adj[v] |= scope & ~(1 << v)
    return adj


def _true_neighbourhoods(adj: list[int], order: list[tuple[int, int]]) -> list[int]:
    """The elimination game: each node's neighbours when it goes, fill-in included."""
    graph = list(adj)
    alive = 0
    for v, _ in order:
        alive |= 1 << v
    out = []
    for v, _ in order:
        nb = graph[v] & alive
        out.append(nb)
        for u in bits_of(nb):
            graph[u] |= nb & ~(1 << u)
        alive &= ~(1 << v)
    return out


def _check_tree(tree: JunctionTree, scopes: list[int], alive: int) -> None:
    masks = [sum(1 << v for v in clique) for clique in tree.cliques]
    assert sorted(v for home in tree.homes for v in home) == bits_of(alive)
    for k, home in enumerate(tree.homes):
        assert all((masks[k] >> v) & 1 for v in home)
    for j, scope in enumerate(scopes):
        assert scope & ~masks[tree.placement[j]] == 0
    for k, parent in enumerate(tree.parents):
        assert parent == -1 or parent > k
    # Running intersection: the cliques holding a variable form a connected subtree,
    # i.e. exactly one of them has a parent not holding it.
    for v in bits_of(alive):
        holding = [k for k, m in enumerate(masks) if (m >> v) & 1]
        tops = [k for k in holding if tree.parents[k] < 0 or not (masks[tree.parents[k]] >> v) & 1]
        assert len(tops) == 1


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[int]]:
    n = draw(st.integers(1, 14))
    scopes = draw(
        st.lists(
            st.lists(st.integers(0, n - 1), unique=True, min_size=1, max_size=5).map(
                lambda vs: sum(1 << v for v in vs)
            ),
            max_size=12,
        )
    )
    return n, scopes + [1 << v for v in range(n)]


@settings(max_examples=200, deadline=None)
@given(graphs(), st.integers(1, 6), st.integers(1, 9))
def test_elimination_and_tree_are_valid(
    graph: tuple[int, list[int]], candidates: int, merge_limit: int
) -> None:
    n, scopes = graph
    adj = _graph(n, scopes)
    alive = (1 << n) - 1
    order = eliminate(list(adj), alive, candidates=candidates)
    assert [nb for _, nb in order] == _true_neighbourhoods(adj, order)
    _check_tree(build_tree(adj, alive, scopes, merge_limit=merge_limit), scopes, alive)


def _case_graph(
    graph: tuple[int, list[int]], data: st.DataObject, *, clique_size: int, cliques: int
) -> tuple[list[int], int, list[int], int]:
    """A case graph = the fixed graph on a drawn subset plus cliques among touched nodes:
    ``(fixed, alive, adj, touched)``."""
    n, scopes = graph
    fixed = _graph(n, scopes)
    alive = data.draw(st.integers(0, (1 << n) - 1))
    extra = data.draw(
        st.lists(
            st.lists(st.integers(0, n - 1), unique=True, max_size=clique_size),
            max_size=cliques,
        )
    )
    adj = [m & alive for m in fixed]
    touched = 0
    for clique in extra:
        mask = sum(1 << v for v in clique) & alive
        touched |= mask
        for v in bits_of(mask):
            adj[v] |= mask & ~(1 << v)
    return fixed, alive, adj, touched


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_hint_only_takes_simplicial_nodes(
    graph: tuple[int, list[int]], data: st.DataObject
) -> None:
    """A case graph = the fixed graph on a subset plus cliques among touched nodes."""
    fixed, alive, adj, touched = _case_graph(graph, data, clique_size=4, cliques=3)
    order = eliminate(list(adj), alive, hint=elimination_hint(fixed), touched=touched)
    assert sorted(v for v, _ in order) == bits_of(alive)
    assert [nb for _, nb in order] == _true_neighbourhoods(adj, order)


def _scanned_min_degree(
    adj: list[int], alive: int, hint: EliminationHint | None, touched: int
) -> list[tuple[int, int]]:
    """:func:`eliminate` as it was before its degree buckets: the least degree found by
    scanning every remaining node in index order at each greedy step."""
    adj = list(adj)
    order: list[tuple[int, int]] = []
    alive = _hinted(adj, alive, hint, touched, order)
    degree: dict[int, int] = {}
    for v in bits_of(alive):
        adj[v] &= alive
        degree[v] = adj[v].bit_count()
    queue = list(degree)
    while queue:
        v = queue.pop()
        nb = adj[v]
        if v not in degree or any(nb & ~adj[u] & ~(1 << u) for u in bits_of(nb)):
            continue
        order.append((v, nb))
        del degree[v]
        for u in bits_of(nb):
            adj[u] &= ~(1 << v)
            degree[u] -= 1
            queue.append(u)
    ready: list[int] = []
    while degree:
        v = -1
        while ready:
            v = ready.pop()
            if v in degree:
                break
            v = -1
        if v < 0:
            v = min(degree.items(), key=lambda item: item[1])[0]
        nb = adj[v]
        order.append((v, nb))
        del degree[v]
        for u in bits_of(nb):
            adj[u] = (adj[u] | nb) & ~(1 << u) & ~(1 << v)
            degree[u] = adj[u].bit_count()
            if not adj[u] & ~nb:
                ready.append(u)
    return order


@settings(max_examples=300, deadline=None)
@given(graphs(), st.data())
def test_min_degree_buckets_give_the_scanned_order(
    graph: tuple[int, list[int]], data: st.DataObject
) -> None:
    """The degree buckets pick exactly the node the scan picked (least degree, then lowest
    index), so the order, hence every tree, is unchanged; with and without a hint."""
    fixed, alive, adj, touched = _case_graph(graph, data, clique_size=6, cliques=4)
    for hint in (None, elimination_hint(fixed)):
        expected = _scanned_min_degree(adj, alive, hint, touched)
        assert eliminate(list(adj), alive, hint=hint, touched=touched) == expected


def test_realistic_case_trees_are_valid(
    realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    for evidence in realistic_cases(realistic, 40, seed=9):
        absorbed = absorb(realistic_compiled, evidence)
        alive = sum(1 << v for v in absorbed.tree.variables)
        _check_tree(absorbed.tree, [s for s, _ in absorbed.factors], alive)


def test_batch_rows_are_independent(
    realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    """Row b of a batched propagation equals a propagation of row b alone."""
    evidence = realistic_cases(realistic, 2, seed=4)[1]
    absorbed = absorb(realistic_compiled, evidence)
    rng = np.random.default_rng(0)
    rows = absorbed.log_unary + rng.uniform(-2.0, 0.0, size=(5, absorbed.log_unary.shape[1]))
    batch = propagate(absorbed.tree, absorbed.static, rows)
    for b in range(5):
        single = propagate(absorbed.tree, absorbed.static, rows[b : b + 1])
        assert np.allclose(batch.present[b], single.present[0], atol=1e-13)
        assert np.allclose(batch.log_z[b], single.log_z[0], atol=1e-11)


def test_wanted_marginals_and_masses_equal_the_full_propagation(
    realistic: Network, realistic_compiled: CompiledNetwork
) -> None:
    """With ``wanted``, the wanted variables' marginals and every row's mass are those of
    the full propagation."""
    for evidence in realistic_cases(realistic, 6, seed=5):
        absorbed = absorb(realistic_compiled, evidence)
        variables = absorbed.tree.variables
        if not variables:
            continue
        rng = np.random.default_rng(1)
        rows = absorbed.log_unary + rng.uniform(-2.0, 0.0, size=(3, absorbed.log_unary.shape[1]))
        full = propagate(absorbed.tree, absorbed.static, rows)
        wanted = sorted(set(rng.choice(variables, size=min(3, len(variables))).tolist()))
        for chosen in ([], wanted):
            part = propagate(absorbed.tree, absorbed.static, rows, wanted=chosen)
            assert np.array_equal(part.log_z, full.log_z)
            read = [variables.index(v) for v in chosen]
            assert np.allclose(part.present[:, read], full.present[:, read], rtol=1e-13, atol=0)
            assert np.allclose(part.absent[:, read], full.absent[:, read], rtol=1e-13, atol=0)
            if not chosen:  # nothing read: no distribute pass, only the roots' homes
                assert np.isnan(part.present).any()


def _naive_min_fill(adj: list[int], alive: int) -> list[tuple[int, int]]:
    """Min-fill by rescoring every node at every step (ties: degree, then index)."""
    graph = [m & alive for m in adj]
    remaining = set(bits_of(alive))
    order = []
    while remaining:

        def score(v: int) -> tuple[int, int, int]:
            nb = graph[v]
            missing = sum((nb & ~graph[u] & ~(1 << u)).bit_count() for u in bits_of(nb)) // 2
            return missing, nb.bit_count(), v

        v = min(remaining, key=score)
        nb = graph[v]
        order.append((v, nb))
        remaining.remove(v)
        for u in bits_of(nb):
            graph[u] = (graph[u] | nb) & ~(1 << u) & ~(1 << v)
    return order


@settings(max_examples=200, deadline=None)
@given(graphs(), st.data())
def test_incremental_min_fill_equals_the_naive_one(
    graph: tuple[int, list[int]], data: st.DataObject
) -> None:
    n, scopes = graph
    adj = _graph(n, scopes)
    alive = data.draw(st.integers(0, (1 << n) - 1))
    assert min_fill(list(adj), alive) == _naive_min_fill(adj, alive)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 14), st.sampled_from([1, 2, 3, 9, 70]), st.data())
def test_separator_marginal_equals_a_numpy_sum(size: int, batch: int, data: st.DataObject) -> None:
    """Small tables are counted, larger ones summed run by run (:func:`sum_middle`)."""
    others = tuple(sorted(data.draw(st.sets(st.integers(0, size - 1)))))
    table = np.random.default_rng(size).random((1 << size, batch))
    expected = table.reshape((2,) * size + (batch,)).sum(axis=others) if others else table
    got = separator_marginal(table, size, others)
    assert np.allclose(got, np.asarray(expected).reshape(got.shape), rtol=1e-13, atol=0.0)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 64), st.sampled_from([1, 2, 3, 4, 16, 300]), st.integers(1, 130))
def test_sum_middle_equals_a_numpy_sum(a: int, length: int, c: int) -> None:
    table = np.random.default_rng(a * length + c).random((a, length, c))
    got = sum_middle(table)
    assert got.shape == (a, c)
    assert np.allclose(got, table.sum(axis=1), rtol=1e-13, atol=0.0)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10), st.data())
def test_indicators_are_the_chosen_columns_of_the_configurations(
    size: int, data: st.DataObject
) -> None:
    where = tuple(data.draw(st.lists(st.integers(0, size - 1), unique=True, max_size=size)))
    expected = configurations(size)[:, list(where)].T
    assert np.array_equal(indicators(size, where).reshape(expected.shape), expected)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 10), st.data())
def test_configuration_index_reads_the_chosen_axes(size: int, data: st.DataObject) -> None:
    positions = tuple(sorted(data.draw(st.sets(st.integers(0, size - 1)))))
    index = configuration_index(size, positions)
    for c in range(1 << size):
        bits = [(c >> (size - 1 - a)) & 1 for a in positions]
        assert index[c] == sum(bit << (len(bits) - 1 - j) for j, bit in enumerate(bits))


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 15), st.integers(1, 3))
def test_home_factors_and_marginals_equal_the_naive_ones(h: int, batch: int) -> None:
    """Above the indicator-matrix limit the homes are handled in blocks."""
    rng = np.random.default_rng(h * 10 + batch)
    logs = rng.uniform(-3.0, 1.0, size=(h, batch))
    configurations = (np.arange(1 << h)[:, None] >> np.arange(h)[::-1]) & 1
    expected = np.exp(configurations @ logs)
    assert np.allclose(home_factors(logs, h), expected, rtol=1e-13, atol=0.0)
    homes = rng.random((1 << h, batch))
    marginals = _home_marginals(homes, h)
    assert np.allclose(marginals[:h], configurations.T @ homes, rtol=1e-12, atol=0.0)
    assert np.allclose(marginals[h:], (1 - configurations).T @ homes, rtol=1e-12, atol=0.0)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 10), st.integers(1, 3), st.data())
def test_direct_marginals_equal_the_home_table_ones(
    size: int, batch: int, data: st.DataObject
) -> None:
    """One product with the whole clique table gives the homes' masses of 1, then of 0."""
    h = data.draw(st.integers(1, min(size, 8)))
    table = np.random.default_rng(size * 10 + h).random((1 << size, batch))
    homes = table.reshape(1 << h, -1, batch).sum(axis=1)
    expected = _home_marginals(homes, h)
    got = direct_marginal_bits(size, h) @ table
    assert np.allclose(got, expected, rtol=1e-13, atol=0.0)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 40), unique=True, min_size=1, max_size=30), st.data())
def test_first_eliminated_is_the_earliest_position(order: list[int], data: st.DataObject) -> None:
    eliminated = [sum(1 << v for v in order[: i + 1]) for i in range(len(order))]
    low = data.draw(st.integers(0, len(order) - 1))
    members = data.draw(st.sets(st.sampled_from(order[low:]), min_size=1))
    mask = sum(1 << v for v in members)
    assert _first_eliminated(mask, eliminated, low) == min(order.index(v) for v in members)
