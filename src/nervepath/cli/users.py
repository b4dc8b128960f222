"""``nervepath users``: the accounts and API tokens of the web app and REST API."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nervepath.errors import NervepathError

if TYPE_CHECKING:
    from nervepath.storage import SqlStore

__all__ = ["audit_log", "purge", "users_app"]

users_app = typer.Typer(
    help="Manage who may log in to the web app, and their API tokens.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

out = Console()
err = Console(stderr=True, soft_wrap=True)

DatabaseOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        metavar="URL",
        show_default=False,
        help="SQLAlchemy URL of the database (default: $NERVEPATH_DATABASE_URL, else the "
        "SQLite file in the data folder).",
    ),
]
PasswordStdinOption = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]
UsernameArgument = Annotated[str, typer.Argument(metavar="USERNAME", show_default=False)]


@contextmanager
def _errors() -> Iterator[None]:
    """Any nervepath error becomes one line on stderr and exit code 1, never a traceback."""
    try:
        yield
    except NervepathError as exc:
        err.print(f"[red]error:[/] {escape(str(exc))}", highlight=False)
        raise typer.Exit(1) from None


@contextmanager
def _store(database_url: str | None) -> Iterator[SqlStore]:
    """The store at ``database_url`` (or the configured one), migrated to the newest schema."""
    url = database_url or _configured_url()
    try:
        from nervepath.storage import open_store
    except ImportError as exc:
        raise NervepathError(
            f"the database needs the web extra ({exc.name} is missing): "
            "pip install 'nervepath[web]'"
        ) from None
    store = open_store(url)
    try:
        yield store
    finally:
        store.close()


def _configured_url() -> str:
    from pydantic import ValidationError

    from nervepath.web.settings import Settings

    try:
        return Settings().resolved_database_url()
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise NervepathError(f"settings › {field}: {first['msg']}") from None


def _password(from_stdin: bool) -> str:
    if not from_stdin:
        password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        return password
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise NervepathError("--password-stdin: no password on the first line of standard input")
    return line


def _when(moment: datetime | None) -> str:
    return "" if moment is None else moment.strftime("%Y-%m-%d %H:%M UTC")


RoleOption = Annotated[
    str,
    typer.Option(
        "--role", help="admin (also reads the clinic's audit log) or clinician.", show_default=True
    ),
]


@users_app.command("create")
def create_user(
    username: UsernameArgument,
    password_stdin: PasswordStdinOption = False,
    role: RoleOption = "clinician",
    clinic: Annotated[
        str,
        typer.Option(
            "--clinic",
            help="The clinic the user belongs to (made if new); a user sees its records only.",
        ),
    ] = "default",
    database_url: DatabaseOption = None,
) -> None:
    """Create a user (asks for the password twice, unless --password-stdin)."""
    with _errors():
        password = _password(password_stdin)
        with _store(database_url) as store:
            user = store.create_user(username, password, role=role, clinic=clinic)
    out.print(
        f"created {user.role} [bold]{escape(user.username)}[/] of clinic {escape(user.clinic)}",
        highlight=False,
    )


@users_app.command("set-role")
def set_role(
    username: UsernameArgument,
    role: Annotated[str, typer.Argument(metavar="ROLE", help="admin or clinician.")],
    database_url: DatabaseOption = None,
) -> None:
    """Make a user an admin or a clinician."""
    with _errors(), _store(database_url) as store:
        store.set_role(username, role)
    out.print(f"[bold]{escape(username)}[/] is now {escape(role)}", highlight=False)


@users_app.command("list")
def list_users(database_url: DatabaseOption = None) -> None:
    """List the users."""
    with _errors(), _store(database_url) as store:
        users = store.list_users()
    table = Table("id", "username", "role", "clinic", "active", "created")
    for user in users:
        table.add_row(
            str(user.id),
            escape(user.username),
            user.role,
            escape(user.clinic),
            "yes" if user.active else "no",
            _when(user.created_at),
        )
    out.print(table)


@users_app.command("token")
def create_token(
    username: UsernameArgument,
    label: Annotated[str, typer.Option("--label", help="What the token is for (shown in lists).")],
    database_url: DatabaseOption = None,
) -> None:
    """Create an API token for a user and print it, once."""
    with _errors(), _store(database_url) as store:
        token, secret = store.create_token(username, label=label)
    # The token alone on stdout, so that a script can capture it; the advice on stderr.
    sys.stdout.write(secret + "\n")
    err.print(
        f"[yellow]API token {token.id} ({escape(token.label)}) for {escape(token.username)}: "
        "store it now, it cannot be shown again.[/]",
        highlight=False,
    )


@users_app.command("tokens")
def list_tokens(
    username: Annotated[
        str | None,
        typer.Argument(metavar="[USERNAME]", help="Only this user's tokens.", show_default=False),
    ] = None,
    database_url: DatabaseOption = None,
) -> None:
    """List API tokens (their first characters only), revoked ones too."""
    with _errors(), _store(database_url) as store:
        tokens = store.list_tokens(username)
    table = Table("id", "user", "label", "token", "created", "last used", "revoked")
    for t in tokens:
        table.add_row(
            str(t.id),
            escape(t.username),
            escape(t.label),
            f"{t.prefix}…",
            _when(t.created_at),
            _when(t.last_used_at),
            _when(t.revoked_at),
        )
    out.print(table)


@users_app.command("revoke-token")
def revoke_token(
    token_id: Annotated[int, typer.Argument(metavar="ID", help="The id shown by 'tokens'.")],
    database_url: DatabaseOption = None,
) -> None:
    """Revoke an API token for good."""
    with _errors(), _store(database_url) as store:
        store.revoke_token(token_id)
    out.print(f"revoked API token {token_id}")


@users_app.command("set-password")
def set_password(
    username: UsernameArgument,
    password_stdin: PasswordStdinOption = False,
    database_url: DatabaseOption = None,
) -> None:
    """Give a user a new password (their signed-in sessions end)."""
    with _errors():
        password = _password(password_stdin)
        with _store(database_url) as store:
            store.set_password(username, password)
    out.print(f"set a new password for [bold]{escape(username)}[/]", highlight=False)


@users_app.command("deactivate")
def deactivate_user(username: UsernameArgument, database_url: DatabaseOption = None) -> None:
    """Stop a user from logging in or using their API tokens or sessions (their records
    stay)."""
    with _errors(), _store(database_url) as store:
        store.deactivate_user(username)
    out.print(f"deactivated [bold]{escape(username)}[/]", highlight=False)


def audit_log(
    clinic: Annotated[
        str | None, typer.Option("--clinic", help="Only this clinic's lines.")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
    database_url: DatabaseOption = None,
) -> None:
    """Print the audit log, newest first: who read, created, exported or deleted which
    record, and when (the log cannot be changed; a deleted record's lines stay)."""
    with _errors(), _store(database_url) as store:
        entries = store.list_events(clinic=clinic, limit=limit)
    if as_json:
        for e in entries:
            line = {
                "at": e.at.isoformat(),
                "actor": e.actor,
                "action": e.action,
                "assessment_id": e.assessment_id,
                "clinic": e.clinic,
                "detail": e.detail,
            }
            sys.stdout.write(json.dumps(line) + "\n")
        return
    table = Table("when", "who", "action", "record", "clinic", "how")
    for e in entries:
        table.add_row(
            _when(e.at),
            escape(e.actor),
            e.action,
            escape(e.assessment_id or "—"),
            escape(e.clinic or "—"),
            escape(e.detail),
        )
    out.print(table)


def purge(database_url: DatabaseOption = None) -> None:
    """Delete every self-check past its expiry (NERVEPATH_SELF_CHECK_DAYS after it was made,
    unless kept or shared), each with an audit line. A running server does this hourly; run it
    from cron when the server is stopped for long."""
    with _errors(), _store(database_url) as store:
        purged = store.purge_expired()
    out.print(f"purged {purged} expired self-check{'' if purged == 1 else 's'}", highlight=False)
