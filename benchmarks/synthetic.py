"""Seeded random networks and cases shaped like nervepath's, for tests and benchmarks.

The real network is built from the knowledge base; until then (and for stress tests
afterwards) :func:`realistic_network` draws one with the same shape:

* ``causes`` binary roots with priors log-uniform in [1e-4, 0.15];
* ``sites`` noisy-OR children of 1–6 causes with a leak in [0.001, 0.01]; most causes
  have 1–3 site children;
* a left and a right half that are independent except for a few *midline* causes and
  sites (central stenosis, cauda equina, polyneuropathy …) linked to both sides;
* ``findings`` noisy-MAX children of 1–12 sites *and* causes, anatomically clustered:
  a few popular sites (the L5 and S1 roots) are parents of many findings; ``graded``
  of them have 4–6 states (MRC "5".."0", reflexes normal/brisk/reduced/absent).

:func:`random_case` draws a case from such a network: a few causes are made present,
everything below them is sampled, and a chosen number of abnormal and normal findings
is observed. :func:`random_network` draws small multi-layer networks of any shape for
property tests.
"""

from __future__ import annotations

import numpy as np

from nervepath.engine.network import FindingNode, HiddenNode, Network

__all__ = [
    "random_case",
    "random_network",
    "realistic_cases",
    "realistic_network",
    "sampled_patient",
]

_MRC = ("5", "4", "3", "2", "1", "0")
_REFLEX = ("normal", "brisk", "reduced", "absent")
_BINARY = ("absent", "present")


def _distribution(rng: np.random.Generator, n_states: int, normal: float) -> tuple[float, ...]:
    """A distribution over ``n_states`` with mass ``normal`` on state 0, the rest spread."""
    if n_states == 2:
        return (normal, 1.0 - normal)
    spread = rng.dirichlet(np.full(n_states - 1, 0.8)) * (1.0 - normal)
    values = [normal, *(float(v) for v in spread)]
    values[0] = 1.0 - sum(values[1:])
    return tuple(values)


def _states(rng: np.random.Generator) -> tuple[str, ...]:
    choice = int(rng.integers(3))
    if choice == 0:
        return _MRC
    if choice == 1:
        return _REFLEX
    return _MRC[:5] if rng.random() < 0.5 else ("none", "mild", "moderate", "severe", "total")


