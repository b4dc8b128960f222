"""``nervepath serve`` as a person starts it: one line once it listens (where, and where the
data are), no Alembic or Uvicorn chatter, errors still shown, Ctrl-C stops it cleanly."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
START = 180  # seconds: a bound on start-up (imports, knowledge base, migrations), not a check


class Served:
    """A ``nervepath serve`` process whose merged output is read line by line."""

    def __init__(self, port: int, data_dir: Path) -> None:
        env = {
            **os.environ,
            "NERVEPATH_DATA_DIR": str(data_dir),
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nervepath", "serve", "--port", str(port)],
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


def test_a_port_in_use_is_an_error_shown(free_port: int, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", free_port))
        taken.listen()
        server = Served(free_port, tmp_path)
        lines = server.rest()
    assert server.process.returncode != 0
    assert len(lines) == 1 and "ERROR" in lines[0] and "address already in use" in lines[0]
