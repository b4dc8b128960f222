"""Variants propagated through the cliques they change equal full propagations."""

from __future__ import annotations

import numpy as np
import pytest

from nervepath.engine import causation, compile_network, probabilities_causing
from nervepath.engine.build import build_network
from nervepath.engine.evidence import absorb
from nervepath.engine.junction import propagate
from nervepath.engine.variants import collect_base, collect_variants, dirty_cliques, homes_of
from nervepath.knowledge.model import KnowledgeBase

EVIDENCE = {
    "back_pain": "present",
    "symptoms_worse_walking": "present",
    "age_over_50": "present",
    "pain_dorsum_of_foot_left": "present",
    "straight_leg_raise_left": "present",
    "strength_ankle_dorsiflexion_left": "3",
    "reflex_achilles_left": "reduced",
    "reflex_patellar_left": "normal",
}


@pytest.mark.parametrize("careful", [False, True])
def test_reused_messages_give_each_variant_its_full_propagation(
    shipped_kb: KnowledgeBase, careful: bool
) -> None:
    """Each variant's mass (with a node held present, its joint mass) from the base's messages
    of the cliques it leaves alone equals a whole propagation of that variant, to 1e-12."""
    compiled = compile_network(build_network(shipped_kb))
    checked = compiled.network.evidence_indices(EVIDENCE)
    absorbed = absorb(compiled, checked, (1 << compiled.n_hidden) - 1)
    tree = absorbed.tree
    homes = homes_of(tree)
    rng = np.random.default_rng(3)
    variables = list(tree.variables)
    count = 16
    log_unary = np.repeat(absorbed.log_unary, count, axis=0)
    dirty, held = [], []
    for i in range(count):
        changed = [int(v) for v in rng.choice(variables, size=i % 4, replace=False)]
        log_unary[i, changed] += rng.normal(size=len(changed))
        node = int(rng.choice(variables)) if i % 3 else None
        held.append(node)
        dirty.append(dirty_cliques(tree, [homes[v] for v in [*changed, *([node] if node else [])]]))
    assert any(len(d) < len(tree.cliques) for d in dirty)
    base = collect_base(tree, absorbed.static, absorbed.log_unary, careful=careful)
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
