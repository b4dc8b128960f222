"""``nervepath serve`` as a person starts it: one line once it listens (where, and where the
data are), no Alembic or Uvicorn chatter, errors still shown, Ctrl-C stops it cleanly."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
START = 180  # seconds: a bound on start-up (imports, knowledge base, migrations), not a check


class Served:
    """A ``nervepath serve`` process whose merged output is read line by line."""

    def __init__(self, port: int, data_dir: Path, *options: str) -> None:
        env = {
            **os.environ,
            "NERVEPATH_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nervepath", "serve", "--port", str(port), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=ROOT,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        with self.process.stdout:
            for line in self.process.stdout:
                self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def next_line(self) -> str | None:
        return self.lines.get(timeout=START)

    def rest(self) -> list[str]:
        """Everything after the process ended."""
        self.process.wait(timeout=60)
        self._reader.join(10)
        out = []
        while (line := self.lines.get_nowait()) is not None:
            out.append(line)
        return out


@pytest.fixture()
def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture()
def served(free_port: int, tmp_path: Path) -> Iterator[Served]:
    server = Served(free_port, tmp_path / "data")  # a fresh folder: the migrations run
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.rest()


def test_start_up_prints_one_line(served: Served, free_port: int, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port}/"
    assert served.next_line() == (
        f"nervepath is listening on {url} (API docs at {url}docs); "
        f"data: {tmp_path / 'data' / 'nervepath.db'}"
    )
    request = urllib.request.Request(url, method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
    served.process.send_signal(signal.SIGINT)  # Ctrl-C
    rest = served.rest()
    # Uvicorn hands the signal back after a clean shutdown, so the shell sees Ctrl-C.
    assert served.process.returncode in (0, 128 + signal.SIGINT, -signal.SIGINT)
    # After it: one line for the request (route template, status, time) and nothing on stopping.
    assert len(rest) == 1 and " INFO nervepath.web: GET / 200 " in rest[0], rest


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_port_in_use_is_an_error_shown(free_port: int, tmp_path: Path, workers: str) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port))
        taken.listen()
        server = Served(free_port, tmp_path, "--workers", workers)
        lines = server.rest()
    assert server.process.returncode != 0
    assert len(lines) == 1 and "ERROR" in lines[0], lines
    assert "address already in use" in lines[0].lower()


def _children(pid: int) -> set[int]:
    return {int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}


def _running(pid: int) -> bool:
    """Alive and not a zombie (whoever adopts an orphan may be slow to reap it)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc (Linux)")
def test_two_workers_start_serve_and_stop(free_port: int, tmp_path: Path) -> None:
    server = Served(free_port, tmp_path / "data", "--workers", "2")
    try:
        url = f"http://127.0.0.1:{free_port}/"
        assert server.next_line() == (
            f"nervepath is listening on {url} (API docs at {url}docs); "
            f"data: {tmp_path / 'data' / 'nervepath.db'}"
        )
        workers = _children(server.process.pid)
        assert len(workers) >= 2  # the workers (and multiprocessing's resource tracker)
        with urllib.request.urlopen(f"{url}api/catalogue/sites", timeout=30) as response:
            assert response.status == 200
            assert json.load(response)
        server.process.send_signal(signal.SIGINT)  # Ctrl-C
        rest = server.rest()
    finally:
        if server.process.poll() is None:
            server.process.kill()
            server.rest()
    assert server.process.returncode == 0
    assert len(rest) == 1 and " INFO nervepath.web: GET /api/catalogue/sites 200 " in rest[0], rest
    for _ in range(100):  # multiprocessing's resource tracker ends once it sees its parent gone
        if not any(_running(pid) for pid in workers):
            break
        time.sleep(0.1)
    assert not any(_running(pid) for pid in workers), "a worker outlived the server"


def test_a_workers_settings_are_the_ones_serve_was_given(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from nervepath.web.server import _environment
    from nervepath.web.settings import Settings

    given = Settings(
        data_dir=tmp_path,
        port=8123,
        workers=2,
        database_url="sqlite:///x.db",
        secure_cookies=True,
        secret_key="k" * 32,
        public_url="https://example.org/",
    )
    for name in Settings.model_fields:
        monkeypatch.delenv(f"NERVEPATH_{name.upper()}", raising=False)
    for name, value in _environment(given).items():
        monkeypatch.setenv(name, value)
    assert Settings() == given
