"""Throughput of the doors, measured through the commands a person runs.

* ``nervepath assess --batch``: full assessments per second and posteriors per second
  (``--posterior-only``), in one process (``--jobs 1``) and on every core; the input is the
  clinical vignettes (tests/vignettes) repeated to ``--cases`` lines. The rate counts the
  whole command, start-up included; the start-up alone (a batch of one line) is shown beside.
* ``POST /api/assessments`` on ``nervepath serve`` with 1 and 2 workers (SQLite in a fresh
  folder, every assessment stored): p50, p99 and requests per second at ``--connections``
  connections for ``--seconds``, from a small asyncio client (httpx) on the same machine, after
  a warm-up; the example case is posted, as benchmarks/load_api.sh does.

    .venv/bin/python benchmarks/throughput.py                       # about 10 minutes today
    .venv/bin/python benchmarks/throughput.py --cases 2000 --seconds 30 --json out.json

Absolute figures depend on the machine and on what else runs on it; the table says the load
average and the number of cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from nervepath.cli.common import cores

ROOT = Path(__file__).resolve().parents[1]
VIGNETTES = ROOT / "tests" / "vignettes" / "vignettes.jsonl"
EXAMPLE = ROOT / "examples" / "l5_radiculopathy.json"
ENV = {
    **os.environ,
    "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
}
TARGETS = {
    "full": 300.0,  # full assessments/s on every core of the 2-core machine (issue #18)
    "posterior": 2000.0,  # posteriors/s
    "p50_ms": 30.0,  # API at 4 connections with 2 workers
    "requests_per_s": 60.0,
}


def nervepath(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "nervepath", *args], env=ENV, text=True, check=False, **options
    )


# --- batch -----------------------------------------------------------------------------------


def write_cases(path: Path, count: int) -> None:
    """The vignettes' cases, with ids, repeated to ``count`` lines."""
    vignettes = [json.loads(line) for line in VIGNETTES.read_text().splitlines() if line.strip()]
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            vignette = vignettes[n % len(vignettes)]
            out.write(json.dumps({"id": f"{vignette['id']}#{n}", **vignette["case"]}) + "\n")


def time_batch(source: Path, target: Path, *options: str) -> float:
    start = time.perf_counter()
    done = nervepath("assess", "--batch", str(source), "--out", str(target), *options)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"assess --batch {' '.join(options)} failed:\n{done.stderr}")
    return seconds


def run_batches(work: Path, count: int, jobs: int) -> dict[str, Any]:
    cases, one = work / "cases.jsonl", work / "one.jsonl"
    write_cases(cases, count)
    write_cases(one, 1)
    start_up = min(time_batch(one, work / "one.out", "--jobs", "1") for _ in range(2))
    report: dict[str, Any] = {"cases": count, "start_up_s": start_up, "rows": []}
    for mode, extra in (("full", ()), ("posterior", ("--posterior-only",))):
        outputs = []
        for j in sorted({1, jobs}):
            target = work / f"{mode}-{j}.jsonl"
            seconds = time_batch(cases, target, "--jobs", str(j), *extra)
            outputs.append(target.read_bytes())
            report["rows"].append(
                {"mode": mode, "jobs": j, "seconds": seconds, "per_s": count / seconds}
            )
            print(f"  batch {mode:9} --jobs {j}: {count / seconds:8.1f}/s ({seconds:.1f} s)")
        if any(o != outputs[0] for o in outputs):
            raise SystemExit(f"batch {mode}: the output differs between --jobs values")
    return report


# --- API -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def api_token(data: Path) -> str:
    """A user and an API token in a fresh database (as ``nervepath users`` makes them)."""
    from nervepath.storage import open_store

    store = open_store(f"sqlite:///{data / 'nervepath.db'}")
    try:
        store.create_user("bench", "correct horse battery staple")
        return store.create_token("bench", label="bench")[1]
    finally:
        store.close()


