"""The layout docs/architecture.md describes: imports run one way, down the floors, and no
module grows past the house style's ~400 lines without saying why at its top."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).parents[1] / "src" / "nervepath"
LIMIT = 400


def test_imports_run_down_the_floors() -> None:
    """import-linter's layers contract in pyproject.toml (knowledge → engine → … → doors)."""
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run(
        [str(lint)], capture_output=True, text=True, cwd=SRC.parents[1], check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_long_modules_say_why() -> None:
    unexplained = []
    for path in sorted(SRC.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").count("\n")
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        if lines > LIMIT and "on purpose" not in doc:
            unexplained.append(f"{path.relative_to(SRC)} ({lines} lines)")
    assert not unexplained, "longer than ~400 lines with no reason at the top: " + ", ".join(
        unexplained
    )


def test_no_loose_modules_but_the_shared_ones() -> None:
    """The top of the package holds the floors; only errors.py (used by every floor) is loose."""
    loose = sorted(p.name for p in SRC.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "errors.py"]
