"""Speed and agreement of nervepath's engine against pyAgrum and pgmpy on one network.

    python benchmarks/bench_engine.py [--network realistic|dense|kb] [--cases N]
        [--case-set generated|vignettes] [--json out.json]

Over a fixed, seeded set of cases (5–80 answered findings, 1–25 abnormal), or the 74
clinical vignettes of the test suite, it times:

* nervepath ``infer`` (absorb evidence, build the junction tree, propagate; every hidden
  node's posterior), one case at a time, and a sequential batch (cases/s, one core);
* pyAgrum ``LazyPropagation``: the BN is loaded once (from nervepath's XMLBIF export),
  the inference object is created once with the hidden nodes as targets (with pyAgrum's
  default, every node a target, it is ~500× slower here), then per case: erase
  evidence, set evidence, ``makeInference``, read every hidden posterior;
* pgmpy ``VariableElimination`` on a subset of cases (one query per hidden node, as
  its ``joint=False`` still builds the joint; pgmpy prunes barren nodes per query), in a
  child process killed after ``--pgmpy-case-timeout`` seconds, within
  ``--pgmpy-budget`` seconds in all;
* ``rank_questions`` over every unanswered finding, and ``explain`` for all hidden nodes.

It reports medians, p90, p99, ratios (pyAgrum/nervepath, pgmpy/nervepath per case) and
the largest absolute difference of any posterior. The network source is pluggable:
:func:`run` takes any ``Network`` (``--network kb`` builds the knowledge-base network
when that code exists). BLAS and pyAgrum are limited to one thread.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import multiprocessing as mp  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from nervepath.engine import (  # noqa: E402
    Network,
    compile_network,
    explain,
    infer,
    rank_questions,
    to_xmlbif,
)
from synthetic import realistic_cases, realistic_network  # noqa: E402

Evidence = dict[int, int]


# --- network sources -------------------------------------------------------------------


def realistic_source() -> Network:
    """The seeded synthetic network shaped like nervepath's (50 causes, 45 sites, 550 findings)."""
    return realistic_network(seed=0)


def kb_source() -> Network | None:
    """The knowledge-base network, or ``None`` (with a message) while it cannot be built.

    Tries ``nervepath.knowledge.network.build_network`` (then ``nervepath.engine.build``)
    with ``load_knowledge_base`` from ``nervepath.knowledge.loader`` (then ``.model``).
    """
    import importlib

    def first(candidates: list[tuple[str, str]]) -> Any:
        for module, name in candidates:
            try:
                return getattr(importlib.import_module(module), name)
            except (ImportError, AttributeError):
                continue
        return None

    build = first(
        [
            ("nervepath.knowledge.network", "build_network"),
            ("nervepath.engine.build", "build_network"),
        ]
    )
    load = first(
        [
            ("nervepath.knowledge.loader", "load_knowledge_base"),
            ("nervepath.knowledge.model", "load_knowledge_base"),
        ]
    )
    if build is None or load is None:
        print("--network kb: build_network / load_knowledge_base are not available yet")
        return None
    try:
        network = build(load())
    except Exception as error:  # the knowledge base may be mid-edit
        print(f"--network kb: the knowledge-base network could not be built: {error}")
        return None
    return network if isinstance(network, Network) else None


def vignette_cases(network: Network) -> list[Evidence]:
    """The clinical vignettes' evidence (``tests/vignettes``), as the service derives it.

    They have more abnormal findings than the generated cases (median 14, up to 23),
    and they are what the product is asked: the knowledge-base network only.
    """
    from nervepath.assessment.case import to_evidence
    from nervepath.evaluation.labelled import load_labelled_cases
    from nervepath.knowledge.model import load_knowledge_base

    kb = load_knowledge_base()
    path = Path(__file__).resolve().parent.parent / "tests" / "vignettes" / "vignettes.jsonl"
    return [
        network.evidence_indices(to_evidence(kb, labelled.case))
        for labelled in load_labelled_cases(path, kb=kb)
    ]


def dense_source() -> Network:
    """The synthetic network with findings as dense as the knowledge base's (~6 parents)."""
    return realistic_network(seed=0, extra_parents=5.0)


SOURCES: dict[str, Callable[[], Network | None]] = {
    "realistic": realistic_source,
    "dense": dense_source,
    "kb": kb_source,
}


# --- helpers ---------------------------------------------------------------------------


