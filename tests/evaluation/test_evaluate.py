"""Evaluation metrics on a hand-made set with known answers, the loader, and the CLI door."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nervepath.assessment.case import Case
from nervepath.assessment.service import Differential
from nervepath.assessment.triage import Triage
from nervepath.errors import CaseError
from nervepath.evaluation.evaluate import (
    EvaluationReport,
    Expected,
    LabelledCase,
    evaluate,
    split_instance,
)
from nervepath.evaluation.labelled import load_labelled_cases
from nervepath.knowledge.model import KnowledgeBase

ROOT = Path(__file__).parents[2]


class Canned:
    """A stand-in assessor that returns prepared differentials in order."""

    def __init__(self, differentials: list[Differential]) -> None:
        self._next: Iterator[Differential] = iter(differentials)

    def differential(self, case: Case) -> Differential:
        return next(self._next)


def _diff(sites: list[tuple[str, float]], origin: dict[str, float], urgency: str) -> Differential:
    return Differential({}, origin, {}, tuple(sites), {}, (), Triage(urgency, ()))


def _case(cid: str, site: str, side: str | None, origin: str, urgency: str) -> LabelledCase:
    return LabelledCase(cid, Case(), Expected(site, side, origin, urgency))


# Four cases: A top-1 hit; B hit at rank 3 (the wrong side at rank 2 is not a hit), origin wrong,
# under-triaged; C missed (rank 4), an under-triaged emergency; D top-1 hit, over-triaged.
CASES = [
    _case("A", "l5_root", "left", "lumbar_spine", "routine"),
    _case("B", "common_peroneal_nerve", "right", "peripheral_nerve", "urgent"),
    _case("C", "cauda_equina", None, "lumbar_spine", "emergency"),
    _case("D", "plantar_fascia", "left", "foot_local", "self_care"),
]
DIFFERENTIALS = [
    _diff(
        [("l5_root_left", 0.85), ("s1_root_left", 0.35), ("common_peroneal_nerve_left", 0.05)],
        {"lumbar_spine": 0.9, "peripheral_nerve": 0.05},
        "routine",
    ),
    _diff(
        [
            ("l5_root_right", 0.65),
            ("common_peroneal_nerve_left", 0.55),
            ("common_peroneal_nerve_right", 0.45),
        ],
        {"lumbar_spine": 0.7, "peripheral_nerve": 0.65},
        "routine",
    ),
    _diff(
        [
            ("multilevel_stenosis", 0.75),
            ("l5_root_left", 0.62),
            ("l5_root_right", 0.25),
            ("cauda_equina", 0.15),
        ],
        {"lumbar_spine": 0.99},
        "urgent",
    ),
    _diff(
        [
            ("plantar_fascia_left", 0.95),
            ("plantar_fascia_right", 0.12),
            ("achilles_tendon_left", 0.04),
        ],
        {"foot_local": 0.96, "lumbar_spine": 0.1},
        "routine",
    ),
]
# (posterior, outcome) of every case × site instance above.
PAIRS = [
    (0.85, 1), (0.35, 0), (0.05, 0),
    (0.65, 0), (0.55, 0), (0.45, 1),
    (0.75, 0), (0.62, 0), (0.25, 0), (0.15, 1),
    (0.95, 1), (0.12, 0), (0.04, 0),
]  # fmt: skip


@pytest.fixture
def report() -> EvaluationReport:
    return evaluate(Canned(DIFFERENTIALS), CASES)


def test_accuracy(report: EvaluationReport) -> None:
    assert report.cases == 4
    assert [r.rank for r in report.results] == [1, 3, 4, 1]
    assert report.top1_accuracy == 0.5
    assert report.top3_accuracy == 0.75
    assert report.origin_accuracy == 0.75
    assert [(s.site, s.cases, s.top1, s.top3) for s in report.per_site] == [
        ("cauda_equina", 1, 0, 0),
        ("common_peroneal_nerve", 1, 0, 1),
        ("l5_root", 1, 1, 1),
        ("plantar_fascia", 1, 1, 1),
    ]
    assert [(o.origin, o.cases, o.correct) for o in report.per_origin] == [
        ("lumbar_spine", 2, 2),
        ("peripheral_nerve", 1, 0),
        ("foot_local", 1, 1),
    ]


def test_triage_confusion(report: EvaluationReport) -> None:
    t = report.triage
    assert t.levels == ("self_care", "routine", "urgent", "emergency")
    assert t.confusion == (
        (0, 1, 0, 0),  # self_care expected, routine assessed (D)
        (0, 1, 0, 0),  # routine, routine (A)
        (0, 1, 0, 0),  # urgent expected, routine assessed (B)
        (0, 0, 1, 0),  # emergency expected, urgent assessed (C)
    )
    assert t.agreement == 0.25
    assert t.over_triage_rate == 0.25
    assert t.under_triage_rate == 0.5
    assert t.under_triaged == ("B", "C")
    assert t.under_triaged_emergencies == ("C",)


def test_brier_score(report: EvaluationReport) -> None:
    c = report.calibration
    assert c.predictions == 13
    assert c.brier == pytest.approx(sum((p - y) ** 2 for p, y in PAIRS) / 13)
    assert c.brier == pytest.approx(2.9254 / 13)


def test_reliability_bins(report: EvaluationReport) -> None:
    bins = report.calibration.bins
    assert [(b.lower, b.upper) for b in bins][:2] == [(0.0, 0.1), (0.1, 0.2)]
    assert [b.count for b in bins] == [2, 2, 1, 1, 1, 1, 2, 1, 1, 1]
    assert [b.mean_predicted for b in bins] == pytest.approx(
        [0.045, 0.135, 0.25, 0.35, 0.45, 0.55, 0.635, 0.75, 0.85, 0.95]
    )
    assert [b.observed_frequency for b in bins] == [0, 0.5, 0, 0, 1, 0, 0, 0, 1, 1]
    assert sum(b.count for b in bins) == report.calibration.predictions


def test_empty_bin_and_certain_prediction() -> None:
    report = evaluate(
        Canned([_diff([("l5_root_left", 1.0)], {"lumbar_spine": 1.0}, "routine")]),
        [_case("x", "l5_root", "left", "lumbar_spine", "routine")],
    )
    bins = report.calibration.bins
    assert bins[-1].count == 1  # p = 1.0 falls in the last bin
    assert bins[0].count == 0 and bins[0].mean_predicted is None
    assert report.calibration.brier == 0.0


def test_side_rules() -> None:
    """Null side accepts either leg; a midline site is a hit whatever side was expected."""
    sites = [("s1_root_right", 0.9), ("multilevel_stenosis", 0.5)]
    report = evaluate(
        Canned([_diff(sites, {"lumbar_spine": 1.0}, "routine")] * 2),
        [
            _case("either", "s1_root", None, "lumbar_spine", "routine"),
            _case("midline", "multilevel_stenosis", "left", "lumbar_spine", "routine"),
        ],
    )
    assert [r.rank for r in report.results] == [1, 2]
    assert split_instance("l5_root_left") == ("l5_root", "left")
    assert split_instance("cauda_equina") == ("cauda_equina", None)


def test_progress_and_json(report: EvaluationReport) -> None:
    calls: list[tuple[int, int]] = []
    evaluate(Canned(DIFFERENTIALS), CASES, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]
    doc = json.loads(json.dumps(report.to_dict()))
    assert doc["triage"]["under_triaged_emergencies"] == ["C"]
    assert doc["results"][1]["top3"] is True and doc["results"][1]["origin_correct"] is False


def test_no_cases_is_an_error() -> None:
    with pytest.raises(CaseError, match="no labelled cases"):
        evaluate(Canned([]), [])


# ── load_labelled_cases ────────────────────────────────────────────────────────────────────

EXPECTED = {"site": "l5_root", "side": "left", "origin": "lumbar_spine", "urgency": "routine"}
GOOD = {
    "id": "ok",
    "source": {"ref": "foot_drop_localisation", "locator": "evidence §1.6"},
    "description": "A test case.",
    "case": {"setting": "clinician", "answers": {"back_pain": "present"}},
    "expected": EXPECTED,
}


def _with(**changes: object) -> str:
    return json.dumps({**GOOD, **changes})


def test_load_reads_good_lines(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    path = tmp_path / "cases.jsonl"
    path.write_text(_with() + "\n\n" + _with(id="two") + "\n", encoding="utf-8")
    cases = load_labelled_cases(path, kb=shipped_kb)
    assert [c.id for c in cases] == ["ok", "two"]
    assert cases[0].expected == Expected("l5_root", "left", "lumbar_spine", "routine")
    assert cases[0].source_ref == "foot_drop_localisation"


def test_load_reports_every_bad_line(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    expected = EXPECTED
    lines = [
        _with(),  # 1: fine
        '{"id": "broken",',  # 2: malformed JSON
        json.dumps({k: v for k, v in GOOD.items() if k != "expected"}),  # 3: missing key
        _with(id="x4", extra=1),  # 4: unknown key
        _with(id="x5", expected={**expected, "urgency": "soon"}),  # 5: not a level
        _with(id="x6", expected={**expected, "site": "l6_root"}),  # 6: not a site
        _with(id="x7", case={"answers": {"bak_pain": "present"}}),  # 7: unknown finding
        _with(),  # 8: duplicate id
        _with(id="x9", expected={**expected, "site": "cauda_equina"}),  # 9: midline with side
    ]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(CaseError) as caught:
        load_labelled_cases(path, kb=shipped_kb)
    problems = str(caught.value).splitlines()
    assert [p.split(": ", 1)[0] for p in problems] == [f"{path}:{n}" for n in range(2, 10)]
    text = str(caught.value)
    for needle in ("not valid JSON", "'expected'", "'extra'", "'soon'", "l6_root", "back_pain"):
        assert needle in text
    assert "earlier line" in problems[6] and "midline" in problems[7]


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CaseError, match="cannot read"):
        load_labelled_cases(tmp_path / "nope.jsonl")


# ── nervepath evaluate ─────────────────────────────────────────────────────────────────────


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nervepath", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_cli_evaluate_json_and_table(tmp_path: Path) -> None:
    vignettes = (ROOT / "tests" / "vignettes" / "vignettes.jsonl").read_text(encoding="utf-8")
    path = tmp_path / "few.jsonl"
    path.write_text("\n".join(vignettes.splitlines()[:3]) + "\n", encoding="utf-8")
    done = _run("evaluate", str(path), "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["cases"] == 3
    for key in ("top1_accuracy", "top3_accuracy", "origin_accuracy", "triage", "calibration"):
        assert key in doc
    table = _run("evaluate", str(path))
    assert table.returncode == 0 and "top-3 site accuracy" in table.stdout


def test_cli_evaluate_bad_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(_with() + "\nnot json\n", encoding="utf-8")
    done = _run("evaluate", str(path))
    assert done.returncode != 0
    assert f"{path}:2: not valid JSON" in done.stderr
    assert "Traceback" not in done.stderr
