"""``nervepath users``: accounts and tokens from the command line; errors are one line, exit 1."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from nervepath.cli.users import users_app
from nervepath.storage import SqlStore

PASSWORD = "correct horse battery staple"


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli' / 'nervepath.db'}"


def _run(url: str, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(users_app, [*args, "--database-url", url], input=stdin)


def _fails_cleanly(result: Result, message: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error: ")
    assert message in result.stderr
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output
    assert result.stdout == ""


def test_create_list_token_and_verify(url: str) -> None:
    created = _run(url, "create", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    assert created.exit_code == 0, created.output
    assert "created clinician alice of clinic default" in created.stdout

    listed = _run(url, "list")
    assert listed.exit_code == 0
    assert "alice" in listed.stdout
    assert "yes" in listed.stdout

    issued = _run(url, "token", "alice", "--label", "lab system")
    assert issued.exit_code == 0, issued.output
    token = issued.stdout.strip()
    assert token.startswith("np_")
    assert issued.stdout == token + "\n"
    assert "cannot be shown again" in issued.stderr

    with SqlStore(url) as store:
        assert store.authenticate("alice", PASSWORD) is not None
        user = store.verify_token(token)
        assert user is not None
        assert user.username == "alice"

    tokens = _run(url, "tokens", "alice")
    assert tokens.exit_code == 0
    assert "lab system" in tokens.stdout
    assert token[:8] in tokens.stdout
    assert token[8:] not in tokens.stdout


def test_interactive_password_is_asked_twice(url: str) -> None:
    result = _run(url, "create", "alice", stdin=f"{PASSWORD}\n{PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert PASSWORD not in result.output
    with SqlStore(url) as store:
        assert store.authenticate("alice", PASSWORD) is not None


def test_revoke_set_password_and_deactivate(url: str) -> None:
    _run(url, "create", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    token = _run(url, "token", "alice", "--label", "ci").stdout.strip()

    assert _run(url, "revoke-token", "1").exit_code == 0
    changed = _run(url, "set-password", "alice", "--password-stdin", stdin="a new password!\n")
    assert changed.exit_code == 0, changed.output
    with SqlStore(url) as store:
        assert store.verify_token(token) is None
        assert store.authenticate("alice", "a new password!") is not None

    assert _run(url, "deactivate", "alice").exit_code == 0
    assert " no " in _run(url, "list").stdout
    with SqlStore(url) as store:
        assert store.authenticate("alice", "a new password!") is None


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("create", "alice", "--password-stdin"), "short\n", "at least 12 characters"),
        (("create", "Al", "--password-stdin"), PASSWORD + "\n", "3 to 64 characters"),
        (("create", "alice", "--password-stdin"), "", "no password"),
        (("token", "ghost", "--label", "x"), None, "no user 'ghost'"),
        (("tokens", "ghost"), None, "no user 'ghost'"),
        (("revoke-token", "42"), None, "no API token has id 42"),
        (("set-password", "ghost", "--password-stdin"), PASSWORD + "\n", "no user 'ghost'"),
        (("deactivate", "ghost"), None, "no user 'ghost'"),
    ],
)
def test_wrong_input_is_one_line_and_exit_1(
    url: str, args: tuple[str, ...], stdin: str | None, message: str
) -> None:
    _fails_cleanly(_run(url, *args, stdin=stdin), message)


def test_a_duplicate_user_is_one_line(url: str) -> None:
    _run(url, "create", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    result = _run(url, "create", "alice", "--password-stdin", stdin=PASSWORD + "\n")
    _fails_cleanly(result, "user 'alice' already exists")


def test_a_bad_database_url_is_one_line() -> None:
    result = CliRunner().invoke(users_app, ["list", "--database-url", "not a url"])
    _fails_cleanly(result, "database URL is not valid")


def test_the_database_comes_from_the_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NERVEPATH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("NERVEPATH_DATABASE_URL", raising=False)
    result = CliRunner().invoke(
        users_app, ["create", "alice", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "nervepath.db").is_file()

    other = tmp_path / "elsewhere.db"
    monkeypatch.setenv("NERVEPATH_DATABASE_URL", f"sqlite:///{other}")
    assert "alice" not in CliRunner().invoke(users_app, ["list"]).stdout
    assert other.is_file()


def test_roles_clinics_and_the_audit_log_from_the_command_line(url: str) -> None:
    from nervepath.cli.app import app

    made = _run(
        url,
        "create",
        "ann",
        "--clinic",
        "north",
        "--role",
        "admin",
        "--password-stdin",
        stdin=PASSWORD + "\n",
    )
    assert "created admin ann of clinic north" in made.stdout
    _fails_cleanly(
        _run(url, "create", "zed", "--role", "root", "--password-stdin", stdin=PASSWORD + "\n"),
        "role 'root'",
    )
    assert _run(url, "set-role", "ann", "clinician").exit_code == 0
    listed = _run(url, "list").stdout
    assert "north" in listed and "clinician" in listed
    with SqlStore(url) as store:
        store.record_event("ann", "read", assessment_id="r1", clinic="north")
    runner = CliRunner()
    printed = runner.invoke(app, ["audit", "--json", "--database-url", url])
    assert printed.exit_code == 0, printed.output
    assert '"action": "read"' in printed.stdout and '"actor": "ann"' in printed.stdout
    other = runner.invoke(app, ["audit", "--clinic", "south", "--json", "--database-url", url])
    assert other.stdout == ""
