"""``nervepath report``: an assessment as an HTML or PDF report (registered by ``cli.py``)."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from nervepath.cli.input import read_json
from nervepath.errors import NervepathError

if TYPE_CHECKING:
    from nervepath.storage import StoredAssessment

__all__ = ["Audience", "ReportFormat", "report"]

err = Console(stderr=True, soft_wrap=True)


class ReportFormat(StrEnum):
    html = "html"
    pdf = "pdf"


class Audience(StrEnum):
    clinician = "clinician"
    patient = "patient"


def report(
    source: Annotated[
        str,
        typer.Argument(
            metavar="SOURCE",
            show_default=False,
            help="A case JSON file (assessed now), - for standard input, or the id of a stored "
            "assessment.",
        ),
    ],
    fmt: Annotated[
        ReportFormat, typer.Option("--format", "-f", help="html or pdf.")
    ] = ReportFormat.html,
    audience: Annotated[
        Audience | None,
        typer.Option(
            help="clinician or patient (default: from the case's setting, self_check → patient).",
            show_default=False,
        ),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            show_default=False,
            help="Write to this file (required for pdf); without it HTML goes to stdout.",
        ),
    ] = None,
) -> None:
    """Write a report of an assessment: urgency first, body map, differential, advice, sources."""
    try:
        _report(source, fmt, audience, output)
    except NervepathError as exc:
        # One line and exit code 1, never a traceback (as every nervepath command).
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


def _report(source: str, fmt: ReportFormat, audience: Audience | None, output: Path | None) -> None:
    if fmt is ReportFormat.pdf and output is None:
        raise NervepathError(
            "--format pdf needs --output FILE (a PDF is not written to a terminal)"
        )
    try:
        from nervepath.knowledge.model import load_knowledge_base
        from nervepath.report import render_pdf, render_report
    except ImportError as exc:  # Jinja2 comes with the web extra
        raise NervepathError(
            f"reports need {exc.name or 'an optional package'}: pip install 'nervepath[web,pdf]'"
        ) from None
    assessment, case, assessment_id, created_at = _load(source)
    options: dict[str, Any] = {
        "audience": audience.value if audience else _default_audience(case),
        "assessment_id": assessment_id,
        "created_at": created_at,
    }
    kb = load_knowledge_base()
    if output is None:  # HTML only: a PDF without --output was refused above
        sys.stdout.write(render_report(assessment, case, kb, **options))
        return
    if fmt is ReportFormat.pdf:
        data = render_pdf(assessment, case, kb, **options)
    else:
        data = render_report(assessment, case, kb, **options).encode("utf-8")
    try:
        output.write_bytes(data)
    except OSError as exc:
        raise NervepathError(f"--output {output}: cannot write ({exc.strerror})") from None
    err.print(f"wrote {escape(str(output))}", highlight=False)


def _default_audience(case: dict[str, Any]) -> str:
    return "clinician" if case.get("setting") == "clinician" else "patient"


def _load(source: str) -> tuple[Any, dict[str, Any], str | None, datetime]:
    """(assessment, case, id, created_at): a case file is assessed now, an id is looked up."""
    if source == "-" or source.lower().endswith(".json") or Path(source).is_file():
        from nervepath.assessment.service import assess

        case = _read_case(source)
        return assess(case), case, None, datetime.now(UTC)
    stored = _stored(source)
    return stored.result, dict(stored.case), stored.id, stored.created_at


def _stored(assessment_id: str) -> StoredAssessment:
    try:
        from nervepath.storage import open_store
        from nervepath.web.settings import Settings
    except ImportError as exc:
        raise NervepathError(
            f"{assessment_id}: no such case file; reading stored assessments needs "
            f"{exc.name or 'the web extra'}: pip install 'nervepath[web]'"
        ) from None
    from pydantic import ValidationError

    try:
        url = Settings().resolved_database_url()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise NervepathError(f"settings › {field}: {first['msg']}") from None
    # AssessmentNotFound and the other storage errors are NervepathErrors: one line at the edge.
    with open_store(url) as store:
        return store.get_assessment(assessment_id)


def _read_case(source: str) -> dict[str, Any]:
    data = read_json(source, "case")
    name = "standard input" if source == "-" else source
    if not isinstance(data, dict):
        raise NervepathError(f"{name}: a case is a JSON object, not {type(data).__name__}")
    return data
