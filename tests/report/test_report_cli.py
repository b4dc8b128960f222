"""``nervepath report``: from a case file or a stored assessment, and every error in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from nervepath.assessment.service import assess
from nervepath.cli.report import report

pytest.importorskip("weasyprint")

EXAMPLE = Path(__file__).parents[2] / "examples" / "l5_radiculopathy.json"
app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
app.command()(report)
runner = CliRunner()


def _one_line_error(result: Result, fragment: str) -> None:
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)  # no traceback
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1, result.stderr
    assert fragment in result.stderr


def test_html_from_a_case_file_goes_to_stdout() -> None:
    result = runner.invoke(app, [str(EXAMPLE)])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("<!DOCTYPE html>")
    assert "Weight of each finding" in result.stdout  # a clinician case: the clinician report


def test_audience_can_be_chosen() -> None:
    result = runner.invoke(app, [str(EXAMPLE), "--audience", "patient"])
    assert result.exit_code == 0, result.stderr
    assert "Your self-check summary" in result.stdout and "log-odds" not in result.stdout


def test_pdf_needs_an_output_file() -> None:
    _one_line_error(runner.invoke(app, [str(EXAMPLE), "--format", "pdf"]), "--output")


def test_pdf_is_written_to_the_output_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    result = runner.invoke(app, [str(EXAMPLE), "-f", "pdf", "-o", str(target)])
    assert result.exit_code == 0, result.stderr
    assert target.read_bytes().startswith(b"%PDF")
    assert f"wrote {target}" in result.stderr


def test_a_bad_case_file_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    _one_line_error(runner.invoke(app, [str(bad)]), "not valid JSON")
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"answers": {"numbness_first_web_spce_left": "present"}}))
    _one_line_error(runner.invoke(app, [str(wrong)]), "numbness_first_web_space_left")
    _one_line_error(runner.invoke(app, [str(tmp_path / "missing.json")]), "cannot read")


def test_a_stored_assessment_is_reported_with_its_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("sqlalchemy")
    from nervepath.storage import open_store

    url = f"sqlite:///{tmp_path / 'nervepath.db'}"
    case = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    with open_store(url) as store:
        stored = store.add_assessment(case=case, result=assess(case).to_dict())
    monkeypatch.setenv("NERVEPATH_DATABASE_URL", url)
    result = runner.invoke(app, [stored.id, "--audience", "clinician"])
    assert result.exit_code == 0, result.stderr
    assert stored.id in result.stdout
    assert stored.created_at.strftime("%d %B %Y, %H:%M") in result.stdout
    _one_line_error(runner.invoke(app, ["no-such-id"]), "no stored assessment has id")
