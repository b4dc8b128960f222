"""The ``nervepath`` command line: a thin door onto the knowledge base and the engine."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from nervepath.errors import KnowledgeBaseError, NervepathError
from nervepath.knowledge import catalogue
from nervepath.knowledge.markdown import render_catalogue
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

app = typer.Typer(
    name="nervepath",
    help="Trace foot and leg symptoms back along the nerves to where they start.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Inspect, check and export the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

DataOption = Annotated[
    Path | None,
    typer.Option("--data", help="A knowledge-base folder to use instead of the shipped one."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _load(data: Path | None) -> KnowledgeBase:
    if data is not None and not data.is_dir():
        raise NervepathError(f"--data {data}: no such folder")
    return load_knowledge_base(data)


def _print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


@kb_app.command("check")
def kb_check(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Validate the knowledge base; list every problem if there are any."""
    stats = catalogue.statistics(_load(data))
    if as_json:
        _print_json(stats)
        return
    out.print(
        f"[green]✓[/] knowledge base {stats['kb_version']} is valid "
        f"(sha256 {stats['kb_hash'][:16]}…)"
    )
    table = Table(show_header=False, box=None)
    for key in (
        "regions_per_side",
        "nerves",
        "muscles",
        "movements",
        "reflexes",
        "sites",
        "causes",
        "findings",
        "finding_instances",
        "links",
        "references",
    ):
        table.add_row(key.replace("_", " "), str(stats[key]))
    table.add_row(
        "numbers with a literature source",
        f"{stats['numbers_sourced']} of {stats['numbers']} ({100 * stats['share_sourced']:.0f}%)",
    )
    out.print(table)


@kb_app.command("sites")
def kb_sites(data: DataOption = None, as_json: JsonOption = False) -> None:
    """List the lesion sites the differential ranks."""
    rows = catalogue.sites_catalogue(_load(data))
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "origin", "sides", "name")
    for r in rows:
        table.add_row(r["id"], r["origin"], "L/R" if r["lateral"] else "midline", r["name"])
    out.print(table)


@kb_app.command("causes")
def kb_causes(data: DataOption = None, as_json: JsonOption = False) -> None:
    """List the causes that produce lesions, with their priors."""
    rows = catalogue.causes_catalogue(_load(data))
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "prior", "sites", "name")
    for r in rows:
        flag = " [red](red flag)[/]" if r["red_flag"] else ""
        table.add_row(
            r["id"],
            f"{r['prior']['value']:.4g}",
            ", ".join(s["site"] for s in r["sites"]),
            r["name"] + flag,
        )
    out.print(table)


@kb_app.command("findings")
def kb_findings(
    data: DataOption = None,
    as_json: JsonOption = False,
    setting: Annotated[
        str | None,
        typer.Option(help="Only findings asked in this setting: self_check or clinician."),
    ] = None,
) -> None:
    """List every finding a case may answer: id, question, kind, side and allowed values."""
    if setting not in (None, "self_check", "clinician"):
        raise NervepathError(f"--setting {setting!r}: expected self_check or clinician")
    rows = catalogue.findings_catalogue(_load(data), setting)
    if as_json:
        _print_json(rows)
        return
    table = Table("id", "kind", "values", "question")
    for r in rows:
        table.add_row(r["id"], r["kind"], "/".join(r["values"]), r["question"])
    out.print(table)


@kb_app.command("show")
def kb_show(
    entry_id: Annotated[str, typer.Argument(metavar="ID")],
    data: DataOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show a root, nerve, region, muscle, movement, reflex, site, cause or finding."""
    described = catalogue.describe(_load(data), entry_id)
    if as_json:
        _print_json(described)
        return
    out.print(f"[bold]{described['kind']}[/] [cyan]{entry_id}[/]")
    for key, value in described.items():
        if key == "kind":
            continue
        if isinstance(value, list) and value and isinstance(value[0], dict):
            out.print(f"[bold]{key}[/] ({len(value)}):")
            for item in value:
                out.print("  " + _one_line(item))
        else:
            out.print(f"[bold]{key}[/]: {_one_line(value)}")


@kb_app.command("catalogue")
def kb_catalogue(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    data: DataOption = None,
) -> None:
    """Write the Markdown catalogue of every site, cause, finding and number with its source."""
    text = render_catalogue(_load(data))
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        out.print(f"wrote {output}")


def _one_line(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={_one_line(v)}" for k, v in value.items() if v not in (None, []))
    if isinstance(value, list):
        return ", ".join(_one_line(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def main() -> None:
    """Entry point: run the app and turn nervepath errors into one clear message."""
    try:
        app()
    except KnowledgeBaseError as exc:
        err.print(
            f"[red]error:[/] the knowledge base has {len(exc.problems)} problem(s):",
            highlight=False,
        )
        for problem in exc.problems:
            err.print(f"  {problem}", highlight=False, markup=False)
        raise SystemExit(1) from None
    except NervepathError as exc:
        err.print(f"[red]error:[/] {exc}", highlight=False)
        raise SystemExit(1) from None
