"""The Bayesian network the engine reasons over: plain numbers, no clinical knowledge.

Structure (built from the knowledge base by ``nervepath.knowledge.network``):

* **Hidden nodes** are binary (absent = 0, present = 1) and listed in topological
  order. A root node (no parents) has a prior ``P(x = 1)``. A node with parents is a
  noisy-OR with leak (Pearl 1988, ch. 4.3.2; Henrion 1989)::

      P(x = 0 | parents) = (1 - leak) * prod_i (1 - p_i) ** parent_i

  In nervepath the roots are causes (disc herniation at L4/5 on the left, …) and
  their children are lesion sites (the left L5 root, …).

* **Findings** are the observable children of hidden nodes. A finding has ordered
  states, from normal (index 0) to most severe: ``("absent", "present")`` for a
  yes/no finding, ``("5", "4", "3", "2", "1", "0")`` for an MRC grade. Each finding
  is a *noisy-MAX* (Díez 1993; Henrion 1989), the graded generalisation of
  noisy-OR: every present parent ``i`` independently produces a state ``Y_i`` with
  distribution ``q_i``, the leak produces ``Y_leak`` with distribution ``leak``, and
  the observed state is the most severe of them::

      P(Y <= k | parents) = C_leak(k) * prod_i C_i(k) ** parent_i,   C(k) = sum_{j<=k} q(j)

  With two states this is exactly noisy-OR. Observing the normal state (k = 0)
  factorises over the parents; any other state gives
  ``P(Y = k) = P(Y <= k) - P(Y <= k - 1)``, a difference of two such products.

* **Copies of one answer.** A finding that is a trait or exposure (age, diabetes) rather
  than an effect changes each parent's prior on its own: it is not one noisy-OR child
  (whose abnormal state would let its parents explain each other away, and would join
  them in one clique) but one single-parent copy per parent, all answered together. The
  copies share their ``answer`` name; evidence given under it sets every copy. A
  parent's factor from its copy, relative to the leak's, is the likelihood ratio that
  parent alone implies, exactly as the noisy-OR child gave it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["FindingNode", "HiddenNode", "Network", "NetworkError"]

_TOLERANCE = 1e-9


class NetworkError(ValueError):
    """A network or an evidence set that the engine cannot reason over."""


@dataclass(frozen=True, slots=True)
class HiddenNode:
    """A binary hidden variable: a root with a prior, or a noisy-OR of earlier nodes."""

    name: str
    prior: float | None = None
    leak: float = 0.0
    parents: tuple[tuple[int, float], ...] = ()

    @property
    def is_root(self) -> bool:
        return not self.parents


@dataclass(frozen=True, slots=True)
class FindingNode:
    """An observable noisy-MAX child of hidden nodes; states run from normal to most severe."""

    name: str
    states: tuple[str, ...]
    leak: tuple[float, ...]
    parents: tuple[tuple[int, tuple[float, ...]], ...]
    answer: str = ""  # a copy's answer name (module docstring); "" is its own name

    @property
    def answered_as(self) -> str:
        return self.answer or self.name

    def state_index(self, state: str) -> int:
        try:
            return self.states.index(state)
        except ValueError:
            raise NetworkError(
                f"finding {self.name!r}: state {state!r} is not one of {list(self.states)}"
            ) from None


@dataclass(frozen=True)
class Network:
    """Hidden nodes in topological order and the findings that hang from them."""

    hidden: tuple[HiddenNode, ...]
    findings: tuple[FindingNode, ...]
    hidden_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    finding_index: Mapping[str, int] = field(init=False, repr=False, compare=False)
    answers: Mapping[str, tuple[int, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hidden_index", {n.name: i for i, n in enumerate(self.hidden)})
        object.__setattr__(self, "finding_index", {f.name: i for i, f in enumerate(self.findings)})
        answers: dict[str, list[int]] = {}
        for i, f in enumerate(self.findings):
            answers.setdefault(f.answered_as, []).append(i)
        object.__setattr__(self, "answers", {a: tuple(v) for a, v in answers.items()})
        problems = list(self._problems())
        if problems:
            raise NetworkError("invalid network:\n" + "\n".join(f"- {p}" for p in problems))

    def _problems(self) -> list[str]:
        problems: list[str] = []
        if len(self.hidden_index) != len(self.hidden):
            problems.append("hidden node names are not unique")
        if len(self.finding_index) != len(self.findings):
            problems.append("finding names are not unique")
        if set(self.hidden_index) & (set(self.finding_index) | set(self.answers)):
            problems.append("a name is used for both a hidden node and a finding")
        for answer, copies in self.answers.items():
            own = self.finding_index.get(answer)
            if own is not None and copies != (own,):
                problems.append(f"{answer}: names a finding and the copies of another answer")
            if len({(self.findings[i].states, self.findings[i].leak) for i in copies}) > 1:
                problems.append(f"{answer}: its copies have different states or leaks")
            if any(self.findings[i].answer and len(self.findings[i].parents) != 1 for i in copies):
                problems.append(f"{answer}: a copy needs exactly one parent")
        for i, node in enumerate(self.hidden):
            if node.is_root:
                if node.prior is None or not 0.0 < node.prior < 1.0:
                    problems.append(f"{node.name}: a root needs a prior in (0, 1)")
            else:
                if node.prior is not None:
                    problems.append(f"{node.name}: a node with parents takes a leak, not a prior")
                if not 0.0 <= node.leak < 1.0:
                    problems.append(f"{node.name}: leak {node.leak} is not in [0, 1)")
                for parent, p in node.parents:
                    if not 0 <= parent < i:
                        problems.append(f"{node.name}: parent {parent} does not precede it")
                    if not 0.0 <= p <= 1.0:
                        problems.append(f"{node.name}: link probability {p} is not in [0, 1]")
        for finding in self.findings:
            problems.extend(self._finding_problems(finding))
        return problems

    def _finding_problems(self, finding: FindingNode) -> list[str]:
        problems: list[str] = []
        n = len(finding.states)
        if n < 2 or len(set(finding.states)) != n:
            problems.append(f"{finding.name}: needs at least two distinct states")
        distributions = [("leak", finding.leak)] + [
            (f"parent {parent}", q) for parent, q in finding.parents
        ]
        for label, q in distributions:
            if (
                len(q) != n
                or any(v < 0.0 for v in q)
                or not math.isclose(sum(q), 1.0, abs_tol=_TOLERANCE)
            ):
                problems.append(f"{finding.name}: {label} is not a distribution over {n} states")
        if finding.leak and finding.leak[0] <= 0.0:
            problems.append(f"{finding.name}: leak gives the normal state no probability")
        seen: set[int] = set()
        for parent, _ in finding.parents:
            if not 0 <= parent < len(self.hidden):
                problems.append(f"{finding.name}: parent {parent} is not a hidden node")
            if parent in seen:
                problems.append(f"{finding.name}: parent {parent} is listed twice")
            seen.add(parent)
        return problems

    def evidence_indices(self, evidence: Mapping[str, str]) -> dict[int, int]:
        """Translate ``{finding or answer name: state}`` into ``{finding index: state index}``
        (an answer sets each of its copies)."""
        out: dict[int, int] = {}
        for name, state in evidence.items():
            copies = self.answers.get(name)
            if copies is None:
                index = self.finding_index.get(name)
                if index is None:
                    raise NetworkError(f"unknown finding {name!r}")
                copies = (index,)
            k = self.findings[copies[0]].state_index(state)
            out.update((index, k) for index in copies)
        return out
