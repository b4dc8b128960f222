"""Durability under ``kill -9``: no acknowledged assessment is ever lost or altered.

Starts ``nervepath serve`` on a fresh SQLite database, lets 4 writers POST the example case as
fast as they can, kills the server with SIGKILL at a random moment, restarts it, and checks
that every assessment the server acknowledged (201 with an id) is still there, with the same
result. Repeats for ``--cycles`` rounds and prints what it found.

    .venv/bin/python benchmarks/durability.py --cycles 30
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CASE: dict[str, Any] = json.loads((ROOT / "examples" / "l5_radiculopathy.json").read_text())


def bench_token(env: dict[str, str], data: Path) -> str:
    """An API token of a new user ``bench`` in the SQLite database of the data folder ``data``
    (made by a separate process, as ``nervepath users`` would)."""
    setup = (
        "from nervepath.storage import open_store\n"
        f"s = open_store('sqlite:///{data}/nervepath.db')\n"
        "s.create_user('bench', 'correct horse battery staple')\n"
        "print(s.create_token('bench', label='bench')[1])"
    )
    done = subprocess.run(
        [sys.executable, "-c", setup], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.split()[-1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "nervepath", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(300):
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/catalogue/sites", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=30)
    parser.add_argument("--writers", type=int, default=4)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="nervepath-durability-"))
    env = {**os.environ, "NERVEPATH_DATA_DIR": str(data)}
    token = bench_token(env, data)
    headers = {"Authorization": f"Bearer {token}"}
    acknowledged: dict[str, str] = {}  # id → urgency as acknowledged
    lock = threading.Lock()
    rng = random.Random(20261206)
    for cycle in range(1, args.cycles + 1):
        port = free_port()
        server = _start(env, port)
        stop = threading.Event()

        def write(base: str = f"http://127.0.0.1:{port}", stop: threading.Event = stop) -> None:
            with httpx.Client(base_url=base, headers=headers, timeout=10) as client:
                while not stop.is_set():
                    try:
                        response = client.post("/api/assessments", json=CASE)
                    except httpx.HTTPError:
                        return  # the server died mid-request: not acknowledged
                    if response.status_code == 201:
                        body = response.json()
                        with lock:
                            acknowledged[body["id"]] = body["urgency"]

        writers = [threading.Thread(target=write) for _ in range(args.writers)]
        for w in writers:
            w.start()
        time.sleep(rng.uniform(0.5, 2.5))
        server.send_signal(signal.SIGKILL)
        server.wait()
        stop.set()
        for w in writers:
            w.join()
        print(f"cycle {cycle}: {len(acknowledged)} acknowledged so far", flush=True)
    port = free_port()
    server = _start(env, port)
    lost = altered = 0
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers) as client:
            for assessment_id, urgency in acknowledged.items():
                response = client.get(f"/api/assessments/{assessment_id}")
                if response.status_code != 200:
                    lost += 1
                elif response.json()["urgency"] != urgency:
                    altered += 1
    finally:
        server.terminate()
        server.wait()
    print(
        f"{args.cycles} kill -9 cycles, {args.writers} writers: {len(acknowledged)} "
        f"acknowledged, {lost} lost, {altered} altered"
    )
    return 1 if lost or altered else 0


if __name__ == "__main__":
    raise SystemExit(main())