class Server:
    """``nervepath serve`` in a fresh data folder, started once it prints its ready line."""

    def __init__(self, data: Path, port: int, workers: int) -> None:
        env = {**ENV, "NERVEPATH_DATA_DIR": str(data)}
        command = ["serve", "--port", str(port), "--workers", str(workers)]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nervepath", *command],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        lines: queue.Queue[str] = queue.Queue()
        stream = self.process.stderr
        assert stream is not None

        def read() -> None:  # the rest is read too, so that the server never blocks on stderr
            for line in stream:
                lines.put(line)

        threading.Thread(target=read, daemon=True).start()
        first = lines.get(timeout=300)
        if "is listening on" not in first:
            self.stop()
            raise SystemExit(f"nervepath serve did not start: {first}")

    def memory_mb(self) -> float | None:
        """The resident memory of the largest process: the one server, or a worker (Linux)."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            return max(_rss_mb(p) for p in [pid, *map(int, children)])
        except OSError:
            return None

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def load(url: str, token: str, connections: int, seconds: float) -> dict[str, Any]:
    """Each connection posts the example case again as soon as it is answered."""
    body = EXAMPLE.read_bytes()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    latencies: list[float] = []
    failed = 0

    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:

        async def post() -> tuple[float, bool]:
            start = time.perf_counter()
            response = await http.post("/api/assessments", content=body)
            return time.perf_counter() - start, response.status_code == 201

        for _ in range(2 * connections):  # warm-up: every worker has answered before the clock
            await post()

        async def connection(until: float) -> None:
            nonlocal failed
            while time.perf_counter() < until:
                seconds, ok = await post()
                latencies.append(seconds)
                failed += not ok

        start = time.perf_counter()
        await asyncio.gather(*(connection(start + seconds) for _ in range(connections)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "failed": failed,
        "p50_ms": 1000 * statistics.median(latencies),
        "p99_ms": 1000 * latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))],
        "requests_per_s": len(latencies) / elapsed,
    }


def run_api(work: Path, workers: int, connections: int, seconds: float) -> dict[str, Any]:
    data = work / f"api-{workers}"
    data.mkdir()
    token = api_token(data)
    port = free_port()
    server = Server(data, port, workers)
    try:
        result = asyncio.run(load(f"http://127.0.0.1:{port}", token, connections, seconds))
        result["memory_mb"] = server.memory_mb()
    finally:
        server.stop()
    result["workers"] = workers
    print(
        f"  API {workers} worker(s): p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} "
        f"ms, {result['requests_per_s']:.1f} req/s, {result['failed']} failed"
    )
    return result


# --- report ----------------------------------------------------------------------------------


def table(report: dict[str, Any]) -> str:
    batch, api = report["batch"], report["api"]
    all_cores = report["cores"]
    rate = {(r["mode"], r["jobs"]): r["per_s"] for r in batch["rows"]}
    lines = [
        f"nervepath throughput — {all_cores} cores, load average {report['load'][0]:.1f} at "
        f"the start, {report['load'][1]:.1f} at the end",
        "",
        f"| batch: {batch['cases']} vignette cases | --jobs 1 | --jobs {all_cores} | target |",
        "|---|---|---|---|",
        f"| full assessments/s | {rate['full', 1]:.1f} | {rate['full', all_cores]:.1f} | "
        f"≥ {TARGETS['full']:.0f} |",
        f"| posteriors/s (--posterior-only) | {rate['posterior', 1]:.1f} | "
        f"{rate['posterior', all_cores]:.1f} | ≥ {TARGETS['posterior']:,.0f} |",
        f"| start-up (a batch of one line) | {batch['start_up_s']:.1f} s | | |",
        "",
        f"| POST /api/assessments, {report['connections']} connections | 1 worker | "
        "2 workers | target (2 workers) |",
        "|---|---|---|---|",
    ]
    one, two = api
    for key, label, unit, target in (
        ("p50_ms", "p50", " ms", f"≤ {TARGETS['p50_ms']:.0f} ms"),
        ("p99_ms", "p99", " ms", ""),
        ("requests_per_s", "requests/s", "", f"≥ {TARGETS['requests_per_s']:.0f}"),
    ):
        lines.append(f"| {label} | {one[key]:.1f}{unit} | {two[key]:.1f}{unit} | {target} |")
    memory = [f"{r['memory_mb']:.0f} MB" if r["memory_mb"] else "?" for r in api]
    lines.append(f"| memory per worker, after the run | {memory[0]} | {memory[1]} | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=400, help="batch lines (default 400)")
    parser.add_argument("--jobs", type=int, default=cores(), help="the 'every core' column")
    parser.add_argument("--seconds", type=float, default=20.0, help="API load per worker count")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args(argv)
    report: dict[str, Any] = {"cores": args.jobs, "connections": args.connections}
    start_load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="nervepath-throughput-") as folder:
        work = Path(folder)
        report["batch"] = run_batches(work, args.cases, args.jobs)
        report["api"] = [
            run_api(work, workers, args.connections, args.seconds) for workers in (1, 2)
        ]
    report["load"] = (start_load, os.getloadavg()[0])
    print()
    print(table(report))
    if args.json is not None:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
