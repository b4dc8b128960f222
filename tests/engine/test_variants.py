"""Variants propagated through the cliques they change equal full propagations."""

from __future__ import annotations

import numpy as np
import pytest
from shipped_cases import LUMBAR_CASE

from nervepath.engine import causation, compile_network, probabilities_causing
from nervepath.engine.build import build_network
from nervepath.engine.evidence import absorb
from nervepath.engine.junction import JunctionTree, propagate
from nervepath.engine.variants import (
    base_of,
    collect_base,
    collect_variants,
    dirty_cliques,
    homes_of,
    tops_of,
)
from nervepath.knowledge.model import KnowledgeBase

# The lumbar case with its reflexes examined.
EVIDENCE = {**LUMBAR_CASE, "reflex_achilles_left": "reduced", "reflex_patellar_left": "normal"}


def _descendant_home(tree: JunctionTree, k: int) -> int:
    """A variable homed in the deepest clique reached down from ``k`` (first children)."""
    children = {
        p: [c for c, q in enumerate(tree.parents) if q == p] for p in range(len(tree.cliques))
    }
    path = [k]
    while children[path[-1]]:
        path.append(children[path[-1]][0])
    return next(tree.homes[c][0] for c in reversed(path) if tree.homes[c])


@pytest.mark.parametrize("careful", [False, True])
def test_reused_messages_give_each_variant_its_full_propagation(
    shipped_kb: KnowledgeBase, careful: bool
) -> None:
    """Each variant's mass (with a node held present, its joint mass) from its least subtree,
    the base's messages up into it and down into its top, equals a whole propagation of that
    variant, to 1e-12; and with a clique of that subtree left out it does not."""
    compiled = compile_network(build_network(shipped_kb))
    checked = compiled.network.evidence_indices(EVIDENCE)
    absorbed = absorb(compiled, checked, (1 << compiled.n_hidden) - 1)
    tree = absorbed.tree
    homes = homes_of(tree)
    rng = np.random.default_rng(3)
    variables = list(tree.variables)
    changes: list[list[int]] = []
    held: list[int | None] = []
    for i in range(16):  # a few variables changed at random, and one held present
        changes.append([int(v) for v in rng.choice(variables, size=i % 4, replace=False)])
        held.append(int(rng.choice(variables)) if i % 3 else None)
    # Two changes under different children of a clique that is not a root: a top below the
    # root, with cliques on the paths up to it that change nothing.
    forks = [
        k for k, p in enumerate(tree.parents) if p >= 0 and sum(q == k for q in tree.parents) >= 2
    ]
    assert forks
    for k in forks:
        first, second = [c for c, q in enumerate(tree.parents) if q == k][:2]
        changes.append([_descendant_home(tree, first), _descendant_home(tree, second)])
        held.append(None)
    count = len(changes)
    log_unary = np.repeat(absorbed.log_unary, count, axis=0)
    for i, changed in enumerate(changes):
        log_unary[i, changed] += rng.normal(size=len(changed))
    dirty = [
        dirty_cliques(tree, [homes[v] for v in [*changed, *([node] if node else [])]])
        for changed, node in zip(changes, held, strict=True)
    ]
    tops = tops_of(tree, dirty)
    assert tops and set(forks) <= tops
    base = collect_base(tree, absorbed.static, absorbed.log_unary, careful=careful, tops=tops)
    assert base is not None
    none = [None] * len(tree.cliques)
    got = collect_variants(tree, absorbed.static, none, log_unary, base, dirty, held)
    assert got is not None
    full = propagate(tree, absorbed.static, log_unary)
    column = {v: j for j, v in enumerate(tree.variables)}
    want = [
        z if v is None else z + np.log(full.present[i, column[v]])
        for i, (z, v) in enumerate(zip(full.log_z, held, strict=True))
    ]
    assert got[:, 0] == pytest.approx(want, abs=1e-12, rel=0)
    # A wrong subtree fails: the forks' variants without their top (two tops in one tree, the
    # base's outside counted twice), or without the clique they hold second.
    forked = range(16, count)
    for cut in (lambda d: d[-1], lambda d: d[1]):
        wrong = [tuple(k for k in d if i not in forked or k != cut(d)) for i, d in enumerate(dirty)]
        tops = tops_of(tree, wrong)
        other = collect_base(tree, absorbed.static, absorbed.log_unary, careful=careful, tops=tops)
        assert other is not None
        off = collect_variants(tree, absorbed.static, none, log_unary, other, wrong, held)
        # (Where the two branches are independent given the evidence, a wrong subtree
        # happens to be right: not every variant is off.)
        assert off is None or abs(off[16:, 0] - np.asarray(want[16:])).max() > 1e-4


