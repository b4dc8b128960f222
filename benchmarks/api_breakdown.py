"""Where one request's time goes: the assessment itself, and everything the web app adds.

Runs the app in this process over ASGI, on one thread (sync handlers called inline rather
than through the thread pool, so that the clock sees only the request's own work), against a
fresh SQLite store, and times each part of POST /api/assessments, GET /api/assessments/{id}
and the clinician result page, by wrapping the store's and the assessor's methods:

    .venv/bin/python benchmarks/api_breakdown.py --requests 30

Prints, per route, the median of each part in milliseconds and its share of the request's
median, and the median of all but the assessment (each request's own difference, so that the
engine's spread on a busy machine does not hide the rest).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fastapi.dependencies.utils
import fastapi.routing
import httpx

from assessment_timing import clocked
from nervepath.assessment.service import Assessment
from nervepath.knowledge.model import load_knowledge_base
from nervepath.storage import open_store
from nervepath.web.app import create_app
from nervepath.web.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "correct horse battery staple"
PARTS: dict[str, float] = defaultdict(float)


async def _inline(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _instrument(app: Any) -> None:
    fastapi.routing.run_in_threadpool = _inline  # type: ignore[attr-defined,assignment]
    fastapi.dependencies.utils.run_in_threadpool = _inline  # type: ignore[attr-defined,assignment]
    store, assessor = app.state.store, app.state.assessor
    for name, label in (
        ("verify_token", "auth"),
        ("session_user", "auth"),
        ("add_assessment", "store"),
        ("get_assessment", "store"),
        ("record_event", "audit"),
    ):
        setattr(store, name, clocked(PARTS, label, getattr(store, name)))
    assessor.assess = clocked(PARTS, "assessment", assessor.assess)
    Assessment.to_dict = clocked(PARTS, "to_dict", Assessment.to_dict)  # type: ignore[method-assign]


async def _measure(
    client: httpx.AsyncClient, label: str, send: Callable[[], Any], n: int
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = defaultdict(list)
    for _ in range(n):
        PARTS.clear()
        start = time.perf_counter()
        response = await send()
        total = time.perf_counter() - start
        assert response.status_code < 400, (label, response.status_code, response.text[:300])
        out["total"].append(total)
        for part, seconds in PARTS.items():
            out[part].append(seconds)
        out["web app (rest)"].append(total - sum(PARTS.values()))
        out["outside the assessment"].append(total - PARTS["assessment"])
    return out


def _print(label: str, times: dict[str, list[float]]) -> None:
    total = statistics.median(times["total"])
    print(f"\n{label}: median {1000 * total:.1f} ms over {len(times['total'])} requests")
    for part, values in times.items():
        if part == "total":
            continue
        ms = 1000 * statistics.median(values)
        print(f"  {part:<16} {ms:8.2f} ms  {100 * ms / (1000 * total):5.1f} %")


async def _run(n: int, case: dict[str, Any]) -> None:
    folder = Path(tempfile.mkdtemp(prefix="nervepath-breakdown-"))
    store = open_store(f"sqlite:///{folder / 'nervepath.db'}")
    store.create_user("bench", PASSWORD)
    _, token = store.create_token("bench", label="bench")
    app = create_app(Settings(data_dir=folder), kb=load_knowledge_base(), store=store)
    _instrument(app)
    headers = {"Authorization": f"Bearer {token}"}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        page = await client.get("/login")
        csrf = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        await client.post(
            "/login", data={"username": "bench", "password": PASSWORD, "csrf_token": csrf}
        )
        for _ in range(3):  # warm-up
            created = await client.post("/api/assessments", json=case, headers=headers)
        ident = created.json()["id"]
        _print(
            "POST /api/assessments",
            await _measure(
                client,
                "post",
                lambda: client.post("/api/assessments", json=case, headers=headers),
                n,
            ),
        )
        _print(
            "GET /api/assessments/{id}",
            await _measure(
                client, "get", lambda: client.get(f"/api/assessments/{ident}", headers=headers), n
            ),
        )
        _print(
            "GET /clinic/assessments/{id} (the result page)",
            await _measure(client, "page", lambda: client.get(f"/clinic/assessments/{ident}"), n),
        )
    store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--case", type=Path, default=ROOT / "examples" / "l5_radiculopathy.json")
    args = parser.parse_args()
    asyncio.run(_run(args.requests, json.loads(args.case.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
