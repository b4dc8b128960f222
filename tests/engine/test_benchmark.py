"""The README's benchmark runs end to end and its two oracles agree with nervepath.

Speed is not asserted here (it lives in the benchmark's report); what is checked is that
the command the README gives still works and compares like with like.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from nervepath.engine.build import build_network
from nervepath.knowledge.model import KnowledgeBase
from synthetic import realistic_network

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    # pgmpy runs in a spawned child, which imports this module by name.
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("bench_engine", BENCHMARKS / "bench_engine.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_engine"] = module
    spec.loader.exec_module(module)
    return module


def test_small_run_reports_every_measure_and_agreement(bench: ModuleType) -> None:
    network = realistic_network(seed=3, causes=10, sites=8, findings=60, graded=5)
    report = bench.run(
        network,
        cases=6,
        seed=2,
        rank_cases=2,
        pgmpy_budget_s=120.0,
        pgmpy_case_timeout_s=60.0,
        log=lambda _: None,
    )
    assert report["cases"]["count"] == 6
    assert report["nervepath"]["n"] == 6
    assert report["nervepath"]["batch_cases_per_s"] > 0
    agrum = report["pyagrum_lazy_propagation"]
    assert agrum["n"] == 6
    assert agrum["max_abs_difference"] <= 1e-9
    assert agrum["ratio_median_per_case"] > 0
    pgmpy = report["pgmpy_variable_elimination"]
    assert pgmpy["cases_done"] == 6
    assert pgmpy["max_abs_difference"] <= 1e-9
    assert report["rank_questions"]["n"] == 2
    assert report["rank_questions_service"]["n"] == 2
    assert report["explain_all_hidden"]["n"] == 2
    assert "pyAgrum" in bench._summary(report)


def test_generated_and_stress_sets_are_valid_clinician_cases(shipped_kb: KnowledgeBase) -> None:
    """Drawn from the shipped network, read back through the service's own checks
    (``to_evidence``), the stress set up to the whole catalogue with few abnormal answers."""
    sys.path.insert(0, str(BENCHMARKS))
    from assessment_timing import STRESS_ABNORMAL, generated_case_set, stress_case_set

    network = build_network(shipped_kb)
    generated = generated_case_set(shipped_kb, network, 5, seed=3)
    stress = stress_case_set(shipped_kb, network, 3)
    for case_set in (generated, stress):
        assert len(case_set.cases) == len(case_set.evidence) == len(case_set.ids)
        assert all(case.setting == "clinician" for case in case_set.cases)
    sizes = [len(case.answers) for case in stress.cases]
    assert sizes == sorted(sizes) and sizes[0] >= 50
    # Abnormal answers, a risk factor's copies counted once (engine.network).
    abnormal = [
        {network.findings[f].answered_as for f, k in e.items() if k} for e in stress.evidence
    ]
    assert all(len(answers) <= STRESS_ABNORMAL for answers in abnormal)
