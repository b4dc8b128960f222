"""``nervepath kb export --age``: the network with a patient's age-banded leaks."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from nervepath.cli.app import app


def _ankle_jerk_leak(text: str) -> list[float]:
    """The left ankle jerk's row with no parent present: its leak (BIF text)."""
    block = text[text.index("probability ( reflex_achilles_left |") :]
    row = re.search(r"\((?:absent, )*absent\) ([^;]+);", block)
    assert row is not None
    return [float(x) for x in row.group(1).split(",")]


def test_an_export_at_75_carries_the_over_60_ankle_jerk_leak() -> None:
    runner = CliRunner()
    old = runner.invoke(app, ["kb", "export", "--age", "75"])
    unknown = runner.invoke(app, ["kb", "export"])
    assert old.exit_code == 0 and unknown.exit_code == 0, old.output + unknown.output
    # absent in 23 % over 60 (derivation.yaml › leak_overrides); with no age, the mixture
    assert _ankle_jerk_leak(old.stdout)[3] == pytest.approx(0.23)
    assert 0.06 < _ankle_jerk_leak(unknown.stdout)[3] < 0.23
    refused = runner.invoke(app, ["kb", "export", "--age", "200"])
    assert refused.exit_code != 0
