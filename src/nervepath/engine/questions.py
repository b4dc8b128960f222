"""Which unanswered finding to ask about next: expected information gain, exactly.

For a set ``D`` of hidden nodes (the differential: lesion sites, say) and evidence
``e``, the uncertainty is taken as the sum of the nodes' binary entropies, and a
candidate finding ``f`` with states ``0 … K−1`` scores

    EIG(f) = H(D | e) − Σ_k P(f = k | e) · H(D | e, f = k),
    H(D | ·) = Σ_{h ∈ D} H_b(P(h = 1 | ·)),   H_b(p) = −p ln p − (1 − p) ln(1 − p)  [nats].

The sum of marginal entropies is an upper bound on the joint entropy of ``D`` and
this is the usual myopic value-of-information approximation of Gorry & Barnett (1968)
and of the Pathfinder system (Heckerman, Horvitz & Nathwani 1992), in the spirit of
de Dombal's sequential diagnosis: the joint entropy of ~50 binary nodes has 2^50
terms, whereas every marginal is exact and cheap. It is still a proper expected
reduction: ``H_b`` is concave and ``P(h | e) = Σ_k P(f = k | e) P(h | e, f = k)``, so
every term, hence ``EIG``, is ``≥ 0`` (up to rounding, which is clipped).

Computing it: the cumulative event ``f ≤ k`` has likelihood
``F_f(k | pa) = C_leak(k) ∏ C_i(k)^pa_i``, a product of unary factors on the parents,
i.e. soft evidence that changes no clique. So the junction tree of ``e`` (made to
contain every candidate's parents and every target) is calibrated once, and every
``(candidate, k < K−1)`` becomes one row of soft evidence pushed through it by
:func:`nervepath.engine.soft_evidence.soft_evidence`, which only touches the cliques
below each row's factors and reads everything else off separator marginals. A row
yields ``P(f ≤ k | e)`` and ``P(h = 1 | e, f ≤ k)``; states and joints follow by
differences, ``P(·, f = k) = P(·, f ≤ k) − P(·, f ≤ k − 1)`` with
``P(·, f ≤ K−1) = P(· | e)``. For a yes/no finding that is one row: the "present"
branch is ``P(h, f = 1 | e) = P(h | e) − P(h, f = 0 | e)``. When the evidence has
findings split into signed terms (:mod:`nervepath.engine.split`), the rows go through
the tree of each term and are summed with the terms' weights, each row's sum guarded
against cancellation like the terms' own.

Origin groups: a group ``G`` of hidden nodes (the sites of the lumbar spine, say) adds
the entropy of its event ``A_G`` = "some member present" to ``H(D | ·)``, with the same
concavity argument. ``P(no member | e, f ≤ k) = P(no member | e) · E[F_f(k) | e, no
member] / E[F_f(k) | e]``: the tree is also calibrated with every member absent (hard
unary factors, one more batch row per group), and the rows are pushed through it once
more, asking only for their mass, so no distribute pass runs. Each group costs about
one more collect pass of every row: with the service's six origin groups the ranking
of the clinical vignettes takes about 3.5× as long.

With ``top``, candidates are scored in decreasing order of a proven bound on their gain
(:mod:`nervepath.engine.gain_bounds`) until no unscored bound reaches the ``top``-th gain so
far (less 2e-9, so rounding to 1e-9 cannot reorder them): the first ``top`` are exactly the
whole ranking's. Bounds from marginals alone (``I(t; f) ≤ I(pa(f); f)``; ``KL ≤ χ²``) had left
72–92 % of candidates above the 10th best gain on the vignettes (docs/engine.md).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from nervepath.engine.compiled import CompiledNetwork
from nervepath.engine.evidence import (
    Evidence,
    absorb,
    evidence_indices,
    node_indices,
)
from nervepath.engine.gain_bounds import event_rows, gain_bounds, parent_nodes
from nervepath.engine.inference import (
    ImpossibleEvidenceError,
    cheapest_split,
    compiled_network,
    group_rows,
    propagate_terms,
)
from nervepath.engine.junction import JunctionTree, propagate
from nervepath.engine.network import Network
from nervepath.engine.question_rows import (
    CandidateRows,
    Push,
    candidate_rows,
    distinct_rows,
    finding_scores,
    pusher,
    with_groups,
)
from nervepath.engine.threads import one_blas_thread
from nervepath.engine.traits import candidate_answers, trait_scores

__all__ = ["QuestionScore", "rank_questions", "should_stop"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class QuestionScore:
    """A candidate finding, its expected information gain (nats), ``P(state | e)`` and,
    per state, the targets' ``P(t = 1 | e, state)`` (in the order of ``targets``)."""

    finding: str
    expected_information_gain: float
    state_probabilities: tuple[float, ...]
    state_posteriors: tuple[tuple[float, ...], ...] = ()