def test_a_propagations_collect_pass_is_the_base(shipped_kb: KnowledgeBase) -> None:
    """The base read from :func:`propagate`'s own collect pass is the one
    :func:`collect_base` computes again: the same messages, scales and downward messages."""
    compiled = compile_network(build_network(shipped_kb))
    checked = compiled.network.evidence_indices(EVIDENCE)
    absorbed = absorb(compiled, checked, (1 << compiled.n_hidden) - 1)
    tree = absorbed.tree
    tops = tops_of(tree, [(k,) for k in range(len(tree.cliques))])
    full = propagate(tree, absorbed.static, absorbed.log_unary)
    assert not full.careful
    mine = base_of(tree, absorbed.static, absorbed.log_unary, full, tops=tops)
    again = collect_base(tree, absorbed.static, absorbed.log_unary, careful=False, tops=tops)
    assert again is not None
    assert mine.careful == again.careful
    np.testing.assert_array_equal(mine.log_scales, again.log_scales)
    for a, b in zip(mine.sent, again.sent, strict=True):
        assert (a is None) == (b is None)
        if a is not None and b is not None:
            np.testing.assert_array_equal(a, b)
    assert mine.down.keys() == again.down.keys()
    for k in mine.down:
        np.testing.assert_array_equal(mine.down[k], again.down[k])
        np.testing.assert_array_equal(mine.log_down[k], again.log_down[k])


def test_origin_groups_equal_a_full_pass_per_row(
    shipped_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """probabilities_causing with every row's messages reused where it changes nothing, and
    with every clique recomputed for every row (a full pass), on both the split and the
    tables' paths."""
    compiled = compile_network(build_network(shipped_kb))
    names = [h.name for h in compiled.network.hidden]
    groups = [[n] for n in names] + [names[::7], names[3::11], names[:5]]
    reused = probabilities_causing(compiled, EVIDENCE, groups)
    tables_reused = None
    for path in ("split", "tables"):
        if path == "tables":
            monkeypatch.setattr(causation, "split_for_rows", lambda *_: None)
            tables_reused = probabilities_causing(compiled, EVIDENCE, groups)
        with monkeypatch.context() as patch:
            patch.setattr(causation, "dirty_cliques", lambda tree, _: range(len(tree.cliques)))
            full = probabilities_causing(compiled, EVIDENCE, groups)
        mine = reused if path == "split" else tables_reused
        assert mine is not None
        assert max(c.explains for c in mine) > 0.1
        for a, b in zip(mine, full, strict=True):
            assert a.present == pytest.approx(b.present, abs=1e-12, rel=0)
            assert a.explains == pytest.approx(b.explains, abs=1e-12, rel=0)


def test_dirty_cliques_are_the_least_subtree_holding_the_changed(shipped_kb: KnowledgeBase) -> None:
    """A clique is dirty when it is changed or lies between two changed cliques (two of the
    parts the tree falls into without it hold one), and no tree is joined to another."""
    compiled = compile_network(build_network(shipped_kb))
    absorbed = absorb(compiled, compiled.network.evidence_indices(EVIDENCE), 0)
    tree = absorbed.tree
    parents = tree.parents
    n = len(parents)

    def above(k: int) -> list[int]:
        path = [k]
        while parents[path[-1]] >= 0:
            path.append(parents[path[-1]])
        return path

    rng = np.random.default_rng(5)
    for size in (1, 2, 3, 5, 8) * 6:
        changed = {int(k) for k in rng.choice(n, size=size, replace=False)}
        dirty = set(dirty_cliques(tree, changed))
        for k in range(n):
            kids = [c for c in range(n) if parents[c] == k]
            parts = [{c for c in range(n) if kid in above(c)} for kid in kids]
            tree_of_k = {c for c in range(n) if above(c)[-1] == above(k)[-1]}
            rest = tree_of_k - {c for c in range(n) if k in above(c)}
            holding = sum(bool(part & changed) for part in [*parts, rest])
            assert (k in dirty) == (k in changed or holding >= 2), (k, sorted(changed))
