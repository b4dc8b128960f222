"""The ``nervepath`` command line: a thin door onto the knowledge base and the engine."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from nervepath.cli.input import read_json
from nervepath.cli.interop import export_app
from nervepath.cli.report import report
from nervepath.cli.users import users_app
from nervepath.errors import KnowledgeBaseError, NervepathError
from nervepath.knowledge import catalogue
from nervepath.knowledge.markdown import render_catalogue
from nervepath.knowledge.model import KnowledgeBase, load_knowledge_base

if TYPE_CHECKING:
    from nervepath.assessment.service import Assessor

app = typer.Typer(
    name="nervepath",
    help="Trace foot and leg symptoms back along the nerves to where they start.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Inspect, check and export the knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(users_app, name="users")
app.add_typer(export_app, name="export")
app.command("report")(report)

out = Console()
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
    data: DataOption = None,
) -> None:
    """Export the Bayesian network (full CPTs) for pgmpy, pyAgrum or any BIF reader.

    Variables are named by knowledge-base id with the side appended (``l5_root_left``);
    findings with many parents get exact auxiliary nodes (``back_pain__part0_0``) so that
    no table is huge (parent divorcing, see ``engine/divorce.py``).
    """
    from nervepath.engine.build import build_network
    from nervepath.engine.divorce import divorce_parents
    from nervepath.engine.export import to_bif, to_xmlbif

    writers = {"bif": to_bif, "xmlbif": to_xmlbif}
    if fmt not in writers:
        raise NervepathError(f"--format {fmt!r}: expected one of {', '.join(writers)}")
    kb = _load(data)
    network = divorce_parents(build_network(kb))
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


@app.command("assess")
def assess_case(
    case_file: Annotated[
        str, typer.Argument(metavar="CASE", help="A case JSON file, or - for standard input.")
    ] = "-",
    as_json: JsonOption = False,
    batch: Annotated[
        str | None,
        typer.Option(
            "--batch",
            metavar="IN.jsonl",
            help='Assess a JSON Lines file, one case per line (an "id" key is copied to the '
            "output); - for standard input.",
        ),
    ] = None,
    out_file: Annotated[
        Path | None,
        typer.Option(
            "--out",
            metavar="OUT.jsonl",
            help="With --batch: write one assessment JSON per line here (default: stdout).",
        ),
    ] = None,
) -> None:
    """Assess a case: urgency, red flags, where the problem probably is, and what to do next."""
    if batch is not None:
        if case_file != "-":
            raise NervepathError("give either CASE or --batch, not both")
        raise typer.Exit(_assess_batch(batch, out_file))
    if out_file is not None:
        raise NervepathError("--out is for --batch; without it the assessment goes to stdout")
    from nervepath.assessment.service import assess

    assessment = assess(read_json(case_file, "case"))
    if as_json:
        _print_json(assessment.to_dict())
        return
    from nervepath.assessment.summary import render_assessment

    out.print(render_assessment(assessment))


@app.command("interview")
def interview(
    setting: Annotated[
        str, typer.Option(help="Who answers: self_check (plain words) or clinician.")
    ] = "self_check",
    save: Annotated[
        Path | None, typer.Option("--save", help="Save the answers to this case JSON file.")
    ] = None,
) -> None:
    """Answer questions one at a time: warning signs first, then the most useful next one."""
    if setting not in ("self_check", "clinician"):
        raise NervepathError(f"--setting {setting!r}: expected self_check or clinician")
    from nervepath.interview.terminal import run_interview

    raise typer.Exit(run_interview(setting=setting, save=save))


@app.command("evaluate")
def evaluate_cases(
    cases: Annotated[
        Path,
        typer.Argument(
            metavar="CASES",
            help="Labelled cases: a JSONL file (one case per line), or a folder (or one file) "
            "of published cases in YAML, scored by half and setting.",
        ),
    ],
    half: Annotated[
        str | None,
        typer.Option(help="Published cases: only this half, tuning or held_out [both]."),
    ] = None,
    setting: Annotated[
        str | None,
        typer.Option(help="Published cases: only this setting, clinician or self_check [both]."),
    ] = None,
    interview: Annotated[
        bool,
        typer.Option(
            "--interview",
            help="Published cases: also replay the self-check interview with a simulated "
            'patient (silence answered "no", then "don\'t know"); takes minutes.',
        ),
    ] = False,
    as_json: JsonOption = False,
    data: DataOption = None,
) -> None:
    """Score labelled cases: site and origin accuracy, triage confusion, calibration."""
    from nervepath.assessment.service import Assessor

    kb = _load(data)
    if cases.is_dir() or cases.suffix in (".yaml", ".yml"):
        _evaluate_published(Assessor(kb), cases, half, setting, interview, as_json)
        return
    if half is not None or setting is not None or interview:
        raise NervepathError("--half, --setting and --interview apply to published cases only")
    from nervepath.evaluation.evaluate import evaluate
    from nervepath.evaluation.labelled import load_labelled_cases
    from nervepath.evaluation.render import render_report

    labelled = load_labelled_cases(cases, kb=kb)
    with _progress("evaluating", len(labelled)) as advance:
        report = evaluate(Assessor(kb), labelled, progress=lambda done, _total: advance(done))
    if as_json:
        _print_json(report.to_dict())
        return
    out.print(render_report(report))


def _evaluate_published(
    assessor: Assessor,
    folder: Path,
    half: str | None,
    setting: str | None,
    interview: bool,
    as_json: bool,
) -> None:
    from dataclasses import replace

    from nervepath.evaluation.halves import SETTINGS, evaluate_published, render_published
    from nervepath.evaluation.replay import SILENT_ANSWERS, summarise
    from nervepath.evaluation.published import HALVES, labelled, load_published_cases

    if half is not None and half not in HALVES:
        raise NervepathError(f"--half {half!r}: expected {' or '.join(HALVES)}")
    if setting is not None and setting not in SETTINGS:
        raise NervepathError(f"--setting {setting!r}: expected {' or '.join(SETTINGS)}")
    cases = load_published_cases(folder, kb=assessor.kb)
    halves = HALVES if half is None else (half,)
    with _progress("evaluating", None) as advance:
        result = evaluate_published(
            assessor,
            cases,
            halves=halves,
            settings=SETTINGS if setting is None else (setting,),  # type: ignore[arg-type]
            progress=lambda done, _total: advance(done),
        )
    if interview:
        runs = []
        for h in halves:
            items = [labelled(c, "self_check") for c in cases if c.half == h]
            for silent in SILENT_ANSWERS:
                with _progress(f"interviews ({h}, {silent})", len(items)) as advance:
                    runs.append(
                        (h, summarise(assessor, items, silent, progress=lambda d, _t: advance(d)))
                    )
        result = replace(result, interview=tuple(runs))
    if as_json:
        _print_json(result.to_dict())
        return
    out.print(render_published(result))


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [8000].")] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL (postgresql+psycopg://…); default: SQLite in the data dir.",
        ),
    ] = None,
) -> None:
    """Start the web app and REST API (self-check, clinician pages, /api, /docs).

    Every option can also be set by environment (NERVEPATH_HOST, NERVEPATH_PORT,
    NERVEPATH_DATABASE_URL, NERVEPATH_SECRET_KEY, NERVEPATH_DATA_DIR…; see the README).
    """
    import logging

    import uvicorn

    from nervepath.web.settings import Settings
    from nervepath.web.app import create_app

    overrides: dict[str, Any] = {"host": host, "port": port, "database_url": database_url}
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    web_app = create_app(settings)
    err.print(
        f"nervepath is ready: open [bold]http://{settings.host}:{settings.port}/[/] "
        f"(API docs at /docs; database {_redacted(settings.resolved_database_url())})",
        highlight=False,
    )
    # Uvicorn's access log prints full paths, and a self-check link is a secret: our own
    # middleware logs the route template instead.
    uvicorn.run(web_app, host=settings.host, port=settings.port, access_log=False)


def _redacted(url: str) -> str:
    """A database URL without its password, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