@one_blas_thread
def rank_questions(
    source: Network | CompiledNetwork,
    evidence: Evidence,
    *,
    targets: Iterable[int | str] | None = None,
    candidates: Iterable[int | str] | None = None,
    groups: Sequence[Iterable[int | str]] = (),
    top: int | None = None,
    apart: Iterable[int | str] = (),
) -> tuple[QuestionScore, ...]:
    """Score unanswered findings by expected information gain about ``targets`` and
    ``groups``.

    ``targets`` defaults to every hidden node; ``candidates`` (finding indices or
    names) to every finding not in ``evidence``; a risk factor's copies are one candidate,
    scored as a root (:mod:`nervepath.engine.traits`). Each of ``groups`` (sets of hidden
    nodes, such as the sites of one origin) adds the entropy of the event "some member
    present". The result is sorted by decreasing gain (to 1e-9 nats), ties by finding
    name.

    With ``top``, only the ``top`` best candidates are returned, and the ``top`` best of
    those in ``apart`` (the service lists warning signs apart): exactly the first ones of
    the whole ranking, the others ruled out by a proven bound on their gain
    (:mod:`nervepath.engine.gain_bounds`).
    """
    compiled = compiled_network(source)
    checked = evidence_indices(compiled, evidence)
    target_list = node_indices(compiled, range(compiled.n_hidden) if targets is None else targets)
    group_list = [node_indices(compiled, group) for group in groups]
    answers = candidate_answers(compiled, checked, candidates)
    if not answers or (top is not None and top < 1):
        return ()
    extra = 0
    for v in target_list + [v for group in group_list for v in group]:
        extra |= 1 << v
    for f in (f for copies in answers for f in copies):
        extra |= compiled.finding_scopes[f]
    aside = {copies[0] for copies in candidate_answers(compiled, checked, apart)}
    ranking = _Ranking(
        compiled, answers, target_list, group_list, top, aside, candidate_rows(compiled, answers)
    )
    orient = distinct_rows(ranking.rows.rows)[0]
    ranked = None
    terms = cheapest_split(compiled, checked, extra)
    if terms is not None:
        split = propagate_terms(compiled, checked, terms, extra, group_list)
        if split is not None:
            absorbed, base, weights, log_totals = split
            log_z = base.log_z.reshape(len(group_list) + 1, len(terms.signs))
            pushed = pusher(absorbed.tree, base, weights, log_z, orient)
            work = _entries(absorbed.tree) * len(terms.signs)
            ranked = ranking.ranked(pushed, log_totals - log_totals[0], work)
    if ranked is None:
        absorbed = absorb(compiled, checked, extra)
        if absorbed.constant == -math.inf:
            raise ImpossibleEvidenceError("the evidence has probability zero under the network")
        base = propagate(absorbed.tree, absorbed.static, group_rows(absorbed.log_unary, group_list))
        if not math.isfinite(float(base.log_z[0])):
            raise ImpossibleEvidenceError("the evidence has probability zero under the network")
        ones = np.ones((len(group_list) + 1, 1))
        pushed = pusher(absorbed.tree, base, ones, base.log_z[:, None], orient)
        ranked = ranking.ranked(pushed, base.log_z - base.log_z[0], _entries(absorbed.tree))
        assert ranked is not None  # one term per tree: no signed sum to cancel
    return ranked


BOUND_FROM = 1 << 15
"""Tree entries × calibrations from which ``top`` bounds candidates: below, the bound's rows and
the extra pushes cost more than they save (published tuning cases, docs/engine.md)."""

