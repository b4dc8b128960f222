"""``nervepath assess`` end to end through ``python -m nervepath``: the contract and every error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "examples" / "l5_radiculopathy.json"
CONTRACT = (
    "kb_version",
    "urgency",
    "red_flags",
    "origin",
    "sites",
    "causes",
    "next_questions",
    "recommendations",
)


def _run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nervepath", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )


def _check_contract(doc: dict[str, object]) -> None:
    for key in CONTRACT:
        assert key in doc, key
    sites = doc["sites"]
    assert isinstance(sites, list) and sites
    for site in sites:
        assert {"id", "side", "probability", "origin", "explanation"} <= set(site)
    assert sites[0]["id"] == "l5_root" and sites[0]["side"] == "left"


def test_assess_example_has_every_contract_key() -> None:
    done = _run("assess", str(EXAMPLE), "--json")
    assert done.returncode == 0, done.stderr
    _check_contract(json.loads(done.stdout))


def test_assess_reads_standard_input() -> None:
    done = _run("assess", "--json", stdin=EXAMPLE.read_text(encoding="utf-8"))
    assert done.returncode == 0, done.stderr
    _check_contract(json.loads(done.stdout))


@pytest.mark.parametrize(
    ("case", "needles"),
    [
        pytest.param('{"setting": "clinician",\n  "answers": {', ("line 2", "column"), id="json"),
        pytest.param(
            '{"answers": {"bak_pain": "present"}}', ("bak_pain", "back_pain"), id="unknown-id"
        ),
        pytest.param(
            '{"setting": "clinician", "answers": {"strength_ankle_dorsiflexion_left": "7"}}',
            ("'7'", "5, 4, 3, 2, 1, 0"),
            id="impossible-grade",
        ),
        pytest.param('{"answer": {"back_pain": "present"}}', ("answer",), id="unknown-key"),
        pytest.param(
            '{"patient": {"age": 75}, "answers": {"age_over_70": "absent"}}',
            ("age_over_70", "75"),
            id="contradictory-age",
        ),
    ],
)
def test_errors_are_one_line(case: str, needles: tuple[str, ...]) -> None:
    done = _run("assess", "--json", stdin=case)
    assert done.returncode != 0
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for needle in needles:
        assert needle in lines[0]


def test_batch_writes_one_line_per_case_and_reports_bad_lines(tmp_path: Path) -> None:
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(
            [
                json.dumps({"id": "first", **example}),
                '{"id": "broken", "answers": {"back_pain": "maybe"}}',
                "{not json",
                "",
                json.dumps({"setting": "self_check", "answers": {"back_pain": "present"}}),
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    done = _run("assess", "--batch", str(source), "--out", str(target))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = done.stderr.strip().splitlines()
    assert len(errors) == 2
    assert f"{source}:2 (id broken):" in errors[0] and "'maybe'" in errors[0]
    assert f"{source}:3:" in errors[1] and "not valid JSON" in errors[1]
    written = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(written) == 2
    assert written[0]["id"] == "first"
    _check_contract(written[0])
    assert "id" not in written[1] and written[1]["setting"] == "self_check"


def test_batch_all_good_exits_zero_on_stdout() -> None:
    line = json.dumps({"id": 7, **json.loads(EXAMPLE.read_text(encoding="utf-8"))})
    done = _run("assess", "--batch", "-", stdin=line + "\n")
    assert done.returncode == 0, done.stderr
    [doc] = [json.loads(x) for x in done.stdout.splitlines()]
    assert doc["id"] == 7
    _check_contract(doc)
