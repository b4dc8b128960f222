"""Exact posterior marginals of every hidden node, and ``log P(evidence)``.

The network (see :mod:`nervepath.engine.network`) has binary hidden nodes (priors or
noisy-OR with leak) and noisy-MAX findings. Given evidence ``e`` (findings observed in
some state; every other finding unknown), the engine computes, exactly,

    P(h = 1 | e)  for every hidden node h,      log P(e),
    P(h = 0 for all h in S | e)                 for sets S (origin groups).

Algorithm:

1. *Absorb* the evidence (:mod:`nervepath.engine.evidence`): unknown findings are
   barren and vanish; a normal observation factorises over its parents,
   ``P(Y ≤ 0 | pa) = C_leak(0) ∏ C_i(0)^pa_i``, and becomes unary factors (the trick
   behind Quickscore, Heckerman 1989, used here without its exponential
   inclusion–exclusion); an abnormal one, ``P(Y = k | pa) = F(k) − F(k−1)``, becomes a
   table over its parents, or, with many parents, a chain of small non-negative
   factors through auxiliary variables (Heckerman & Breese 1996; see
   :mod:`nervepath.engine.tables`). The widest abnormal findings are instead written
   as the signed sum of their two product terms, each a row of the batch, when that
   sum does not cancel (:mod:`nervepath.engine.split`). Hidden nodes that no
   observation can reach keep the prior marginals computed once per network.
2. Build a junction tree of those factors by greedy elimination (simplicial nodes,
   min-degree, min-fill; :mod:`nervepath.engine.junction`). Independent parts (the
   left and right legs) become separate trees. When the tree is large, the layout
   that also chains the hidden noisy-ORs is tried and the smaller tree kept.
3. Run one Hugin collect/distribute pass (Jensen, Lauritzen & Olesen 1990), messages
   rescaled when they would underflow (the scales summed into ``log Z``); read each
   marginal from the clique where its variable was eliminated.

Why not simpler or off the shelf: Quickscore's signed sum over the ``2^(#abnormal)``
subsets cancels catastrophically in float64 beyond about five abnormal findings
(``docs/inference-notes.md``); the multiplicative factorisation of Díez & Galán
(2003) has negative terms with the same weakness when its auxiliary variable is
eliminated late; and pyAgrum or pgmpy moralise the parents of every observed
finding, normal ones included, so their cliques are several times larger.

The module is over 400 lines on purpose: the posterior and the choice of which abnormal
findings to split (the search, and its memory shared by the origin groups, explanations and
question ranking of one assessment) belong together, since each split is priced by the trees
the posterior would build.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork, compile_network
from nervepath.engine.evidence import (
    Absorbed,
    Evidence,
    absorb,
    evidence_indices,
    node_indices,
    planned_size,
    planned_size_within,
    relevant_nodes,
)
from nervepath.engine.junction import LOG_ZERO, Propagation, propagate
from nervepath.engine.network import Network, NetworkError
from nervepath.engine.split import (
    SPLIT_MAX,
    Terms,
    combine,
    ratios_to_first,
    split_terms,
    terms_of,
)
from nervepath.engine.threads import one_blas_thread

__all__ = [
    "ImpossibleEvidenceError",
    "Posterior",
    "infer",
    "probabilities_all_absent",
    "probability_all_absent",
    "split_for_rows",
]

FloatArray = npt.NDArray[np.float64]

SPLIT_CANDIDATE_PARENTS = 5
"""Abnormal findings with at least this many parents are weighed for a split by
:func:`cheapest_split`."""


SEARCH_FROM = 1 << 26
"""Rows × table entries above which :func:`split_for_rows` searches for the cheapest split
(about a second of propagation on this machine, against up to a second of planning)."""


SEARCHES_KEPT = 8
"""Searched splits remembered by :func:`cheapest_split` (a few kilobytes each)."""


WIDER_SPLIT = SPLIT_MAX + 1
"""Findings :func:`cheapest_split` may split (``2^4`` terms) where the best split of
:data:`.split.SPLIT_MAX` still leaves :data:`WIDER_FROM` entries × terms or more."""


WIDER_FROM = 1 << 21
"""Entries × terms above which :func:`cheapest_split` also tries a fourth split finding.