READ_SLICE = 64  # columns read per push of the bound's event rows (docs/engine.md: memory)
READ_WHOLE = 1 << 23
"""Tree entries × calibrations × columns up to which the bound's rows read every column in one
push: their target tables then take at most about 64 MB, and one push costs ×0.7 of three
(published self-check cases, docs/engine.md)."""


@dataclass(frozen=True, slots=True)
class _Ranking:
    """One ranking's candidates and targets, scored through one calibrated tree's rows."""

    compiled: CompiledNetwork
    answers: list[tuple[int, ...]]
    targets: list[int]
    groups: list[list[int]]
    top: int | None
    aside: set[int]
    rows: CandidateRows

    def ranked(
        self, push: Push, log_absent: FloatArray, work: int
    ) -> tuple[QuestionScore, ...] | None:
        """The ranking (its first ones with ``top``); ``None``: a signed sum cancels. ``work``:
        the tree's entries times its calibrations (bounds pay from :data:`BOUND_FROM`)."""
        key = _order
        if self.top is None:
            scores = self._scores(push, log_absent, list(range(len(self.answers))))
            return None if scores is None else tuple(s.score() for s in sorted(scores, key=key))
        bounds = (
            self._bounds(push, work) if work >= BOUND_FROM else np.full(len(self.answers), np.inf)
        )
        if bounds is None:
            return None
        # In each pool, by decreasing bound: first the unbounded candidates and the 2·top
        # best bounds, then, batch by batch (each at most twice what was scored), those whose
        # bound reaches the pool's top-th gain so far; the rest cannot enter.
        pools = [
            sorted(
                (i for i, c in enumerate(self.answers) if (c[0] in self.aside) == aside),
                key=lambda i: -bounds[i],
            )
            for aside in (False, True)
        ]
        done: dict[int, _Scored] = {}
        quota = [2 * self.top + int(np.isinf(bounds[pool]).sum()) for pool in pools]
        while True:
            batch: list[int] = []
            for pool, size in zip(pools, quota, strict=True):
                gains = sorted(done[i].expected_information_gain for i in pool if i in done)
                floor = gains[-self.top] - 2e-9 if len(gains) >= self.top else -math.inf
                waiting = [i for i in pool if i not in done and bounds[i] >= floor]
                batch += waiting[: size - len(gains) if gains else size]
            if not batch:
                break
            scores = self._scores(push, log_absent, batch)
            if scores is None:
                return None
            done.update(zip(batch, scores, strict=True))
            quota = [2 * sum(i in done for i in pool) for pool in pools]
        best: list[_Scored] = []
        for pool in pools:
            best += sorted((done[i] for i in pool if i in done), key=key)[: self.top]
        return tuple(s.score() for s in sorted(best, key=key))

    def _bounds(self, push: Push, work: int) -> FloatArray | None:
        """:func:`gain_bounds` of every candidate (``inf`` for a risk factor: always scored)."""
        compiled = self.compiled
        findings = [c[0] for c in self.answers]
        plain = [f for f in findings if not compiled.network.findings[f].answer]
        nodes = parent_nodes(compiled, plain)
        events = [[t] for t in self.targets] + self.groups
        # Each event's P(v | e, absent) for every parent: bounding the parents that are not
        # targets by their marginals alone left 2× as many candidates to score on the slowest
        # cases, more than the 2–3× cheaper push of the event rows saved.
        read = sorted(set(nodes) | set(self.targets))
        # On large trees in slices of columns: each slice's tables for the leaving rows are
        # (separator configurations × columns) per term, 2× the ranking's peak memory when all
        # at once on the slowest cases; on small ones, one push (READ_WHOLE).
        rows = event_rows(compiled.n_hidden, events)
        step = len(read) if work * len(read) <= READ_WHOLE else READ_SLICE
        parts = []
        for start in range(0, len(read), step):
            part = push(0, rows, read[start : start + step], remember=False)
            if part is None:
                return None
            parts.append(part)
        log_mass = parts[0][2]
        present = np.concatenate([part[0] for part in parts])
        conditional = np.concatenate([part[3] for part in parts], axis=1)
        marginals = np.zeros(compiled.n_hidden)
        marginals[read] = present
        # P(event) from the row's mass: P(every member absent | e).
        chances = -np.expm1(np.minimum(log_mass, 0.0))
        out = np.full(len(findings), np.inf)
        is_plain = [j for j, f in enumerate(findings) if not compiled.network.findings[f].answer]
        out[is_plain] = gain_bounds(compiled, plain, events, chances, marginals, read, conditional)
        # Slack for the gains' own rounding (sums of ~50 entropies).
        return out * (1.0 + 1e-6) + 1e-9

    def _scores(self, push: Push, log_absent: FloatArray, batch: list[int]) -> list[_Scored] | None:
        """The candidates ``batch`` (indices into ``answers``) scored, in their order;
        ``None``: a sum cancels."""
        compiled, network = self.compiled, self.compiled.network
        answers = [self.answers[j] for j in batch]
        is_trait = [bool(network.findings[copies[0]].answer) for copies in answers]
        traits = [copies for copies, t in zip(answers, is_trait, strict=True) if t]
        chosen = [copies[0] for copies, t in zip(answers, is_trait, strict=True) if not t]
        # 1. The rows: (candidate, k) for k < K − 1, with F_f(k) as soft evidence; then a
        #    risk factor's rows, one per state.
        spans = self.rows.spans
        plain = [r for j, t in zip(batch, is_trait, strict=True) if not t for r in spans[j]]
        trait = [r for j, t in zip(batch, is_trait, strict=True) if t for r in spans[j]]
        rows = self.rows.rows[plain + trait]
        leak = self.rows.leak[plain]
        owners = plain
        # 2–3. Every row through the calibrated tree (or its split terms' calibrations).
        # Twin findings and shared parent sets repeat rows: each distinct row is pushed once.
        distinct, inverse = distinct_rows(rows)
        pushed = with_groups(
            push(0, distinct, self.targets), push, distinct, self.groups, log_absent
        )
        if pushed is None:
            return None
        base_present, base_absent, log_mass, conditional = pushed
        log_mass, conditional = log_mass[inverse], conditional[inverse]
        scored = {
            copies[0]: _Scored(name, gain, p, g)
            for copies, (name, gain, p, g) in zip(
                traits,
                trait_scores(
                    compiled,
                    traits,
                    log_mass[len(owners) :],
                    conditional[len(owners) :],
                    len(self.targets),
                ),
                strict=True,
            )
        }
        found = finding_scores(
            network,
            chosen,
            leak,
            log_mass[: len(owners)],
            conditional[: len(owners)],
            base_present,
            base_absent,
            len(self.targets),
        )
        scored.update(zip(chosen, (_Scored(*f) for f in found), strict=True))
        return [scored[copies[0]] for copies in answers]


