"""Reading the JSON document a command is given, from a file or standard input (``-``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from nervepath.errors import NervepathError

__all__ = ["read_json"]


def read_json(source: str, what: str) -> Any:
    """The decoded document; a file that cannot be read or is not JSON is one clear error."""
    name = "standard input" if source == "-" else source
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise NervepathError(f"{name}: cannot read the {what} ({exc.strerror})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise NervepathError(
            f"{name}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