Knowledge base 0.1.13's region patterns join the left and right whole-leg findings through
one more shared node per felt quality, so where both legs report them the best split of three
can leave a large tree: on the slowest published clinician case (an achondroplasia stenosis)
633k entries × 8 terms, where a fourth finding split gives 153k × 16 (its assessment 40 → 17
CPU s, docs/engine.md). Below this the extra plans (0.1–0.2 s there) are not repaid; the
terms' sums are guarded against cancellation as for three."""


class ImpossibleEvidenceError(NetworkError):
    """The evidence has probability zero under the network."""


@dataclass(frozen=True, eq=False)
class Posterior:
    """Posterior marginals ``P(h = 1 | e)`` (read-only, by hidden index) and ``log P(e)``."""

    names: tuple[str, ...]
    marginals: FloatArray
    log_evidence: float
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {n: i for i, n in enumerate(self.names)})

    def probability(self, node: str | int) -> float:
        """``P(node = 1 | e)`` for a hidden node given by name or index."""
        if isinstance(node, str):
            if node not in self._index:
                raise NetworkError(f"unknown hidden node {node!r}")
            node = self._index[node]
        return float(self.marginals[node])

    def __getitem__(self, name: str) -> float:
        return self.probability(name)

    def as_dict(self) -> dict[str, float]:
        """``{hidden node name: P(present | e)}``."""
        return {n: float(p) for n, p in zip(self.names, self.marginals, strict=True)}


def compiled_network(source: Network | CompiledNetwork) -> CompiledNetwork:
    """``source`` itself if already compiled, else :func:`compile_network` of it."""
    return source if isinstance(source, CompiledNetwork) else compile_network(source)


