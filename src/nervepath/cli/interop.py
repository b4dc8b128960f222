"""``nervepath export``: cases and assessments as FHIR R4 JSON, and QuestionnaireResponses back."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from nervepath.cli.input import read_json
from nervepath.errors import NervepathError

__all__ = ["export_app"]

export_app = typer.Typer(
    help="Export cases and assessments as FHIR R4 JSON (and read FHIR back).",
    no_args_is_help=True,
)

WHAT = ("bundle", "questionnaire", "questionnaire-response")
SETTINGS = ("self_check", "clinician")
OutputOption = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
]


@export_app.command("fhir")
def export_fhir(
    case_file: Annotated[
        str | None,
        typer.Argument(
            metavar="CASE",
            help="A case JSON file, or - for standard input (not needed for --what questionnaire).",
        ),
    ] = None,
    what: Annotated[
        str, typer.Option(help="bundle, questionnaire or questionnaire-response.")
    ] = "bundle",
    setting: Annotated[
        str | None,
        typer.Option(help="questionnaire: self_check or clinician (default: the case's)."),
    ] = None,
    output: OutputOption = None,
) -> None:
    """Write a case's assessment as a FHIR Bundle, its answers as a QuestionnaireResponse,
    or the Questionnaire of a setting."""
    from fhir.resources.R4B.resource import Resource

    from nervepath.assessment.case import parse_case
    from nervepath.interop.fhir import (
        assessment_bundle,
        questionnaire,
        questionnaire_response,
        resource_json,
    )
    from nervepath.knowledge.model import load_knowledge_base

    if what not in WHAT:
        raise NervepathError(f"--what {what!r}: expected one of {', '.join(WHAT)}")
    if setting is not None and setting not in SETTINGS:
        raise NervepathError(f"--setting {setting!r}: expected self_check or clinician")
    kb = load_knowledge_base()
    if case_file is None:
        if what != "questionnaire":
            raise NervepathError(f"--what {what} needs a CASE file")
        _write(resource_json(questionnaire(kb, setting=setting or "self_check"), indent=2), output)
        return
    case = parse_case(read_json(case_file, "case"))
    if what == "questionnaire":
        resource: Resource = questionnaire(kb, setting=setting or case.setting)
    elif what == "questionnaire-response":
        resource = questionnaire_response(case, kb)
    else:
        from nervepath.assessment.service import Assessor

        resource = assessment_bundle(Assessor(kb).assess(case), case, kb)
    _write(resource_json(resource, indent=2), output)


@export_app.command("case-from-fhir")
def case_from_fhir(
    qr_file: Annotated[
        str,
        typer.Argument(metavar="QR.json", help="A QuestionnaireResponse, or - for stdin."),
    ],
    output: OutputOption = None,
) -> None:
    """Turn a nervepath QuestionnaireResponse back into a case JSON."""
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    from nervepath.interop.fhir import case_from_questionnaire_response, parse_resource
    from nervepath.knowledge.model import load_knowledge_base

    qr = parse_resource(read_json(qr_file, "QuestionnaireResponse"), QuestionnaireResponse)
    case = case_from_questionnaire_response(qr, load_knowledge_base())
    document = case.model_dump(mode="json", exclude_none=True)
    _write(json.dumps(document, indent=2, ensure_ascii=False), output)


def _write(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text + "\n")
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise NervepathError(f"--output {output}: cannot write ({exc.strerror})") from None
    sys.stderr.write(f"wrote {output}\n")
