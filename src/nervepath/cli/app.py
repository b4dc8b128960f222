"""The ``nervepath`` command line: a thin door onto the knowledge base and the engine.

Its command groups live beside it: ``kb`` (kb.py), ``evaluate`` (evaluate.py), ``users``,
``export`` and ``report``; this module holds ``assess``, ``interview`` and ``serve``.
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any

import typer

from nervepath.cli.common import JsonOption, cores, err, out
from nervepath.cli.common import print_json as _print_json
from nervepath.cli.common import progress as _progress
from nervepath.cli.evaluate import evaluate_cases
from nervepath.cli.input import read_json
from nervepath.cli.interop import export_app
from nervepath.cli.kb import kb_app
from nervepath.cli.report import report
from nervepath.cli.users import audit_log, purge, users_app
from nervepath.errors import KnowledgeBaseError, NervepathError
from nervepath.knowledge.model import load_knowledge_base

__all__ = ["app", "main"]

app = typer.Typer(
    name="nervepath",
    help="Trace foot and leg symptoms back along the nerves to where they start.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(kb_app, name="kb")
app.add_typer(users_app, name="users")
app.add_typer(export_app, name="export")
app.command("report")(report)
app.command("evaluate")(evaluate_cases)
app.command("audit")(audit_log)
app.command("purge")(purge)


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
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            min=1,
            help="With --batch: assess on this many processes (default: every core; 1: in "
            "this process).",
        ),
    ] = None,
    posterior_only: Annotated[
        bool,
        typer.Option(
            "--posterior-only",
            help="With --batch: only the numbers — posteriors, origin groups, urgency and red "
            "flags; no explanations, next questions or advice (much faster).",
        ),
    ] = False,
) -> None:
    """Assess a case: urgency, red flags, where the problem probably is, and what to do next."""
    if batch is not None:
        if case_file != "-":
            raise NervepathError("give either CASE or --batch, not both")
        raise typer.Exit(_assess_batch(batch, out_file, jobs=jobs, posterior_only=posterior_only))
    batch_only = {"--out": out_file, "--jobs": jobs, "--posterior-only": posterior_only or None}
    for option, given in batch_only.items():
        if given is not None:
            raise NervepathError(f"{option} is for --batch; a single case is assessed here")
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


@app.command("serve")
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on [127.0.0.1].")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on [8000].")] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Server processes; more answer more requests at once [1]."),
    ] = None,
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
    NERVEPATH_WORKERS, NERVEPATH_DATABASE_URL, NERVEPATH_SECRET_KEY, NERVEPATH_DATA_DIR…; see
    the README).
    """
    from nervepath.web.server import serve as run_server
    from nervepath.web.settings import Settings

    overrides: dict[str, Any] = {
        "host": host,
        "port": port,
        "workers": workers,
        "database_url": database_url,
    }
    settings = Settings(**{k: v for k, v in overrides.items() if v is not None})
    run_server(
        settings,
        announce=lambda line: err.print(line, markup=False, highlight=False, soft_wrap=True),
    )


def _assess_batch(
    source: str, target: Path | None, *, jobs: int | None, posterior_only: bool
) -> int:
    """Stream one assessment per input line, in input order; report bad lines and go on.
    Exit code 1 if any."""
    from rich.markup import escape

    from nervepath.assessment.batch import LineAssessor, assessed
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
        assess = LineAssessor(Assessor(load_knowledge_base()), posterior_only=posterior_only)
        results = stack.enter_context(assessed(lines, assess, jobs=jobs or cores(), expected=total))
        # The bar is drawn on stderr, and not while the assessments themselves go to the screen.
        on_screen = target is None and sys.stdout.isatty()
        advance = stack.enter_context(_progress("assessing", total, show=not on_screen))
        for result in results:
            if result.output is not None:
                sink.write(result.output + "\n")
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