@one_blas_thread
def infer(source: Network | CompiledNetwork, evidence: Evidence) -> Posterior:
    """Exact ``P(h = 1 | evidence)`` of every hidden node and ``log P(evidence)``.

    ``evidence`` maps finding indices to state indices, or names to state names;
    findings not in it are unknown. Pass a :class:`CompiledNetwork` (from
    :func:`compile_network`) to reuse the per-network work across cases.
    Raises :class:`ImpossibleEvidenceError` when ``P(evidence) = 0``.
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    marginals, log_evidence = _posterior(compiled, checked)
    np.clip(marginals, 0.0, 1.0, out=marginals)  # rounding can step 1 ulp outside
    marginals.setflags(write=False)
    names = tuple(node.name for node in compiled.network.hidden)
    return Posterior(names=names, marginals=marginals, log_evidence=log_evidence)


def _posterior(compiled: CompiledNetwork, evidence: dict[int, int]) -> tuple[FloatArray, float]:
    terms = split_terms(compiled, evidence)
    if terms is not None:
        split = _split_posterior(compiled, evidence, terms)
        if split is not None:
            return split
    # 1. Absorb the evidence into one tree's factors.
    absorbed = absorb(compiled, evidence)
    marginals = np.array(compiled.prior_marginals)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    if not absorbed.tree.variables:
        return marginals, absorbed.constant
    # 2–3. Propagate; nodes outside the tree keep their prior marginals.
    result = propagate(absorbed.tree, absorbed.static, absorbed.log_unary)
    log_z = float(result.log_z[0])
    if not math.isfinite(log_z):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    marginals[absorbed.hidden_variables] = result.present[0, absorbed.hidden_columns]
    return marginals, log_z + absorbed.constant


def _split_posterior(
    compiled: CompiledNetwork, evidence: dict[int, int], terms: Terms
) -> tuple[FloatArray, float] | None:
    """:func:`_posterior` with the widest abnormal findings as signed terms (``None``: use
    the tables instead, the sum cancelling too much or the evidence being impossible)."""
    split = propagate_terms(compiled, evidence, terms)
    if split is None:
        return None
    absorbed, result, weights, log_totals = split
    marginals = np.array(compiled.prior_marginals)
    marginals[absorbed.hidden_variables] = weights[0] @ result.present[:, absorbed.hidden_columns]
    return marginals, float(log_totals[0]) + absorbed.constant


def propagate_terms(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    terms: Terms,
    extra: int = 0,
    groups: Sequence[list[int]] = (),
) -> tuple[Absorbed, Propagation, FloatArray, FloatArray] | None:
    """The tree of the evidence without the split findings, propagated once per term, and
    once per term with each group's members also absent.

    Returns it with the propagation (batch row ``g · T + t``: term ``t``, with group
    ``g − 1`` absent for ``g ≥ 1``), the terms' signed weights per ``g`` (``(G + 1, T)``,
    each row summing to 1) and the log of each ``g``'s total mass; ``None`` when the
    evidence is impossible or a sum cancels too much (see :func:`split.combine`).
    """
    pushed = _push_terms(compiled, evidence, terms, extra, groups)
    if pushed is None:
        return None
    absorbed, result = pushed
    combined = combine(result.log_z.reshape(len(groups) + 1, -1), terms)
    if combined is None:
        return None
    weights, log_totals = combined
    return absorbed, result, weights, log_totals


def _push_terms(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    terms: Terms,
    extra: int,
    groups: Sequence[list[int]],
) -> tuple[Absorbed, Propagation] | None:
    """The tree without the split findings and its propagation of every (group, term) row,
    before the terms are combined; ``None`` when the rest of the evidence is impossible."""
    absorbed = absorb_terms(compiled, evidence, terms, extra)
    if absorbed is None:
        return None
    rows = _term_rows(group_rows(absorbed.log_unary, groups), terms)
    return absorbed, propagate(absorbed.tree, absorbed.static, rows)


def _without_split(
    compiled: CompiledNetwork, evidence: dict[int, int], terms: Terms, extra: int
) -> tuple[dict[int, int], int]:
    """The evidence without the split findings, and ``extra`` with their parents added (the
    terms' unary factors touch them)."""
    rest = {f: k for f, k in evidence.items() if f not in terms.findings}
    for f in terms.findings:
        extra |= compiled.finding_scopes[f]
    return rest, extra


def absorb_terms(
    compiled: CompiledNetwork, evidence: dict[int, int], terms: Terms, extra: int = 0
) -> Absorbed | None:
    """The tree of the evidence without the split findings, holding their parents too;
    ``None`` when the rest of the evidence is impossible."""
    absorbed = absorb(compiled, *_without_split(compiled, evidence, terms, extra))
    return None if absorbed.constant == -math.inf else absorbed


def split_pays(
    compiled: CompiledNetwork, evidence: dict[int, int], terms: Terms, extra: int = 0
) -> bool:
    """Whether pushing every row once per term through the tree without the split findings
    is less work (table entries) than pushing it once through the tree with their tables.

    Usually it is (the tables join up to 22 parents), but where the other abnormal findings
    already join those parents the split tree is about as large and costs ``2^|W|`` times
    the work: on dense clinical cases the tables' tree was 2–3× less work."""
    rest, split_extra = _without_split(compiled, evidence, terms, extra)
    split = planned_size(compiled, rest, split_extra) * len(terms.signs)
    return split <= planned_size(compiled, evidence, split_extra)


def cheapest_split(
    compiled: CompiledNetwork, evidence: dict[int, int], extra: int = 0
) -> Terms | None:
    """:func:`_cheapest_split`, remembered for the last few evidence sets: the search plans up
    to a few hundred trees (about a second of Python on the densest clinical cases), and one
    assessment asks for it for the origin groups and again for the question ranking, whose
    trees hold the same nodes (the search depends on ``extra`` through them alone)."""
    relevant = tuple(relevant_nodes(layout, evidence, extra) for layout in compiled.layouts)
    return _searched_split(_Search(compiled, tuple(evidence.items()), relevant, extra))


@dataclass(frozen=True, slots=True)
class _Search:
    """A search's key: the evidence and the nodes its trees hold; ``extra`` (one of the masks
    that give those nodes) is not part of it."""

    compiled: CompiledNetwork
    items: tuple[tuple[int, int], ...]
    relevant: tuple[int, ...]
    extra: int = field(compare=False, hash=False)


@functools.lru_cache(maxsize=SEARCHES_KEPT)
def _searched_split(search: _Search) -> Terms | None:
    return _cheapest_split(search.compiled, dict(search.items), search.extra, search.relevant)


def _cheapest_split(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    extra: int,
    relevant: tuple[int, ...] | None = None,
) -> Terms | None:
    """The abnormal findings to split (at most :data:`.split.SPLIT_MAX`, or :data:`WIDER_SPLIT`
    where that many still leave :data:`WIDER_FROM` entries × terms) for the least work pushing
    rows through the trees: ``2^|W|`` times the table entries of the tree without
    ``W``, or the entries of the tree with every table when ``W`` is empty (``None``).

    :func:`split_terms` splits the widest findings (12 parents or more) or none, as
    :func:`split_pays` says; this also weighs any subset of them and findings of
    :data:`SPLIT_CANDIDATE_PARENTS` parents or more: a local search from each of those two,
    one finding added, removed or swapped at a time while the work falls, keeps the better
    end (the work is far from monotone in the subset, and the subsets of ten findings are
    too many to plan). Trees are only planned (cached drafts, no table built), over the
    variables ``relevant`` (per layout, :func:`.evidence.relevant_nodes` of the evidence and
    ``extra``), which every subset's tree holds. Any subset
    is exact: the terms are Quickscore's signed sum, guarded against cancellation by the
    callers as for :func:`split_terms`.
    """
    findings = compiled.network.findings
    pool = [
        f
        for f, k in evidence.items()
        if k != 0
        and compiled.finding_scopes[f]
        and len(findings[f].parents) >= SPLIT_CANDIDATE_PARENTS
    ]
    if not pool:
        return None
    order = {f: (-len(findings[f].parents), f) for f in pool}
    known: dict[frozenset[int], int] = {}
    if relevant is None:
        relevant = tuple(relevant_nodes(layout, evidence, extra) for layout in compiled.layouts)
    items = tuple(evidence.items())

    def work(chosen: frozenset[int]) -> int:
        # Leaving ``chosen`` out and adding their parents to ``extra`` keeps the same
        # relevant variables: a finding's closure is the union of its parents' closures.
        if chosen not in known:
            rest = tuple(item for item in items if item[0] not in chosen)
            known[chosen] = planned_size_within(compiled, rest, relevant) << len(chosen)
        return known[chosen]

    def search(best: frozenset[int], most: int = SPLIT_MAX) -> frozenset[int]:
        while True:
            others = [f for f in pool if f not in best]
            moves = [best - {f} for f in best] + [best - {f} | {g} for f in best for g in others]
            if len(best) < most:
                moves += [best | {g} for g in others]
            step = min(moves, key=lambda c: (work(c), sorted(order[f] for f in c)))
            if work(step) >= work(best):
                return best
            best = step

    widest = split_terms(compiled, evidence)
    ends = [search(frozenset()), search(frozenset(() if widest is None else widest.findings))]
    if min(map(work, ends)) >= WIDER_FROM:
        ends = [search(end, WIDER_SPLIT) for end in ends]
    best = min(ends, key=lambda chosen: (work(chosen), len(chosen)))
    if not best:
        return None
    return terms_of(compiled, evidence, tuple(sorted(best, key=order.__getitem__)))


def split_for_rows(
    compiled: CompiledNetwork, evidence: dict[int, int], extra: int, rows: int
) -> Terms | None:
    """The findings to split for pushing ``rows`` batch rows through the trees: those of
    :func:`split_terms`, unless that would push more than :data:`SEARCH_FROM` table
    entries, then :func:`cheapest_split`'s (never more work, as its search starts there).

    The search plans up to a few hundred trees, about a second of Python on the densest
    clinical cases, which only large propagations repay: there it cut the entries of the
    origin groups' and explanations' rows 1.1–9× (one case: 6.3M → 1.4M per row)."""
    terms = split_terms(compiled, evidence)
    if terms is None:
        work = planned_size(compiled, evidence, extra)
    else:
        rest, wider = _without_split(compiled, evidence, terms, extra)
        work = planned_size(compiled, rest, wider) * len(terms.signs)
    if work * rows <= SEARCH_FROM:
        return terms
    # Searched for the trees that hold every hidden node: any split is exact whatever the tree,
    # so the origin groups, the explanations and the question ranking (whose trees hold them
    # all on dense cases) share one remembered search instead of planning one each.
    return cheapest_split(compiled, evidence, (1 << compiled.n_hidden) - 1)


def _term_rows(log_unary: FloatArray, terms: Terms) -> FloatArray:
    """Each row of ``log_unary`` (``(R, width)``) plus each term's factors.

    Row ``r · 2^|W| + t`` of the result is row ``r`` with term ``t``.
    """
    rows = np.repeat(log_unary, len(terms.signs), axis=0)
    rows[:, : terms.log_rows.shape[1]] += np.tile(terms.log_rows, (log_unary.shape[0], 1))
    return rows


def probability_all_absent(
    source: Network | CompiledNetwork, evidence: Evidence, nodes: Iterable[int | str]
) -> float:
    """Exact ``P(h = 0 for every h in nodes | evidence)``.

    ``1 −`` this is the probability that at least one of ``nodes`` is present, e.g.
    that the pain comes from some site of an origin group.
    """
    return probabilities_all_absent(source, evidence, [nodes])[0]


@one_blas_thread
def probabilities_all_absent(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    groups: Sequence[Iterable[int | str]],
) -> tuple[float, ...]:
    """:func:`probability_all_absent` for several groups in one batched propagation.

    Batch row 0 is the evidence alone; row ``g + 1`` adds the hard evidence "every
    node of group ``g`` absent", i.e. the unary factor ``(1, 0)`` on each of them, so
    ``P(group absent | e) = Z_{g+1} / Z_0``.
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    members = [node_indices(compiled, group) for group in groups]
    extra = 0
    for group in members:
        for v in group:
            extra |= 1 << v
    terms = split_terms(compiled, checked)
    if terms is not None and members:
        ratios = _split_all_absent(compiled, checked, members, extra, terms)
        if ratios is not None:
            return ratios
    absorbed = absorb(compiled, checked, extra)
    if absorbed.constant == -math.inf:
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    if not members:
        return ()
    result = propagate(absorbed.tree, absorbed.static, group_rows(absorbed.log_unary, members))
    if not math.isfinite(float(result.log_z[0])):
        raise ImpossibleEvidenceError("the evidence has probability zero under the network")
    ratios = np.exp(np.minimum(result.log_z[1:] - result.log_z[0], 0.0))
    return tuple(float(r) for r in ratios)


def group_rows(log_unary: FloatArray, members: Sequence[list[int]]) -> FloatArray:
    """Row 0: ``log_unary``; row ``g + 1``: every node of group ``g`` also absent."""
    rows = np.repeat(log_unary, len(members) + 1, axis=0)  # (G + 1, width)
    for g, group in enumerate(members):
        rows[g + 1, group] = LOG_ZERO
    return rows


def _split_all_absent(
    compiled: CompiledNetwork,
    evidence: dict[int, int],
    members: list[list[int]],
    extra: int,
    terms: Terms,
) -> tuple[float, ...] | None:
    """:func:`probabilities_all_absent` with the widest findings split (``None``: use the
    tables)."""
    pushed = _push_terms(compiled, evidence, terms, extra, members)
    if pushed is None:
        return None
    ratios = ratios_to_first(pushed[1].log_z.reshape(len(members) + 1, -1), terms)
    return None if ratios is None else tuple(float(r) for r in ratios)
