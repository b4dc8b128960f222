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


def _batch_file(tmp_path: Path, count: int) -> Path:
    """``count`` cases with ids (the example, alternately in self-check words), one bad."""
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    self_check = {"setting": "self_check", "answers": {"back_pain": "present"}}
    lines = [json.dumps({"id": n, **(example if n % 2 else self_check)}) for n in range(count)]
    lines[2] = '{"id": "bad", "answers": {"back_pain": "maybe"}}'
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return source


@pytest.mark.parametrize("posterior_only", [False, True], ids=["full", "posterior-only"])
def test_batch_on_two_processes_writes_what_one_does(tmp_path: Path, posterior_only: bool) -> None:
    source = _batch_file(tmp_path, 9)
    extra = ["--posterior-only"] if posterior_only else []
    one = _run("assess", "--batch", str(source), "--jobs", "1", *extra)
    two = _run("assess", "--batch", str(source), "--jobs", "2", *extra)
    assert one.returncode == two.returncode == 1
    assert two.stdout == one.stdout
    assert two.stderr == one.stderr
    [error] = two.stderr.strip().splitlines()
    assert f"{source}:3 (id bad):" in error and "back_pain" in error and "'maybe'" in error
    docs = [json.loads(line) for line in two.stdout.splitlines()]
    assert [d["id"] for d in docs] == [0, 1, 3, 4, 5, 6, 7, 8]
    assert ("next_questions" in docs[1]) is not posterior_only
    assert docs[1]["sites"][0]["id"] == "l5_root" and docs[1]["sites"][0]["side"] == "left"


@pytest.mark.skipif(sys.platform == "win32", reason="a pseudo-terminal is POSIX")
def test_batch_progress_goes_to_the_terminal_never_into_the_jsonl(tmp_path: Path) -> None:
    import os
    import pty

    source = _batch_file(tmp_path, 24)
    command = [sys.executable, "-m", "nervepath", "assess", "--batch", str(source)]
    target = tmp_path / "out.jsonl"
    terminal, stderr = pty.openpty()
    with (
        target.open("w") as stdout,
        subprocess.Popen(
            [*command, "--posterior-only"],
            stdout=stdout,
            stderr=stderr,
            cwd=ROOT,
        ) as process,
    ):
        os.close(stderr)
        shown = b""
        while True:
            try:
                data = os.read(terminal, 65536)
            except OSError:  # the process ended and closed its side
                break
            if not data:
                break
            shown += data
    os.close(terminal)
    assert process.returncode == 1
    assert b"assessing" in shown and b"\xe2\x94\x81" in shown  # the bar, drawn
    assert b"(id bad)" in shown
    docs = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(docs) == 23


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        pytest.param(["--batch", "-", "--jobs", "0"], "--jobs", id="no-jobs"),
        pytest.param([str(EXAMPLE), "--jobs", "2"], "--jobs is for --batch", id="jobs-alone"),
        pytest.param(
            [str(EXAMPLE), "--posterior-only"], "--posterior-only is for --batch", id="posterior"
        ),
    ],
)
def test_batch_options_are_checked(args: list[str], needle: str) -> None:
    done = _run("assess", *args, stdin="")
    assert done.returncode != 0
    assert needle in done.stderr and "Traceback" not in done.stderr