PROGRESS_FROM = 20
"""Show a progress bar (on a terminal) from this many cases, or when the count is unknown."""


@contextmanager
def _progress(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on stderr; silent when stderr is not a terminal or the job is small."""
    from rich.progress import Progress

    quiet = not err.is_terminal or (total is not None and total < PROGRESS_FROM)
    with Progress(console=err, transient=True, disable=quiet) as bar:
        task = bar.add_task(description, total=total)
        yield lambda done: bar.update(task, completed=done)


def _assess_batch(source: str, target: Path | None) -> int:
    """Stream one assessment per input line; report bad lines and go on. Exit code 1 if any."""
    from rich.markup import escape

    from nervepath.assessment.batch import assess_lines
    from nervepath.assessment.service import Assessor

    name = "standard input" if source == "-" else source
    failed = 0
    with ExitStack() as stack:
        try:
            lines = sys.stdin.buffer if source == "-" else stack.enter_context(open(source, "rb"))
            total = None if source == "-" else _count_lines(Path(source))
        except OSError as exc:
            raise NervepathError(f"{name}: cannot read the cases ({exc.strerror})") from None
        try:
            sink = sys.stdout
            if target is not None:
                sink = stack.enter_context(target.open("w", encoding="utf-8"))
        except OSError as exc:
            raise NervepathError(f"--out {target}: cannot write ({exc.strerror})") from None
        assessor = Assessor(load_knowledge_base())
        advance = stack.enter_context(_progress("assessing", total))
        for result in assess_lines(lines, assessor):
            if result.document is not None:
                sink.write(json.dumps(result.document, ensure_ascii=False) + "\n")
                sink.flush()  # nothing already assessed is lost if a later line crashes
            else:
                failed += 1
                where = f"{name}:{result.line}" + (
                    "" if result.id is None else f" (id {result.id})"
                )
                err.print(
                    f"[red]error:[/] {escape(where)}: {escape(str(result.error))}", highlight=False
                )
            advance(result.line)
    return 1 if failed else 0


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


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
