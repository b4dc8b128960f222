"""What every command shares: the consoles, the common options, loading the knowledge base,
JSON output and a progress bar."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from nervepath.errors import NervepathError
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

__all__ = [
    "DataOption",
    "JsonOption",
    "cores",
    "err",
    "load",
    "out",
    "print_json",
    "progress",
]

out = Console()
err = Console(stderr=True, soft_wrap=True)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="A knowledge-base folder to use instead of the shipped one."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def load(data: Path | None) -> KnowledgeBase:
    if data is not None and not data.is_dir():
        raise NervepathError(f"--data {data}: no such folder")
    return load_knowledge_base(data)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


PROGRESS_FROM = 20
"""Show a progress bar (on a terminal) from this many cases, or when the count is unknown."""


@contextmanager
def progress(
    description: str, total: int | None, *, show: bool = True
) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr; silent when stderr is not a terminal, the job is small
    or ``show`` is false."""
    from rich.progress import Progress

    quiet = not show or not err.is_terminal or (total is not None and total < PROGRESS_FROM)
    with Progress(console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def cores() -> int:
    """The cores this process may run on: ``--jobs``'s default."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
