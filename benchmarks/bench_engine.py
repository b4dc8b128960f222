"""Speed and agreement of nervepath's engine against pyAgrum and pgmpy on one network.

    python benchmarks/bench_engine.py [--network realistic|dense|kb]
        [--case-set kb|generated|vignettes|published|stress|all] [--cases N] [--json out.json]

With ``--network kb`` the cases are, by default, the published cases in both settings
(``tests/published/cases``) and the clinical vignettes (``tests/vignettes``); ``generated``
is ``--cases`` seeded cases drawn from the network (5–80 answered findings, 1–25 abnormal;
with ``--network kb`` as clinician cases, assessed in full too), ``stress`` the dense
clinician cases of :func:`assessment_timing.stress_case_set` (60 answers up to the whole
catalogue), ``all`` every set. Per case set and
over all of them it times:

* nervepath ``infer`` (absorb evidence, build the junction tree, propagate; every hidden
  node's posterior), one case at a time, and a sequential batch (cases/s, one core);
* pyAgrum ``LazyPropagation`` on the *divorced* network (no finding with more than eight
  parents; the same distribution) exported as XMLBIF and loaded once, with the hidden
  nodes as targets (with pyAgrum's default, every node a target, it is ~500× slower),
  then per case: erase evidence, set evidence, ``makeInference``, read every hidden
  posterior. pyAgrum keeps every clique's table in full, so a case is given to it only
  where a min-fill junction tree has no clique over ``--max-clique`` variables (22; past
  that it can need gigabytes) and pyAgrum's own junction tree for the evidence (built
  first, as ``makeInference`` would) none over ``--pyagrum-max-clique`` (20; its time
  doubles with each variable). The report says how many were compared and skipped, and
  why, the ratios pyAgrum/nervepath at the median and at p99 over the compared cases, and
  the largest absolute difference of any posterior;
* pgmpy ``VariableElimination`` (``--pgmpy-budget`` seconds, 120 by default, none for the
  knowledge base) on the compared cases, smallest first, one query per hidden node, in a
  child process killed after ``--pgmpy-case-timeout`` seconds;
* with ``--network kb``, the full assessment as every door runs it (``Assessor.assess``:
  posterior, explanations of the top sites, ranked next questions, triage, advice), with
  where its time goes (posterior, origin groups, explanations, ranking, the rest);
* on the first ``--rank-cases`` cases (25; 50 with ``--network kb``), the next questions as
  the service asks for them (``Assessor.best_questions``: the best five and as many warning
  signs, the rest ruled out by a bound on their gain; on another network, the best five of
  every unanswered finding) and ``rank_questions`` scoring every candidate in full, the two
  alternating case by case, and ``explain`` for all hidden nodes.

It prints one table (p50, p90, p99, max, total and share of the time) and, with
``--json``, the whole report. BLAS and pyAgrum are limited to one thread.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from assessment_timing import (  # noqa: E402
    PARTS,
    CaseSet,
    generated_case_set,
    kb_case_sets,
    stress_case_set,
    time_assessments,
)
from nervepath.assessment.case import to_evidence  # noqa: E402
from nervepath.assessment.service import NEXT_QUESTIONS, TOP_SITES_EXPLAINED, Assessor  # noqa: E402
from nervepath.engine import (  # noqa: E402
    CompiledNetwork,
    Network,
    compile_network,
    explain,
    infer,
    rank_questions,
    to_xmlbif,
)
from nervepath.engine.build import build_network  # noqa: E402
from nervepath.engine.divorce import (  # noqa: E402
    FULL_TABLE_MAX_CLIQUE,
    divorce_parents,
    largest_clique,
)
from nervepath.engine.questions import QuestionScore  # noqa: E402
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base  # noqa: E402
from synthetic import realistic_cases, realistic_network  # noqa: E402

Evidence = dict[int, int]

SLOWEST = 5
"""The slowest full assessments, listed with their parts."""

PYAGRUM_MAX_CLIQUE = 20
"""The largest clique of pyAgrum's own junction tree for a case that it is given. Its
triangulation gives cliques a median 2 (up to 10) variables larger than min-fill on the
knowledge base's cases, and its time doubles with each: about 1.5 s a case at 20, 4 s at 21,
10–70 s at 23–25 on one core. Past 20 the comparison would take the benchmark past minutes."""


# --- network sources -------------------------------------------------------------------


def realistic_source() -> Network:
    """The seeded synthetic network shaped like nervepath's (50 causes, 45 sites, 550 findings)."""
    return realistic_network(seed=0)