def realistic_network(
    seed: int = 0,
    *,
    causes: int = 50,
    sites: int = 45,
    findings: int = 550,
    graded: int = 40,
    midline_causes: int = 6,
    midline_sites: int = 4,
    extra_parents: float = 2.0,
) -> Network:
    """A random network with the shape of nervepath's (see the module docstring).

    A finding has ``1 + Poisson(extra_parents)`` parents (12 at most; 1 in 25 gets 7
    more): 2.0 gives about 3 on average; 5.0 is closer to the knowledge base's
    anatomically derived findings (4–10 sites each), whose trees are much larger.
    """
    rng = np.random.default_rng(seed)
    left_causes = (causes - midline_causes + 1) // 2
    right_causes = causes - midline_causes - left_causes
    left_sites = (sites - midline_sites + 1) // 2
    right_sites = sites - midline_sites - left_sites
    hidden: list[HiddenNode] = []
    cause_ids: dict[str, list[int]] = {"L": [], "R": [], "M": []}
    for side, count in (("L", left_causes), ("R", right_causes), ("M", midline_causes)):
        for j in range(count):
            cause_ids[side].append(len(hidden))
            prior = float(np.exp(rng.uniform(np.log(1e-4), np.log(0.15))))
            hidden.append(HiddenNode(f"cause_{side.lower()}{j}", prior=prior))
    site_ids: dict[str, list[int]] = {"L": [], "R": [], "M": []}
    site_parents: dict[int, set[int]] = {}
    first_site = len(hidden)
    for side, count in (("L", left_sites), ("R", right_sites), ("M", midline_sites)):
        for j in range(count):
            site = first_site + sum(len(v) for v in site_ids.values())
            site_ids[side].append(site)
            site_parents[site] = set()
            del j
    # Sites of a side lie along an anatomical path (roots, plexus, nerves, foot): a
    # cause injures 1–3 neighbouring sites; midline causes one site on each side.
    for side in ("L", "R"):
        pool = site_ids[side]
        for cause in cause_ids[side]:
            start = int(rng.integers(len(pool)))
            for k in range(int(rng.integers(1, 4))):
                site_parents[pool[min(len(pool) - 1, start + k)]].add(cause)
    for j, cause in enumerate(cause_ids["M"]):
        position = int(rng.integers(right_sites))
        site_parents[site_ids["L"][position]].add(cause)
        site_parents[site_ids["R"][position]].add(cause)
        if site_ids["M"] and rng.random() < 0.7:
            site_parents[site_ids["M"][j % len(site_ids["M"])]].add(cause)
    for side in ("L", "R", "M"):
        for site in site_ids[side]:
            pool = cause_ids[side]
            while not site_parents[site]:
                site_parents[site].add(int(rng.choice(pool)))
            while len(site_parents[site]) > 6:
                site_parents[site].remove(max(site_parents[site]))
    for side in ("L", "R", "M"):
        for j, site in enumerate(site_ids[side]):
            parents = tuple((c, float(rng.uniform(0.3, 0.95))) for c in sorted(site_parents[site]))
            leak = float(rng.uniform(0.001, 0.01))
            hidden.append(HiddenNode(f"site_{side.lower()}{j}", leak=leak, parents=parents))
    # Findings: a lateral finding hangs from an anchor site of its side (popular sites,
    # such as the L5 and S1 roots, more often), sites near it on the path, sometimes a
    # midline site, and sometimes causes of those sites (history items); a midline
    # finding from midline sites and causes of both sides.
    finding_nodes: list[FindingNode] = []
    graded_ids = set(rng.choice(findings, size=min(graded, findings), replace=False).tolist())
    popularity = {side: rng.permutation(len(site_ids[side])) for side in ("L", "R")}
    zipf = {side: 1.0 / (1.0 + np.arange(len(site_ids[side]))) ** 0.9 for side in ("L", "R")}
    for j in range(findings):
        side = "M" if j % 11 == 10 else ("L" if j % 2 == 0 else "R")
        n_parents = int(min(12, 1 + rng.poisson(extra_parents) + (rng.random() < 0.04) * 7))
        chosen: set[int] = set()
        if side == "M":
            pool = site_ids["M"] + cause_ids["M"]
            chosen |= set(rng.choice(pool, size=min(len(pool), n_parents), replace=False).tolist())
        else:
            weights = zipf[side] / zipf[side].sum()
            anchor = int(popularity[side][rng.choice(len(weights), p=weights)])
            pool = site_ids[side]
            chosen.add(pool[anchor])
            while len(chosen) < n_parents:
                roll = rng.random()
                if roll < 0.1 and site_ids["M"]:
                    chosen.add(int(rng.choice(site_ids["M"])))
                elif roll < 0.25:
                    site = int(rng.choice(sorted(s for s in chosen if s in site_parents)))
                    chosen.add(int(rng.choice(sorted(site_parents[site]))))
                else:
                    offset = int(rng.geometric(0.45)) * (1 if rng.random() < 0.5 else -1)
                    chosen.add(pool[int(np.clip(anchor + offset, 0, len(pool) - 1))])
                if len(chosen) >= len(pool):
                    break
        states = _states(rng) if j in graded_ids else _BINARY
        leak_abnormal = float(np.exp(rng.uniform(np.log(0.002), np.log(0.15))))
        finding_leak = _distribution(rng, len(states), 1.0 - leak_abnormal)
        links = tuple(
            (int(p), _distribution(rng, len(states), 1.0 - float(rng.uniform(0.1, 0.9))))
            for p in sorted(chosen)
        )
        finding_nodes.append(FindingNode(f"finding_{j}", states, finding_leak, links))
    return Network(tuple(hidden), tuple(finding_nodes))


def random_network(
    seed: int,
    *,
    hidden: int = 8,
    findings: int = 10,
    max_parents: int = 4,
    graded_fraction: float = 0.3,
) -> Network:
    """A small random network: multi-layer noisy-OR hidden nodes, noisy-MAX findings."""
    rng = np.random.default_rng(seed)
    nodes: list[HiddenNode] = []
    for i in range(hidden):
        n_parents = int(rng.integers(0, min(i, max_parents) + 1)) if i else 0
        if n_parents == 0:
            nodes.append(HiddenNode(f"h{i}", prior=float(rng.uniform(0.01, 0.6))))
            continue
        chosen = sorted(rng.choice(i, size=n_parents, replace=False).tolist())
        parents = tuple((int(p), float(rng.uniform(0.05, 1.0))) for p in chosen)
        nodes.append(HiddenNode(f"h{i}", leak=float(rng.uniform(0.0, 0.2)), parents=parents))
    finding_nodes: list[FindingNode] = []
    for j in range(findings):
        n_states = int(rng.integers(3, 6)) if rng.random() < graded_fraction else 2
        states = tuple(f"s{k}" for k in range(n_states)) if n_states > 2 else _BINARY
        n_parents = int(rng.integers(1, min(hidden, max_parents) + 1))
        chosen = sorted(rng.choice(hidden, size=n_parents, replace=False).tolist())
        finding_leak = _distribution(rng, n_states, float(rng.uniform(0.5, 0.99)))
        links = tuple(
            (int(p), _distribution(rng, n_states, float(rng.uniform(0.0, 0.9)))) for p in chosen
        )
        finding_nodes.append(FindingNode(f"f{j}", states, finding_leak, links))
    return Network(tuple(nodes), tuple(finding_nodes))


