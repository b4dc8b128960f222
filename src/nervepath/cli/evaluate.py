"""``nervepath evaluate``: labelled cases (JSONL) or the published cases, by half and setting."""

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
            help="Labelled cases: a JSONL file (one case per line), or a folder (or one file) "
            "of published cases in YAML, scored by half and setting.",
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
