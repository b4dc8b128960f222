"""``nervepath kb``: check, list, show and export the knowledge base."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from nervepath.cli.common import DataOption, JsonOption, err, out
from nervepath.cli.common import load as _load
from nervepath.cli.common import print_json as _print_json
from nervepath.errors import NervepathError
from nervepath.knowledge import catalogue
from nervepath.knowledge.markdown import render_catalogue, render_rules, with_rules

__all__ = ["kb_app"]

kb_app = typer.Typer(help="Inspect, check and export the knowledge base.", no_args_is_help=True)


@kb_app.command("check")
def kb_check(data: DataOption = None, as_json: JsonOption = False) -> None:
    """Validate the knowledge base; list every problem if there are any. Then compare each
    published likelihood ratio with the one the model implies (exact inference)."""
    from nervepath.assessment.calibration import check_ratios
    from nervepath.assessment.service import Assessor

    kb = _load(data)
    stats = catalogue.statistics(kb)
    checks = check_ratios(Assessor(kb)) if kb.raw.likelihood_ratios else ()
    failed = [c for c in checks if not c.ok]
    if as_json:
        rows = [
            {
                "finding": c.finding,
                "state": c.state,
                "target": c.target,
                "kind": c.kind,
                "age": c.age,
                "published": c.published.value,
                "bounds": list(c.bounds),
                "implied": round(c.implied, 4),
                "ok": c.ok,
                "source": c.citation,
            }
            for c in checks
        ]
        _print_json(stats | {"likelihood_ratios": rows})
        if failed:
            raise typer.Exit(1)
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
    if not checks:
        return
    ratios = Table(
        "finding",
        "target",
        "age",
        "",
        "published",
        "allowed",
        "implied",
        title="Likelihood ratios: published vs implied by the model",
    )
    for c in checks:
        low, high = c.bounds
        ratios.add_row(
            c.finding if c.state == "present" else f"{c.finding} = {c.state}",
            c.target,
            "–" if c.age is None else str(c.age),
            c.kind,
            f"{c.published.value:g}",
            f"{low:.2g}–{high:.2g}",
            f"{c.implied:.2f}",
            style=None if c.ok else "bold red",
        )
    out.print(ratios)
    if failed:
        err.print(
            f"[red]✗[/] {len(failed)} of {len(checks)} implied likelihood ratios fall outside "
            "the published interval (or 0.67–1.5× the published value):",
            *(
                f"  {c.kind} {c.finding} → {c.target}: implied {c.implied:.2f}, allowed "
                f"{c.bounds[0]:.2f}–{c.bounds[1]:.2f}"
                for c in failed
            ),
            sep="\n",
            highlight=False,
        )
        raise typer.Exit(1)
    out.print(f"[green]✓[/] all {len(checks)} implied likelihood ratios match the published ones")


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


@kb_app.command("export")
def kb_export(
    fmt: Annotated[str, typer.Option("--format", help="bif or xmlbif.")] = "bif",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file.")
    ] = None,
    age: Annotated[
        int | None,
        typer.Option("--age", min=0, max=120, help="With the leaks of a patient of this age."),
    ] = None,
    data: DataOption = None,
) -> None:
    """Export the Bayesian network (full CPTs) for pgmpy, pyAgrum or any BIF reader.

    Variables are named by knowledge-base id with the side appended (``l5_root_left``);
    findings with many parents get exact auxiliary nodes (``back_pain__part0_0``) so that
    no table is huge (parent divorcing, see ``engine/divorce.py``). Signs that come with
    age (an absent ankle jerk) take the population's age mixture of their leaks, or with
    ``--age`` that age's, as an assessment of a patient of that age does.
    """
    from nervepath.engine.build import build_network
    from nervepath.engine.divorce import divorce_parents
    from nervepath.engine.export import to_bif, to_xmlbif
    from nervepath.knowledge.ages import bands_of_age

    writers = {"bif": to_bif, "xmlbif": to_xmlbif}
    if fmt not in writers:
        raise NervepathError(f"--format {fmt!r}: expected one of {', '.join(writers)}")
    kb = _load(data)
    ages = None if age is None else kb.aged(bands_of_age(kb.age_bands, age))
    network = divorce_parents(build_network(kb, ages=ages))
    text = writers[fmt](network, name=f"nervepath_{kb.version.replace('.', '_')}")
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        err.print(f"wrote {output}")


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


@kb_app.command("rules")
def kb_rules(
    update: Annotated[
        Path | None,
        typer.Option(
            "--update",
            help="Replace the generated rule table in this Markdown file "
            "(docs/clinical-safety.md) instead of printing it.",
        ),
    ] = None,
    data: DataOption = None,
) -> None:
    """Print every triage rule with its level, tempo step-down and source, as Markdown."""
    kb = _load(data)
    if update is None:
        sys.stdout.write(render_rules(kb))
        return
    try:
        text = with_rules(update.read_text(encoding="utf-8"), kb)
    except (OSError, ValueError) as exc:
        raise NervepathError(f"--update {update}: {exc}") from None
    update.write_text(text, encoding="utf-8")
    out.print(f"updated {update}")


def _one_line(value: Any) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={_one_line(v)}" for k, v in value.items() if v not in (None, []))
    if isinstance(value, list):
        return ", ".join(_one_line(v) for v in value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