def dense_source() -> Network:
    """The synthetic network with findings as dense as the knowledge base's (~6 parents)."""
    return realistic_network(seed=0, extra_parents=5.0)


def kb_source() -> Network:
    """The shipped knowledge base's network."""
    return build_network(load_knowledge_base())


SOURCES: dict[str, Callable[[], Network]] = {
    "realistic": realistic_source,
    "dense": dense_source,
    "kb": kb_source,
}


# --- helpers ---------------------------------------------------------------------------


def _stats(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1e3
    if len(ms) == 0:
        return {"n": 0}
    return {
        "n": len(ms),
        "median_ms": float(np.median(ms)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "mean_ms": float(ms.mean()),
        "total_s": float(ms.sum() / 1e3),
    }


def _named(network: Network, evidence: Evidence) -> dict[str, str]:
    return {network.findings[f].name: network.findings[f].states[k] for f, k in evidence.items()}


def _import_pyagrum() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyagrum as gum
    return gum


def _peak_memory_mb() -> float:
    """Peak resident memory of this process (pgmpy's child not included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- pgmpy in a child process ------------------------------------------------------------


def _pgmpy_worker(path: str, hidden: list[str], jobs: Any, results: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pgmpy.inference import VariableElimination
        from pgmpy.readwrite import XMLBIFReader

        model = XMLBIFReader(path).get_model()
        engine = VariableElimination(model)
        while True:
            job = jobs.get()
            if job is None:
                return
            index, evidence = job
            start = time.perf_counter()
            values = [
                float(
                    engine.query([h], evidence=evidence, show_progress=False).get_value(
                        **{h: "present"}
                    )
                )
                for h in hidden
            ]
            results.put((index, time.perf_counter() - start, values))


def _run_pgmpy(
    path: str,
    network: Network,
    cases: list[Evidence],
    *,
    budget_s: float,
    case_timeout_s: float,
) -> tuple[dict[int, float], dict[int, list[float]], int]:
    """Times and posteriors for as many cases (smallest first) as fit the budget."""
    context = mp.get_context("spawn")
    hidden = [node.name for node in network.hidden]
    order = sorted(range(len(cases)), key=lambda i: (len(cases[i]), i))
    times: dict[int, float] = {}
    values: dict[int, list[float]] = {}
    timeouts = 0
    started = time.perf_counter()
    worker = None
    jobs: Any = None
    results: Any = None
    for index in order:
        if time.perf_counter() - started > budget_s:
            break
        if worker is None:
            jobs, results = context.Queue(), context.Queue()
            worker = context.Process(target=_pgmpy_worker, args=(path, hidden, jobs, results))
            worker.start()
        jobs.put((index, _named(network, cases[index])))
        try:
            got, seconds, posterior = results.get(timeout=case_timeout_s + 30.0)
        except Exception:
            got = -1
        if got != index or seconds > case_timeout_s:
            timeouts += 1
            worker.terminate()
            worker.join()
            worker = None
            continue
        times[index] = seconds
        values[index] = posterior
    if worker is not None:
        jobs.put(None)
        worker.join(timeout=10)
        if worker.is_alive():
            worker.terminate()
    return times, values, timeouts


# --- the benchmark -----------------------------------------------------------------------


def _ratios(theirs: Sequence[float], ours: Sequence[float]) -> dict[str, float]:
    """pyAgrum (or pgmpy) time over nervepath's, on the same cases."""
    if not theirs:
        return {}
    a, b = np.asarray(theirs), np.asarray(ours)
    per_case = a / b
    return {
        "ratio_of_medians": float(np.median(a) / np.median(b)),
        "ratio_of_p99s": float(np.percentile(a, 99) / np.percentile(b, 99)),
        "ratio_median_per_case": float(np.median(per_case)),
        "ratio_p1_per_case": float(np.percentile(per_case, 1)),  # where nervepath leads least
    }


def _posteriors(
    compiled: Any, sets: list[CaseSet], log: Callable[[str], None]
) -> tuple[list[float], list[np.ndarray], float]:
    """nervepath ``infer``: seconds and marginals per case (all sets in order), batch seconds."""
    everything = [e for s in sets for e in s.evidence]
    for evidence in everything[:20]:
        infer(compiled, evidence)
    ours: list[float] = []
    marginals: list[np.ndarray] = []
    for evidence in everything:
        start = time.perf_counter()
        posterior = infer(compiled, evidence)
        ours.append(time.perf_counter() - start)
        marginals.append(posterior.marginals)
    start = time.perf_counter()
    for evidence in everything:
        infer(compiled, evidence)
    batch = time.perf_counter() - start
    log(f"nervepath: {len(everything)} posteriors, median {np.median(ours) * 1e3:.2f} ms")
    return ours, marginals, batch


@dataclass
class _Agrum:
    """pyAgrum's side of the comparison, per case (index into all the cases in order)."""

    min_fill: list[int]  # largest clique of a min-fill junction tree (every case)
    own: dict[int, int] = field(default_factory=dict)  # of pyAgrum's own junction tree
    seconds: dict[int, float] = field(default_factory=dict)  # the compared cases
    differences: dict[int, float] = field(default_factory=dict)  # largest |difference|


def _pyagrum(
    path: str,
    network: Network,
    everything: list[Evidence],
    marginals: list[np.ndarray],
    agrum: _Agrum,
    *,
    max_clique: int,
    own_max_clique: int,
) -> None:
    """Time pyAgrum on every case within both bounds; fill ``agrum``.

    Its junction tree for the evidence is built first (what ``makeInference`` would do
    first, so timed), then inspected (not timed): a case whose tree has a clique over
    ``own_max_clique`` variables is left out before its tables are built.
    """
    gum = _import_pyagrum()
    gum.setNumberOfThreads(1)
    bn = gum.loadBN(path)
    lazy = gum.LazyPropagation(bn)
    lazy.setTargets({node.name for node in network.hidden})
    for i, evidence in enumerate(everything):
        if agrum.min_fill[i] > max_clique:
            continue
        start = time.perf_counter()
        lazy.eraseAllEvidence()
        lazy.setEvidence(_named(network, evidence))
        tree = lazy.junctionTree()
        seconds = time.perf_counter() - start
        agrum.own[i] = max(len(tree.clique(c)) for c in tree.nodes())
        if agrum.own[i] > own_max_clique:
            continue
        start = time.perf_counter()
        lazy.makeInference()
        values = np.array([lazy.posterior(node.name)[1] for node in network.hidden])
        agrum.seconds[i] = seconds + time.perf_counter() - start
        agrum.differences[i] = float(np.abs(values - marginals[i]).max())


def _posterior_report(
    indices: list[int], ours: list[float], agrum: _Agrum, max_clique: int, own_max_clique: int
) -> dict[str, Any]:
    compared = [i for i in indices if i in agrum.seconds]
    by_min_fill = [i for i in indices if agrum.min_fill[i] > max_clique]
    by_own = [i for i in indices if agrum.own.get(i, 0) > own_max_clique]
    theirs = [agrum.seconds[i] for i in compared]
    mine = [ours[i] for i in compared]
    return {
        "nervepath": _stats([ours[i] for i in indices]),
        "pyagrum_lazy_propagation": _stats(theirs)
        | _ratios(theirs, mine)
        | {
            "compared": len(compared),
            "skipped": len(by_min_fill) + len(by_own),
            "skipped_min_fill": len(by_min_fill),
            "skipped_min_fill_why": f"a min-fill junction tree has a clique over {max_clique} "
            "variables: too large for full tables",
            "skipped_own": len(by_own),
            "skipped_own_why": f"pyAgrum's own junction tree has a clique over "
            f"{own_max_clique} variables: seconds to minutes a case",
            "largest_clique_compared": {
                "min_fill": max((agrum.min_fill[i] for i in compared), default=0),
                "pyagrum": max((agrum.own[i] for i in compared), default=0),
            },
            "largest_clique_skipped": {
                "min_fill": max((agrum.min_fill[i] for i in by_min_fill + by_own), default=0),
                "pyagrum": max((agrum.own[i] for i in by_own), default=0),
            },
            "max_abs_difference": max((agrum.differences[i] for i in compared), default=0.0),
            "nervepath_on_compared": _stats(mine),
        },
    }


def _assessment_report(times: dict[str, list[float]], ids: list[str]) -> dict[str, Any]:
    total = sum(times["total"])
    report: dict[str, Any] = {
        part: _stats(seconds) | {"share": sum(seconds) / total if total else 0.0}
        for part, seconds in times.items()
    }
    slowest = sorted(range(len(ids)), key=lambda i: -times["total"][i])[:SLOWEST]
    report["slowest"] = [
        {"id": ids[i]} | {f"{part}_ms": times[part][i] * 1e3 for part in times} for i in slowest
    ]
    return report


def run(
    network: Network,
    *,
    case_sets: list[CaseSet] | None = None,
    assessor: Assessor | None = None,
    cases: int = 200,
    seed: int = 1,
    rank_cases: int = 25,
    max_clique: int = FULL_TABLE_MAX_CLIQUE,
    pyagrum_max_clique: int = PYAGRUM_MAX_CLIQUE,
    pgmpy_budget_s: float = 120.0,
    pgmpy_case_timeout_s: float = 30.0,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Benchmark the engine on ``network``; returns the report as a dict.

    The cases are ``case_sets``, or ``cases`` generated ones (seeded by ``seed``). With an
    ``assessor`` (on the same network), every case set that carries its cases is also
    assessed in full.
    """
    if case_sets is None:
        case_sets = [CaseSet("generated", realistic_cases(network, cases, seed=seed))]
    everything = [e for s in case_sets for e in s.evidence]
    ranges: list[list[int]] = []
    for s in case_sets:
        first = sum(len(r) for r in ranges)
        ranges.append(list(range(first, first + len(s.evidence))))
    sizes = [(len(e), sum(1 for k in e.values() if k)) for e in everything]
    report: dict[str, Any] = {
        "network": {
            "hidden": len(network.hidden),
            "roots": sum(1 for n in network.hidden if n.is_root),
            "findings": len(network.findings),
            "graded_findings": sum(1 for f in network.findings if len(f.states) > 2),
            "most_parents": max((len(f.parents) for f in network.findings), default=0),
        },
        "machine": {
            "python": sys.version.split()[0],
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": {"start": os.getloadavg()[0]},
        },
        "cases": {
            "count": len(everything),
            "sets": {s.name: len(s.evidence) for s in case_sets},
            "observed_median": float(np.median([s[0] for s in sizes])),
            "abnormal_median": float(np.median([s[1] for s in sizes])),
            "observed_range": [min(s[0] for s in sizes), max(s[0] for s in sizes)],
            "abnormal_range": [min(s[1] for s in sizes), max(s[1] for s in sizes)],
        },
    }
    # 1. nervepath: compile once, warm up, then one case at a time and as a batch.
    start = time.perf_counter()
    compiled = compile_network(network)
    report["compile_ms"] = (time.perf_counter() - start) * 1e3
    ours, marginals, batch = _posteriors(compiled, case_sets, log)
    # 2. pyAgrum on the divorced network, where its full tables stay small.
    divorced = divorce_parents(network)
    report["network"]["divorced_hidden"] = len(divorced.hidden)
    agrum = _Agrum([largest_clique(divorced, e) for e in everything])
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "network.bifxml")
        Path(path).write_text(to_xmlbif(divorced), encoding="utf-8")
        _pyagrum(
            path,
            network,
            everything,
            marginals,
            agrum,
            max_clique=max_clique,
            own_max_clique=pyagrum_max_clique,
        )
        compared = sorted(agrum.seconds)
        log(f"pyAgrum: {len(compared)} of {len(everything)} cases compared")
        # 3. pgmpy VariableElimination on the compared cases that fit the budget.
        pg_times, pg_values, timeouts = _run_pgmpy(
            path,
            network,
            [everything[i] for i in compared],
            budget_s=pgmpy_budget_s,
            case_timeout_s=pgmpy_case_timeout_s,
        )
    report["sets"] = {
        s.name: _posterior_report(indices, ours, agrum, max_clique, pyagrum_max_clique)
        for s, indices in zip(case_sets, ranges, strict=True)
    }
    report["all"] = _posterior_report(
        list(range(len(everything))), ours, agrum, max_clique, pyagrum_max_clique
    )
    report["nervepath"] = report["all"]["nervepath"] | {
        "batch_cases_per_s": len(everything) / batch
    }
    theirs = sum(agrum.seconds.values())
    summary = report["all"]["pyagrum_lazy_propagation"]
    summary["batch_cases_per_s"] = len(compared) / theirs if theirs else 0.0
    summary["ratio_batch"] = theirs / sum(ours[i] for i in compared) if theirs else 0.0
    report["pyagrum_lazy_propagation"] = summary
    log(f"pyAgrum: max |diff| {summary['max_abs_difference']:.1e}")
    if pg_times:
        chosen = sorted(pg_times)
        pg = [pg_times[i] for i in chosen]
        mine = [ours[compared[i]] for i in chosen]
        worst = max(
            float(np.abs(np.array(pg_values[i]) - marginals[compared[i]]).max()) for i in chosen
        )
        report["pgmpy_variable_elimination"] = (
            _stats(pg)
            | _ratios(pg, mine)
            | {
                "cases_done": len(chosen),
                "cases_timed_out": timeouts,
                "observed_of_cases_done": [len(everything[compared[i]]) for i in chosen],
                "max_abs_difference": worst,
            }
        )
    else:
        report["pgmpy_variable_elimination"] = {
            "n": 0,
            "cases_done": 0,
            "cases_timed_out": timeouts,
        }
    # 4. The full assessment, as the service does it, on the sets that carry their cases.
    if assessor is not None:
        all_times: dict[str, list[float]] = {}
        all_ids: list[str] = []
        for s in case_sets:
            if not s.cases:
                continue
            log(f"full assessment: {s.name} ({len(s.cases)} cases)")
            times = time_assessments(assessor, s.cases)
            ids = [f"{s.name}: {i}" for i in s.ids]
            report["sets"][s.name]["full_assessment"] = _assessment_report(times, ids)
            all_ids += ids
            for part, seconds in times.items():
                all_times.setdefault(part, []).extend(seconds)
        if all_times:
            report["all"]["full_assessment"] = _assessment_report(all_times, all_ids)
    # 5. The next questions as the service asks for them (the best NEXT_QUESTIONS and as many
    #    warning signs, the rest ruled out by their bounds) and every candidate in full, the
    #    two alternating case by case; explanations of every hidden node.
    if rank_cases:
        report.update(_rankings(compiled, case_sets, assessor, rank_cases))
        explaining: list[float] = []
        hidden = list(range(len(network.hidden)))
        for evidence in everything[:rank_cases]:
            start = time.perf_counter()
            explain(compiled, evidence, hidden)
            explaining.append(time.perf_counter() - start)
        report["explain_all_hidden"] = _stats(explaining)
    report["peak_memory_mb"] = _peak_memory_mb()
    report["machine"]["load_average"]["end"] = os.getloadavg()[0]
    return report


def _rankings(
    compiled: CompiledNetwork,
    case_sets: list[CaseSet],
    assessor: Assessor | None,
    count: int,
) -> dict[str, Any]:
    """Seconds of the first ``count`` cases' ranking: as the service asks for it
    (``rank_questions_service``: with an assessor, ``Assessor.best_questions`` on the case's
    answers; else the best :data:`NEXT_QUESTIONS` of every unanswered finding) and every
    candidate in full (``rank_questions``), alternating which goes first; the service's
    questions must be the whole ranking's first ones."""
    service: list[float] = []
    whole: list[float] = []
    candidates: list[int] = []
    jobs: list[tuple[Callable[[int | None], tuple[QuestionScore, ...]], Evidence]] = []
    for s in case_sets:
        for i, evidence in enumerate(s.evidence):
            case = s.cases[i] if assessor is not None and s.cases else None
            if case is not None and assessor is not None:
                named = to_evidence(assessor.kb, case)
                jobs.append((_service_ranking(assessor, case.setting, named), evidence))
            else:
                jobs.append((_engine_ranking(compiled, evidence), evidence))
    for n, (ranking, _) in enumerate(jobs[:count]):
        order = (NEXT_QUESTIONS, None) if n % 2 == 0 else (None, NEXT_QUESTIONS)
        scored = {}
        for top in order:
            start = time.perf_counter()
            scored[top] = ranking(top)
            (service if top else whole).append(time.perf_counter() - start)
        candidates.append(len(scored[None]))
        gains = {q.finding: q.expected_information_gain for q in scored[None]}
        best = scored[NEXT_QUESTIONS]
        if any(abs(gains[q.finding] - q.expected_information_gain) > 1e-9 for q in best):
            raise AssertionError("the service's questions differ from the whole ranking's")
    return {
        "rank_questions_service": _stats(service),
        "rank_questions": _stats(whole) | {"candidates_median": float(np.median(candidates))},
    }


def _service_ranking(
    assessor: Assessor, setting: str, evidence: dict[str, str]
) -> Callable[[int | None], tuple[QuestionScore, ...]]:
    return lambda top: assessor.best_questions(setting, evidence, top=top)


def _engine_ranking(
    compiled: CompiledNetwork, evidence: Evidence
) -> Callable[[int | None], tuple[QuestionScore, ...]]:
    return lambda top: rank_questions(compiled, evidence, top=top)


# --- the table ---------------------------------------------------------------------------

_ROWS = {
    "total": "full assessment",
    "posterior": "  posterior (infer)",
    "origin_groups": "  origin groups (P(all absent) per group)",
    "explanations": f"  explanations (top {TOP_SITES_EXPLAINED} sites)",
    "ranking": "  ranking (next questions)",
    "other": "  other (evidence, triage, advice)",
    "cpu": "  CPU time of the whole assessment",
}
assert set(_ROWS) == {"total", *PARTS, "other", "cpu"}


def _row(label: str, stats: dict[str, Any], share: float | None = None) -> str:
    if not stats.get("n"):
        return f"{label:44}{0:>5}"
    cells = "".join(f"{stats[k]:9.2f}" for k in ("median_ms", "p90_ms", "p99_ms", "max_ms"))
    tail = f"{stats['total_s']:9.1f}" + (f"{share:8.0%}" if share is not None else "")
    return f"{label:44}{stats['n']:>5}{cells}{tail}"


def _block(title: str, part: dict[str, Any]) -> list[str]:
    agrum = part["pyagrum_lazy_propagation"]
    lines = [
        title,
        _row("posterior: nervepath", part["nervepath"]),
        _row("posterior: nervepath, on the compared cases", agrum["nervepath_on_compared"]),
        _row("posterior: pyAgrum LazyPropagation", agrum),
    ]
    for key, label in _ROWS.items():
        if "full_assessment" in part:
            stats = part["full_assessment"][key]
            lines.append(_row(label, stats, None if key == "cpu" else stats["share"]))
    if agrum.get("n"):
        lines.append(
            f"  pyAgrum ÷ nervepath: {agrum['ratio_of_medians']:.1f}× at the median, "
            f"{agrum['ratio_of_p99s']:.1f}× at p99 (per case: median "
            f"{agrum['ratio_median_per_case']:.1f}×, 1st percentile "
            f"{agrum['ratio_p1_per_case']:.1f}×); max |difference| "
            f"{agrum['max_abs_difference']:.1e}"
        )
    lines.append(
        f"  compared with pyAgrum {agrum['compared']} (cliques up to "
        f"{agrum['largest_clique_compared']['min_fill']} min-fill, "
        f"{agrum['largest_clique_compared']['pyagrum']} in pyAgrum's tree); skipped "
        f"{agrum['skipped_min_fill']} as {agrum['skipped_min_fill_why']}, "
        f"{agrum['skipped_own']} as {agrum['skipped_own_why']}"
    )
    return lines


def _summary(report: dict[str, Any]) -> str:
    net = report["network"]
    lines = [
        "",
        f"network: {net['hidden']} hidden nodes ({net['divorced_hidden']} divorced), "
        f"{net['findings']} findings (up to {net['most_parents']} parents); "
        f"compiled in {report['compile_ms']:.0f} ms",
        f"cases: {report['cases']}",
        "",
        f"{'':44}{'n':>5}{'p50':>9}{'p90':>9}{'p99':>9}{'max':>9}{'total':>9}{'share':>8}",
        f"{'':44}{'':>5}{'ms':>9}{'ms':>9}{'ms':>9}{'ms':>9}{'s':>9}",
    ]
    sets = report["sets"]
    if len(sets) > 1:
        for name, part in sets.items():
            lines += _block(f"{name} ({part['nervepath']['n']} cases)", part)
    lines += _block(f"all cases ({report['cases']['count']})", report["all"])
    pg = report["pgmpy_variable_elimination"]
    lines.append(_row("posterior: pgmpy VariableElimination", pg))
    if "rank_questions" in report:
        service = report["rank_questions_service"]
        lines.append(_row(f"rank_questions, best {NEXT_QUESTIONS} (the service's)", service))
        lines.append(_row("rank_questions, every candidate in full", report["rank_questions"]))
        lines.append(_row("explain (every hidden node)", report["explain_all_hidden"]))
    ours = report["nervepath"]
    agrum = report["pyagrum_lazy_propagation"]
    lines += [
        "",
        f"batch, one core: nervepath {ours['batch_cases_per_s']:.0f} posteriors/s over all "
        f"cases; pyAgrum {agrum['batch_cases_per_s']:.0f}/s over the compared ones "
        f"({agrum.get('ratio_batch', 0.0):.1f}× nervepath's time on them)",
    ]
    if pg.get("cases_done"):
        lines.append(
            f"pgmpy ÷ nervepath: {pg['ratio_median_per_case']:.0f}× (median per case over "
            f"{pg['cases_done']} cases done, {pg['cases_timed_out']} timed out); "
            f"max |difference| {pg['max_abs_difference']:.1e}"
        )
    else:
        lines.append(f"pgmpy: no case run ({pg['cases_timed_out']} timed out)")
    slowest = report["all"].get("full_assessment", {}).get("slowest", [])
    if slowest:
        lines += [
            "",
            "slowest full assessments (ms: total = posterior + origin groups + explanations "
            "+ ranking + other):",
        ]
        lines += [
            f"  {c['total_ms']:8.0f} = {c['posterior_ms']:.0f} + {c['origin_groups_ms']:.0f} + "
            f"{c['explanations_ms']:.0f} + {c['ranking_ms']:.0f} + {c['other_ms']:.0f}  {c['id']}"
            for c in slowest
        ]
    load = report["machine"]["load_average"]
    lines.append(
        f"peak memory: {report['peak_memory_mb']:.0f} MB (this process); load average "
        f"{load['start']:.1f} at the start, {load['end']:.1f} at the end on "
        f"{report['machine']['cpus']} CPUs"
    )
    return "\n".join(lines)


def _case_sets(
    choice: str, kb: KnowledgeBase | None, network: Network, args: argparse.Namespace
) -> list[CaseSet]:
    if choice == "generated" and kb is None:
        return [CaseSet("generated", realistic_cases(network, args.cases, seed=args.seed))]
    assert kb is not None
    generated = generated_case_set(kb, network, args.cases, seed=args.seed)
    if choice == "generated":
        return [generated]  # as clinician cases, so that they are assessed in full too
    if choice == "stress":
        return [stress_case_set(kb, network, args.stress)]
    sets = kb_case_sets(kb, network)
    if choice == "published":
        return [s for s in sets if s.name.startswith("published")]
    if choice == "vignettes":
        return [s for s in sets if s.name == "vignettes"]
    if choice == "all":
        return [*sets, generated, stress_case_set(kb, network, args.stress)]
    return sets


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=sorted(SOURCES), default="realistic")
    parser.add_argument(
        "--case-set",
        choices=("kb", "published", "vignettes", "generated", "stress", "all"),
        default=None,
        help="kb (the default with --network kb): the published cases in both settings and "
        "the vignettes; or one of them; or generated cases (--cases, --seed); or the stress "
        "set of dense clinician cases (--stress); all: every one of them",
    )
    parser.add_argument("--stress", type=int, default=20, help="cases in the stress set")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--rank-cases",
        type=int,
        default=None,
        help="cases ranked (as the service does, and in full) and explained alone "
        "(default 25; 50 with --network kb)",
    )
    parser.add_argument(
        "--max-clique",
        type=int,
        default=FULL_TABLE_MAX_CLIQUE,
        help="cases whose min-fill junction tree has a larger clique are not given to pyAgrum",
    )
    parser.add_argument(
        "--pyagrum-max-clique",
        type=int,
        default=PYAGRUM_MAX_CLIQUE,
        help="nor those whose junction tree in pyAgrum has one (its time doubles a variable)",
    )
    parser.add_argument(
        "--pgmpy-budget", type=float, default=None, help="seconds (default 120; 0 for kb)"
    )
    parser.add_argument("--pgmpy-case-timeout", type=float, default=30.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    is_kb = args.network == "kb"
    choice = args.case_set or ("kb" if is_kb else "generated")
    if choice != "generated" and not is_kb:
        parser.error(f"--case-set {choice} needs --network kb")
    kb = load_knowledge_base() if is_kb else None
    network = build_network(kb) if kb is not None else SOURCES[args.network]()
    report = run(
        network,
        case_sets=_case_sets(choice, kb, network, args),
        assessor=Assessor(kb) if kb is not None else None,
        rank_cases=args.rank_cases if args.rank_cases is not None else (50 if is_kb else 25),
        max_clique=args.max_clique,
        pyagrum_max_clique=args.pyagrum_max_clique,
        pgmpy_budget_s=args.pgmpy_budget
        if args.pgmpy_budget is not None
        else (0.0 if is_kb else 120.0),
        pgmpy_case_timeout_s=args.pgmpy_case_timeout,
    )
    report["source"] = args.network
    report["case_set"] = choice
    if kb is not None:
        report["kb_version"] = kb.version
    print(_summary(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
