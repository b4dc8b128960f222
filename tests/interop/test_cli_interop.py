"""``nervepath export``: FHIR JSON out, a case back, and one-line errors through ``cli.main``."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

from nervepath import cli
from nervepath.cli.interop import export_app
from nervepath.interop.errors import FhirResourceError

EXAMPLE = Path(__file__).parents[2] / "examples" / "l5_radiculopathy.json"


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """``nervepath export ARGS`` through the real entry point, as the lead will register it."""
    app = typer.Typer(pretty_exceptions_enable=False)
    app.add_typer(export_app, name="export")
    monkeypatch.setattr(cli, "app", app)
    monkeypatch.setattr(sys, "argv", ["nervepath", "export", *args])
    with pytest.raises(SystemExit) as done:
        cli.main()
    out, err = capsys.readouterr()
    return int(done.value.code or 0), out, err


def test_bundle(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _run(monkeypatch, capsys, "fhir", str(EXAMPLE))
    assert code == 0, err
    bundle = Bundle.model_validate(json.loads(out))
    assert bundle.type == "collection"
    assert out.startswith('{\n  "resourceType": "Bundle"')


def test_questionnaire_needs_no_case(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _run(
        monkeypatch, capsys, "fhir", "--what", "questionnaire", "--setting", "clinician"
    )
    assert code == 0, err
    assert Questionnaire.model_validate(json.loads(out)).url.endswith("clinician")


def test_questionnaire_response_to_a_file_and_back_to_the_case(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    target = tmp_path / "qr.json"
    code, _, err = _run(
        monkeypatch,
        capsys,
        "fhir",
        str(EXAMPLE),
        "--what",
        "questionnaire-response",
        "-o",
        str(target),
    )
    assert code == 0 and err == f"wrote {target}\n"
    QuestionnaireResponse.model_validate(json.loads(target.read_text(encoding="utf-8")))
    code, out, err = _run(monkeypatch, capsys, "case-from-fhir", str(target))
    assert code == 0, err
    case: dict[str, Any] = json.loads(out)
    original = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert case == original


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fhir", "missing.json"), "missing.json: cannot read the case"),
        (("fhir", "--what", "pdf", str(EXAMPLE)), "--what 'pdf': expected one of"),
        (("fhir",), "--what bundle needs a CASE file"),
        (("fhir", "--what", "questionnaire", "--setting", "gp"), "--setting 'gp'"),
        (("case-from-fhir", str(EXAMPLE)), "resourceType: found None"),
    ],
)
def test_errors_are_one_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    code, _, err = _run(monkeypatch, capsys, *args)
    assert code == 1
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    assert message in err


def test_a_bad_questionnaire_response_is_a_case_error(tmp_path: Path) -> None:
    from nervepath.cli.interop import case_from_fhir

    source = tmp_path / "qr.json"
    source.write_text(json.dumps({"resourceType": "QuestionnaireResponse"}), encoding="utf-8")
    with pytest.raises(FhirResourceError, match="status"):
        case_from_fhir(str(source))
