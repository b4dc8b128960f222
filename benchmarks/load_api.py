"""Latency and throughput of POST /api/assessments against a real ``nervepath serve``.

Starts ``nervepath serve --workers N`` on a fresh SQLite database in a temporary folder, keeps
``--connections`` keep-alive connections busy for ``--seconds`` (after a warm-up), and prints
p50/p90/p99 latency and requests per second. The client is plain asyncio sockets, so that on a
small machine it takes little of the CPU the server needs (``wrk`` does the same in
``load_api.sh`` where it is installed).

    .venv/bin/python benchmarks/load_api.py --workers 2 --connections 4 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from durability import bench_token, free_port

ROOT = Path(__file__).resolve().parents[1]
SERVE = (sys.executable, "-m", "nervepath", "serve")


async def _request(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":", 1)[1])
    return status, await reader.readexactly(length)


async def _connection(
    port: int, raw: bytes, until: float, warm_until: float, times: list[float]
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while (start := time.perf_counter()) < until:
            status, body = await _request(reader, writer, raw)
            if status != 201:
                raise SystemExit(f"status {status}: {body[:300]!r}")
            if start >= warm_until:
                times.append(time.perf_counter() - start)
    finally:
        writer.close()


def _wait_listening(port: int, server: subprocess.Popen[bytes]) -> None:
    for _ in range(600):
        if server.poll() is not None:
            raise SystemExit("the server stopped at start-up")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warm-up", type=float, default=3.0)
    parser.add_argument("--case", type=Path, default=ROOT / "examples" / "l5_radiculopathy.json")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="nervepath-load-"))
    env = {**os.environ, "NERVEPATH_DATA_DIR": str(data)}
    token = bench_token(env, data)
    port = free_port()
    server = subprocess.Popen(
        [*SERVE, "--port", str(port), "--workers", str(args.workers)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_listening(port, server)
        body = json.dumps(json.loads(args.case.read_text())).encode()
        raw = (
            f"POST /api/assessments HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode() + body
        times: list[float] = []
        start = time.perf_counter()
        warm_until = start + args.warm_up
        until = warm_until + args.seconds

        async def run() -> None:
            await asyncio.gather(
                *(_connection(port, raw, until, warm_until, times) for _ in range(args.connections))
            )

        asyncio.run(run())
    finally:
        server.terminate()
        server.wait(timeout=30)
    ms = sorted(1000 * t for t in times)
    q = statistics.quantiles(ms, n=100)
    print(
        f"POST /api/assessments, {args.workers} worker(s), {args.connections} connection(s), "
        f"{args.seconds:g} s, case {args.case.name}: {len(ms)} requests, "
        f"{len(ms) / args.seconds:.1f} req/s; p50 {q[49]:.1f} ms, p90 {q[89]:.1f} ms, "
        f"p99 {q[98]:.1f} ms, max {ms[-1]:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
