"""``nervepath evaluate``: labelled cases (JSONL), the published cases by half and setting, or
the guideline scenarios (a YAML file of ``scenarios``)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from nervepath.cli.common import DataOption, JsonOption, out
from nervepath.cli.common import load as _load
from nervepath.cli.common import print_json as _print_json
from nervepath.cli.common import progress as _progress
from nervepath.errors import NervepathError

if TYPE_CHECKING:
    from nervepath.assessment.service import Assessor

__all__ = ["evaluate_cases"]


def evaluate_cases(
    cases: Annotated[
        Path,
        typer.Argument(
            metavar="CASES",
            help="Labelled cases: a JSONL file (one case per line); a folder (or one file) "
            "of published cases in YAML, scored by half and setting; or a YAML file of "
            "guideline scenarios (tests/guidelines/scenarios.yaml).",
        ),
    ],
    half: Annotated[
        str | None,
        typer.Option(help="Published cases: only this half, tuning or held_out [both]."),
    ] = None,
    setting: Annotated[
        str | None,
        typer.Option(help="Published cases: only this setting, clinician or self_check [both]."),
    ] = None,
    interview: Annotated[
        bool,
        typer.Option(
            "--interview",
            help="Published cases: also replay the self-check interview with a simulated "
            'patient (silence answered "no", then "don\'t know"); takes minutes.',
        ),
    ] = False,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Score labelled cases: site and origin accuracy, triage confusion, calibration."""
    from nervepath.assessment.service import Assessor

    kb = _load(data)
    if cases.suffix in (".yaml", ".yml") and _is_scenario_file(cases):
        if half is not None or setting is not None or interview:
            raise NervepathError("--half, --setting and --interview apply to published cases only")
        _evaluate_scenarios(Assessor(kb), cases, as_json)
        return
    if cases.is_dir() or cases.suffix in (".yaml", ".yml"):
        _evaluate_published(Assessor(kb), cases, half, setting, interview, as_json)
        return
    if half is not None or setting is not None or interview:
        raise NervepathError("--half, --setting and --interview apply to published cases only")
    from nervepath.evaluation.evaluate import evaluate
    from nervepath.evaluation.labelled import load_labelled_cases
    from nervepath.evaluation.render import render_report

    labelled = load_labelled_cases(cases, kb=kb)
    with _progress("evaluating", len(labelled)) as advance:
        report = evaluate(Assessor(kb), labelled, progress=lambda done, _total: advance(done))
    if as_json:
        _print_json(report.to_dict())
        return
    out.print(render_report(report))


def _is_scenario_file(path: Path) -> bool:
    """A scenario file begins with its ``scenarios:`` key (a published case with ``id:``)."""
    try:
        with path.open(encoding="utf-8") as f:
            lines = (line for line in f if line.strip() and not line.startswith("#"))
            return next(lines, "").startswith("scenarios:")
    except (OSError, UnicodeDecodeError):
        return False  # the published-case reader reports why it cannot be read


def _evaluate_scenarios(assessor: Assessor, path: Path, as_json: bool) -> None:
    from nervepath.evaluation.scenarios import load_scenarios, render_scenarios, run_scenarios

    scenarios = load_scenarios(path, kb=assessor.kb)
    with _progress("scenarios", len(scenarios)) as advance:
        run = run_scenarios(assessor, scenarios, progress=lambda done, _total: advance(done))
    if as_json:
        _print_json(run.to_dict())
    else:
        out.print(render_scenarios(run))
    if run.failed:
        raise typer.Exit(1)


def _evaluate_published(
    assessor: Assessor,
    folder: Path,
    half: str | None,
    setting: str | None,
    interview: bool,
    as_json: bool,
) -> None:
    from dataclasses import replace

    from nervepath.evaluation.halves import SETTINGS, evaluate_published, render_published
    from nervepath.evaluation.published import HALVES, labelled, load_published_cases
    from nervepath.evaluation.replay import SILENT_ANSWERS, summarise

    if half is not None and half not in HALVES:
        raise NervepathError(f"--half {half!r}: expected {' or '.join(HALVES)}")
    if setting is not None and setting not in SETTINGS:
        raise NervepathError(f"--setting {setting!r}: expected {' or '.join(SETTINGS)}")
    cases = load_published_cases(folder, kb=assessor.kb)
    halves = HALVES if half is None else (half,)
    with _progress("evaluating", None) as advance:
        result = evaluate_published(
            assessor,
            cases,
            halves=halves,
            settings=SETTINGS if setting is None else (setting,),  # type: ignore[arg-type]
            progress=lambda done, _total: advance(done),
        )
    if interview:
        runs = []
        for h in halves:
            items = [labelled(c, "self_check") for c in cases if c.half == h]
            for silent in SILENT_ANSWERS:
                with _progress(f"interviews ({h}, {silent})", len(items)) as advance:
                    runs.append(
                        (h, summarise(assessor, items, silent, progress=lambda d, _t: advance(d)))
                    )
        result = replace(result, interview=tuple(runs))
    if as_json:
        _print_json(result.to_dict())
        return
    out.print(render_published(result))