def _sample_hidden(network: Network, rng: np.random.Generator, forced: set[int]) -> list[int]:
    values: list[int] = []
    for i, node in enumerate(network.hidden):
        if i in forced:
            values.append(1)
        elif node.is_root:
            values.append(int(rng.random() < (node.prior or 0.0)))
        else:
            p_absent = 1.0 - node.leak
            for parent, p in node.parents:
                if values[parent]:
                    p_absent *= 1.0 - p
            values.append(int(rng.random() >= p_absent))
    return values


def _sample_finding(node: FindingNode, hidden: list[int], rng: np.random.Generator) -> int:
    state = int(rng.choice(len(node.states), p=np.asarray(node.leak) / sum(node.leak)))
    for parent, q in node.parents:
        if hidden[parent]:
            state = max(state, int(rng.choice(len(q), p=np.asarray(q) / sum(q))))
    return state


def sampled_patient(
    network: Network, rng: np.random.Generator, *, present_causes: int = 2
) -> list[int]:
    """The state of every finding of a patient drawn from the network, with
    ``present_causes`` roots forced present and everything else sampled."""
    roots = [i for i, node in enumerate(network.hidden) if node.is_root]
    count = min(present_causes, len(roots))
    forced = set(rng.choice(roots, size=count, replace=False).tolist()) if count else set()
    hidden = _sample_hidden(network, rng, forced)
    return [_sample_finding(f, hidden, rng) for f in network.findings]


def random_case(
    network: Network,
    rng: np.random.Generator,
    *,
    observed: int,
    abnormal: int,
    present_causes: int = 2,
) -> dict[int, int]:
    """Evidence ``{finding: state}``: ``observed`` findings, ``abnormal`` of them not normal.

    ``present_causes`` roots are forced present and the rest of the network is sampled;
    abnormal findings come from the sample first, then (if too few) from findings
    whose parents are present, then from any finding, so that large abnormal counts
    stay possible.
    """
    roots = [i for i, node in enumerate(network.hidden) if node.is_root]
    count = min(present_causes, len(roots))
    forced = set(rng.choice(roots, size=count, replace=False).tolist()) if count else set()
    hidden = _sample_hidden(network, rng, forced)
    states = [_sample_finding(f, hidden, rng) for f in network.findings]
    order = rng.permutation(len(network.findings)).tolist()
    observed = min(observed, len(order))
    abnormal = min(abnormal, observed)
    evidence: dict[int, int] = {}
    sampled = [j for j in order if states[j] > 0]
    linked = [
        j
        for j in order
        if states[j] == 0 and any(hidden[p] for p, _ in network.findings[j].parents)
    ]
    for j in sampled + linked + order:
        if len(evidence) >= abnormal:
            break
        if j not in evidence:
            n_states = len(network.findings[j].states)
            evidence[j] = states[j] if states[j] > 0 else int(rng.integers(1, n_states))
    for j in order:
        if len(evidence) >= observed:
            break
        if j not in evidence:
            evidence[j] = 0
    # A risk factor's copies are one answer (engine.network): each takes the state drawn first.
    answered: dict[int, int] = {}
    for f, k in evidence.items():
        for copy in network.answers[network.findings[f].answered_as]:
            answered.setdefault(copy, k)
    return answered


def realistic_cases(network: Network, count: int, seed: int = 0) -> list[dict[int, int]]:
    """``count`` cases spread from few to many answers (5–80) and abnormal ones (1–25)."""
    rng = np.random.default_rng(seed)
    cases: list[dict[int, int]] = []
    for _ in range(count):
        observed = int(np.exp(rng.uniform(np.log(5), np.log(80))))
        abnormal = int(rng.integers(1, min(25, observed) + 1))
        cases.append(
            random_case(
                network,
                rng,
                observed=observed,
                abnormal=abnormal,
                present_causes=int(rng.integers(1, 4)),
            )
        )
    return cases
