"""Guideline scenarios: a statement from a guideline, a story that meets it, and the urgency the
guideline asks for.

A scenario file is YAML, ``{scenarios: [...]}``; each scenario quotes (or, where the text could
not be seen, paraphrases and says so) the statement it tests, names the source (a reference id
of the knowledge base), and gives a case and the expected urgency. ``run_scenarios`` assesses
each case in full (posteriors, baselines and rules, as every door does) and compares; a
clinician reviews the suite through ``nervepath evaluate <file>``, which prints a triage
confusion matrix and every disagreement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from nervepath.assessment.case import Case, Patient, to_evidence
from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError
from nervepath.evaluation.evaluate import TriageSummary, triage_summary
from nervepath.evaluation.render import confusion_table
from nervepath.knowledge import strict_yaml
from nervepath.knowledge.model import KnowledgeBase

__all__ = [
    "Scenario",
    "ScenarioResult",
    "ScenarioRun",
    "load_scenarios",
    "render_scenarios",
    "run_scenarios",
]

Urgency = Literal["self_care", "routine", "urgent", "emergency"]
_Text = Annotated[str, Field(min_length=3)]
_Id = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:_[a-z0-9]+)*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Statement(_Strict):
    source: _Id  # a reference id in the knowledge base's references.yaml
    locator: str | None = None  # recommendation number, section or page
    quote: _Text | None = None  # verbatim, as read
    paraphrase: _Text | None = None  # only where the verbatim text could not be read


class Scenario(_Strict):
    id: _Id
    guideline: Statement
    story: _Text  # the situation in plain words
    setting: Literal["self_check", "clinician"] = "clinician"
    patient: Patient = Patient()
    answers: dict[str, str | int] = Field(min_length=1)
    urgency: Urgency  # what the guideline asks for
    fires: tuple[_Id, ...] = ()  # triage rules that must fire (their wording is the advice)
    silent: tuple[_Id, ...] = ()  # triage rules that must not fire


class _File(_Strict):
    scenarios: list[Scenario] = Field(min_length=1)


def load_scenarios(path: Path, *, kb: KnowledgeBase) -> tuple[Scenario, ...]:
    """Read and check a scenario file; every problem is reported at once in a ``CaseError``."""
    try:
        doc = strict_yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise CaseError(f"{path}: cannot read the scenarios ({exc})") from None
    try:
        scenarios = _File.model_validate(doc).scenarios
    except ValidationError as exc:
        raise CaseError(
            "\n".join(
                f"{path} › {'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
            )
        ) from None
    references = {r.id for r in kb.raw.references}
    rules = {r.id for r in kb.raw.triage.rules}
    problems: list[str] = []
    seen: set[str] = set()
    for s in scenarios:
        where = f"{path} › {s.id}"
        if s.id in seen:
            problems.append(f"{where}: the id is used by an earlier scenario")
        seen.add(s.id)
        if s.guideline.source not in references:
            problems.append(
                f"{where} › guideline.source: {s.guideline.source!r} is not a reference"
            )
        if (s.guideline.quote is None) == (s.guideline.paraphrase is None):
            problems.append(f"{where} › guideline: give exactly one of 'quote' or 'paraphrase'")
        problems.extend(
            f"{where} › {field}: {rule!r} is not a triage rule"
            for field, listed in (("fires", s.fires), ("silent", s.silent))
            for rule in listed
            if rule not in rules
        )
        try:
            to_evidence(kb, _case(s))
        except CaseError as exc:
            problems.append(f"{where} › answers: {exc}")
    if problems:
        raise CaseError("\n".join(problems))
    return tuple(scenarios)


def _case(s: Scenario) -> Case:
    return Case(setting=s.setting, patient=s.patient, answers=s.answers)


@dataclass(frozen=True)
class ScenarioResult:
    scenario: Scenario
    urgency: str
    fired: tuple[str, ...]  # the rules that fired, most urgent first

    @property
    def problems(self) -> tuple[str, ...]:
        s = self.scenario
        out = []
        if self.urgency != s.urgency:
            out.append(f"urgency {self.urgency}, the guideline asks for {s.urgency}")
        out.extend(f"{rule} did not fire" for rule in s.fires if rule not in self.fired)
        out.extend(f"{rule} fired" for rule in s.silent if rule in self.fired)
        return tuple(out)

    @property
    def passed(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class ScenarioRun:
    results: tuple[ScenarioResult, ...]
    triage: TriageSummary

    @property
    def failed(self) -> tuple[ScenarioResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict[str, object]:
        return {
            "scenarios": len(self.results),
            "passed": len(self.results) - len(self.failed),
            "agreement": self.triage.agreement,
            "over_triage_rate": self.triage.over_triage_rate,
            "under_triage_rate": self.triage.under_triage_rate,
            "confusion": {"levels": self.triage.levels, "counts": self.triage.confusion},
            "results": [
                {
                    "id": r.scenario.id,
                    "source": r.scenario.guideline.source,
                    "expected": r.scenario.urgency,
                    "urgency": r.urgency,
                    "fired": r.fired,
                    "problems": r.problems,
                }
                for r in self.results
            ],
        }


def run_scenarios(
    assessor: Assessor,
    scenarios: Sequence[Scenario],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ScenarioRun:
    """Assess every scenario's case and compare with what its guideline asks for."""
    results = []
    for n, s in enumerate(scenarios, 1):
        d = assessor.differential(_case(s))
        results.append(ScenarioResult(s, d.triage.urgency, tuple(f.id for f in d.triage.red_flags)))
        if progress is not None:
            progress(n, len(scenarios))
    rows = ((r.scenario.id, r.scenario.urgency, r.urgency) for r in results)
    return ScenarioRun(tuple(results), triage_summary(rows))


def render_scenarios(run: ScenarioRun) -> RenderableType:
    passed = len(run.results) - len(run.failed)
    head = Text(
        f"{passed} of {len(run.results)} guideline scenarios pass; urgency agrees in "
        f"{run.triage.agreement:.0%}, over {run.triage.over_triage_rate:.0%}, "
        f"under {run.triage.under_triage_rate:.0%}",
        style="bold green" if not run.failed else "bold red",
    )
    parts: list[RenderableType] = [head, confusion_table(run.triage, "Guideline scenarios")]
    if run.failed:
        table = Table("scenario", "source", "what is wrong", title="Scenarios that fail")
        for r in run.failed:
            table.add_row(r.scenario.id, r.scenario.guideline.source, "; ".join(r.problems))
        parts.append(table)
    return Group(*parts)