def _entries(tree: JunctionTree) -> int:
    return sum(1 << len(clique) for clique in tree.cliques)


@dataclass(frozen=True, slots=True)
class _Scored:
    """A scored candidate, made a :class:`QuestionScore` only if it is returned: the service
    shows ten of ~450, and making every one took about 4 % of the median case's ranking."""

    finding: str
    expected_information_gain: float
    probabilities: FloatArray
    posteriors: FloatArray

    def score(self) -> QuestionScore:
        return QuestionScore(
            self.finding,
            self.expected_information_gain,
            tuple(self.probabilities.tolist()),
            tuple(map(tuple, self.posteriors.tolist())),
        )


def _order(score: _Scored) -> tuple[float, str]:
    # Gains equal to 1e-9 nats (left/right twins, equal but for rounding) go by name.
    return (-round(score.expected_information_gain, 9), score.finding)


def should_stop(
    scores: Sequence[QuestionScore],
    probabilities: Iterable[float],
    *,
    min_gain: float = 0.01,
    confident: float = 0.95,
) -> bool:
    """Stop asking when no question is worth ``min_gain`` nats or a target is ``confident``.

    ``probabilities`` are the current ``P(h = 1 | e)`` of the targets (the differential).
    """
    if not scores or max(s.expected_information_gain for s in scores) < min_gain:
        return True
    return any(p > confident for p in probabilities)
