"""The guideline scenario suite: each quotes the statement it tests and the urgency that
statement asks for; every scenario passes and every triage rule is tested by one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError
from nervepath.evaluation.scenarios import ScenarioRun, load_scenarios, run_scenarios
from nervepath.knowledge.model import KnowledgeBase

ROOT = Path(__file__).parents[2]
SCENARIOS = ROOT / "tests" / "guidelines" / "scenarios.yaml"


@pytest.fixture(scope="module")
def run(shipped_kb: KnowledgeBase) -> ScenarioRun:
    return run_scenarios(Assessor(shipped_kb), load_scenarios(SCENARIOS, kb=shipped_kb))


def test_there_are_at_least_80_scenarios_from_several_guidelines(run: ScenarioRun) -> None:
    assert len(run.results) >= 80
    sources = {r.scenario.guideline.source for r in run.results}
    assert {"girft_ces_pathway", "nice_ng158", "nice_ng234", "esvs_ali2020"} <= sources
    assert {r.scenario.setting for r in run.results} == {"clinician", "self_check"}
    assert {r.scenario.urgency for r in run.results} >= {"emergency", "urgent", "routine"}


def test_every_guideline_scenario_passes(run: ScenarioRun) -> None:
    failed = [f"{r.scenario.id}: {'; '.join(r.problems)}" for r in run.failed]
    assert failed == []


def test_every_triage_rule_is_tested_by_a_scenario(
    run: ScenarioRun, shipped_kb: KnowledgeBase
) -> None:
    fired = {rule for r in run.results for rule in r.fired}
    assert sorted({r.id for r in shipped_kb.raw.triage.rules} - fired) == []


def _write(tmp_path: Path, scenarios: list[dict[str, object]]) -> Path:
    path = tmp_path / "scenarios.yaml"
    path.write_text(yaml.safe_dump({"scenarios": scenarios}), encoding="utf-8")
    return path


GOOD = {
    "id": "saddle",
    "guideline": {"source": "girft_ces_pathway", "quote": "New (within 14 days) …"},
    "story": "New saddle numbness with sciatica.",
    "setting": "self_check",
    "answers": {"numbness_saddle": "present", "back_pain": "present"},
    "urgency": "emergency",
    "fires": ["ces_saddle_sensory_change"],
}


def test_a_bad_scenario_file_names_every_problem(tmp_path: Path, shipped_kb: KnowledgeBase) -> None:
    bad = [
        {**GOOD, "guideline": {"source": "nice_ng999", "quote": "x y z"}},
        {**GOOD, "id": "two", "answers": {"numbness_sadle": "present"}, "fires": ["no_rule"]},
        {**GOOD, "id": "three", "guideline": {"source": "nice_ng59"}},
    ]
    with pytest.raises(CaseError) as caught:
        load_scenarios(_write(tmp_path, bad), kb=shipped_kb)
    message = str(caught.value)
    assert "'nice_ng999' is not a reference" in message
    assert "numbness_saddle" in message  # the nearest finding is named
    assert "'no_rule' is not a triage rule" in message
    assert "exactly one of 'quote' or 'paraphrase'" in message
    with pytest.raises(CaseError, match="urgency"):
        load_scenarios(_write(tmp_path, [{**GOOD, "urgency": "soon"}]), kb=shipped_kb)


def _evaluate(path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nervepath", "evaluate", str(path), *extra],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def test_cli_prints_the_confusion_matrix_and_fails_on_a_disagreement(tmp_path: Path) -> None:
    good = _evaluate(_write(tmp_path, [GOOD]))
    assert good.returncode == 0, good.stderr
    assert "1 of 1 guideline scenarios pass" in good.stdout
    assert "expected ↓ / assessed →" in good.stdout
    wrong = {**GOOD, "urgency": "routine", "fires": []}
    bad = _evaluate(_write(tmp_path, [wrong]), "--json")
    assert bad.returncode == 1
    doc = json.loads(bad.stdout)
    assert doc["passed"] == 0
    assert doc["results"][0]["problems"] == ["urgency emergency, the guideline asks for routine"]
    assert doc["confusion"]["counts"][1][3] == 1  # expected routine, assessed emergency