def _stats(seconds: Sequence[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1e3
    if len(ms) == 0:
        return {}
    return {
        "n": len(ms),
        "median_ms": float(np.median(ms)),
        "p90_ms": float(np.percentile(ms, 90)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "mean_ms": float(ms.mean()),
    }


def _named(network: Network, evidence: Evidence) -> dict[str, str]:
    return {network.findings[f].name: network.findings[f].states[k] for f, k in evidence.items()}


def _import_pyagrum() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pyagrum as gum
    return gum


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


def run(
    network: Network,
    *,
    cases: int = 200,
    seed: int = 1,
    rank_cases: int = 25,
    pgmpy_budget_s: float = 120.0,
    pgmpy_case_timeout_s: float = 30.0,
    evidence_sets: list[Evidence] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Benchmark the engine on ``network``; returns the report as a dict.

    The cases are ``cases`` generated ones (seeded by ``seed``) unless ``evidence_sets``
    is given.
    """
    gum = _import_pyagrum()
    gum.setNumberOfThreads(1)
    report: dict[str, Any] = {
        "network": {
            "hidden": len(network.hidden),
            "roots": sum(1 for n in network.hidden if n.is_root),
            "findings": len(network.findings),
            "graded_findings": sum(1 for f in network.findings if len(f.states) > 2),
        },
        "machine": {"python": sys.version.split()[0], "platform": platform.platform()},
    }
    if evidence_sets is None:
        evidence_sets = realistic_cases(network, cases, seed=seed)
    sizes = [(len(e), sum(1 for k in e.values() if k)) for e in evidence_sets]
    report["cases"] = {
        "count": len(evidence_sets),
        "observed_median": float(np.median([s[0] for s in sizes])),
        "abnormal_median": float(np.median([s[1] for s in sizes])),
        "observed_range": [min(s[0] for s in sizes), max(s[0] for s in sizes)],
        "abnormal_range": [min(s[1] for s in sizes), max(s[1] for s in sizes)],
    }
    # 1. nervepath: compile once, warm up, then one case at a time and as a batch.
    start = time.perf_counter()
    compiled = compile_network(network)
    report["compile_ms"] = (time.perf_counter() - start) * 1e3
    for evidence in evidence_sets[:20]:
        infer(compiled, evidence)
    ours: list[float] = []
    marginals: list[np.ndarray] = []
    for evidence in evidence_sets:
        start = time.perf_counter()
        posterior = infer(compiled, evidence)
        ours.append(time.perf_counter() - start)
        marginals.append(posterior.marginals)
    start = time.perf_counter()
    for evidence in evidence_sets:
        infer(compiled, evidence)
    batch = time.perf_counter() - start
    report["nervepath"] = _stats(ours) | {"batch_cases_per_s": len(evidence_sets) / batch}
    log(f"nervepath: {report['nervepath']}")
    # 2. pyAgrum LazyPropagation, BN built once.
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "network.bifxml")
        Path(path).write_text(to_xmlbif(network))
        bn = gum.loadBN(path)
        lazy = gum.LazyPropagation(bn)
        lazy.setTargets({node.name for node in network.hidden})
        theirs: list[float] = []
        worst = 0.0
        for evidence, mine in zip(evidence_sets, marginals, strict=True):
            start = time.perf_counter()
            lazy.eraseAllEvidence()
            lazy.setEvidence(_named(network, evidence))
            lazy.makeInference()
            values = np.array([lazy.posterior(node.name)[1] for node in network.hidden])
            theirs.append(time.perf_counter() - start)
            worst = max(worst, float(np.abs(values - mine).max()))
        ratio = np.asarray(theirs) / np.asarray(ours)
        report["pyagrum_lazy_propagation"] = _stats(theirs) | {
            "batch_cases_per_s": len(theirs) / sum(theirs),
            "max_abs_difference": worst,
            "ratio_median_per_case": float(np.median(ratio)),
            "ratio_of_medians": float(np.median(theirs) / np.median(ours)),
            "ratio_batch": float(sum(theirs) / batch),
        }
        log(f"pyAgrum: {report['pyagrum_lazy_propagation']}")
        # 3. pgmpy VariableElimination on the cases that fit the budget.
        times, values_by_case, timeouts = _run_pgmpy(
            path,
            network,
            evidence_sets,
            budget_s=pgmpy_budget_s,
            case_timeout_s=pgmpy_case_timeout_s,
        )
    if times:
        chosen = sorted(times)
        pg = [times[i] for i in chosen]
        ratio = np.asarray(pg) / np.asarray([ours[i] for i in chosen])
        worst = max(float(np.abs(np.array(values_by_case[i]) - marginals[i]).max()) for i in chosen)
        report["pgmpy_variable_elimination"] = _stats(pg) | {
            "cases_done": len(chosen),
            "cases_timed_out": timeouts,
            "observed_of_cases_done": [len(evidence_sets[i]) for i in chosen],
            "ratio_median_per_case": float(np.median(ratio)),
            "ratio_of_medians": float(np.median(pg) / np.median([ours[i] for i in chosen])),
            "max_abs_difference": worst,
        }
    else:
        report["pgmpy_variable_elimination"] = {"cases_done": 0, "cases_timed_out": timeouts}
    log(f"pgmpy: {report['pgmpy_variable_elimination']}")
    # 4. Next question over every unanswered finding; explanations of every hidden node.
    ranking: list[float] = []
    explaining: list[float] = []
    candidates: list[int] = []
    everything = list(range(len(network.hidden)))
    for evidence in evidence_sets[:rank_cases]:
        start = time.perf_counter()
        scores = rank_questions(compiled, evidence)
        ranking.append(time.perf_counter() - start)
        candidates.append(len(scores))
        start = time.perf_counter()
        explain(compiled, evidence, everything)
        explaining.append(time.perf_counter() - start)
    report["rank_questions"] = _stats(ranking) | {"candidates_median": float(np.median(candidates))}
    report["explain_all_hidden"] = _stats(explaining)
    log(f"rank_questions: {report['rank_questions']}")
    log(f"explain: {report['explain_all_hidden']}")
    return report


def _summary(report: dict[str, Any]) -> str:
    ours = report["nervepath"]
    agrum = report["pyagrum_lazy_propagation"]
    pg = report["pgmpy_variable_elimination"]
    lines = [
        "",
        f"network: {report['network']}",
        f"cases: {report['cases']}",
        f"compile: {report['compile_ms']:.0f} ms",
        "",
        f"{'':34}{'median':>10}{'p90':>10}{'p99':>10}{'max':>10}  (ms)",
    ]
    for label, stats in (
        ("nervepath infer", ours),
        ("pyAgrum LazyPropagation", agrum),
        ("pgmpy VariableElimination", pg),
        ("nervepath rank_questions", report["rank_questions"]),
        ("nervepath explain (all hidden)", report["explain_all_hidden"]),
    ):
        if "median_ms" in stats:
            lines.append(
                f"{label:34}{stats['median_ms']:10.2f}{stats['p90_ms']:10.2f}"
                f"{stats['p99_ms']:10.2f}{stats['max_ms']:10.2f}"
            )
    lines += [
        "",
        f"batch throughput, one core: nervepath {ours['batch_cases_per_s']:.0f} cases/s, "
        f"pyAgrum {agrum['batch_cases_per_s']:.0f} cases/s",
        f"pyAgrum / nervepath: {agrum['ratio_median_per_case']:.1f}x (median per case), "
        f"{agrum['ratio_batch']:.1f}x (batch); max |diff| {agrum['max_abs_difference']:.1e}",
    ]
    if pg.get("cases_done"):
        lines.append(
            f"pgmpy / nervepath: {pg['ratio_median_per_case']:.0f}x (median per case over "
            f"{pg['cases_done']} cases done, {pg['cases_timed_out']} timed out); "
            f"max |diff| {pg['max_abs_difference']:.1e}"
        )
    else:
        lines.append(f"pgmpy: no case finished ({pg['cases_timed_out']} timed out)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--network", choices=sorted(SOURCES), default="realistic")
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument(
        "--case-set",
        choices=("generated", "vignettes"),
        default="generated",
        help="generated cases (--cases, --seed) or the clinical vignettes (--network kb)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rank-cases", type=int, default=25)
    parser.add_argument("--pgmpy-budget", type=float, default=120.0)
    parser.add_argument("--pgmpy-case-timeout", type=float, default=30.0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    network = SOURCES[args.network]()
    if network is None:
        print("falling back to the realistic synthetic network")
        network = realistic_source()
    evidence_sets = None
    if args.case_set == "vignettes":
        if args.network != "kb":
            parser.error("--case-set vignettes needs --network kb")
        evidence_sets = vignette_cases(network)
    report = run(
        network,
        evidence_sets=evidence_sets,
        cases=args.cases,
        seed=args.seed,
        rank_cases=args.rank_cases,
        pgmpy_budget_s=args.pgmpy_budget,
        pgmpy_case_timeout_s=args.pgmpy_case_timeout,
    )
    report["source"] = args.network
    report["case_set"] = args.case_set
    print(_summary(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
