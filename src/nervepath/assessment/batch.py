"""Many cases at once: one assessment per JSON line, streamed in input order, a bad line
reported and skipped — in this process or on several cores, one assessor per worker."""

from __future__ import annotations

import json
import multiprocessing
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Any

from nervepath.assessment.case import parse_case
from nervepath.assessment.service import Assessor
from nervepath.errors import CaseError, NervepathError

__all__ = ["BatchLine", "LineAssessor", "assessed"]

CHUNK = 16
"""Lines sent to a worker at a time: sending them costs little next to assessing them, the
output still streams, and Ctrl-C waits for no more than the chunks under way."""
AHEAD = 4
"""Chunks queued per worker, so that none waits for work while the input is read lazily."""
START_METHOD = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
"""Forked workers share the parent's assessor and start at once (``assessed`` starts them
before the caller starts any thread); a fresh interpreter per worker (spawn, forkserver) took
3.5–4.5 s to start on the 2-core machine under load, longer than many batches take."""


@dataclass(frozen=True)
class BatchLine:
    """The outcome of one input line: its JSON document (one line of text) or an error."""

    line: int
    id: str | int | None
    output: str | None
    error: str | None


class LineAssessor:
    """Turns one input line into a ``BatchLine``: the full assessment, or with
    ``posterior_only`` the differential alone (posteriors, origin groups, urgency and red
    flags; no explanations, next questions or advice — what batch scoring needs)."""

    def __init__(self, assessor: Assessor, *, posterior_only: bool = False) -> None:
        self.assessor = assessor
        self.posterior_only = posterior_only
        self._nodes = {h.name: (h.id, h.side) for h in assessor.kb.hidden}

    def __call__(self, number: int, raw: str | bytes) -> BatchLine:
        """A line may carry an ``id`` beside the case keys; it leads the output document."""
        case_id: str | int | None = None
        try:
            doc = json.loads(raw)
            if not isinstance(doc, dict):
                raise CaseError("expected a JSON object (a case)")
            case_id = doc.pop("id", None)
            if case_id is not None and not isinstance(case_id, str | int):
                raise CaseError("id: expected a string or a number")
            head = {} if case_id is None else {"id": case_id}
            document = head | self._document(doc)
        except json.JSONDecodeError as exc:
            return BatchLine(number, None, None, f"not valid JSON (column {exc.colno}: {exc.msg})")
        except UnicodeDecodeError:
            return BatchLine(number, None, None, "not UTF-8 text")
        except NervepathError as exc:
            return BatchLine(number, case_id, None, str(exc))
        return BatchLine(number, case_id, json.dumps(document, ensure_ascii=False), None)

    def _document(self, doc: dict[str, Any]) -> dict[str, Any]:
        case = parse_case(doc)
        if not self.posterior_only:
            return self.assessor.assess(case).to_dict()
        kb = self.assessor.kb
        d = self.assessor.differential(case)
        return {
            "kb_version": kb.version,
            "kb_hash": kb.content_hash,
            "setting": case.setting,
            "answers": dict(d.evidence),
            "urgency": d.triage.urgency,
            "red_flags": [asdict(flag) for flag in d.triage.red_flags],
            "origin": dict(d.origin),
            "origin_explains": dict(d.origin_explains),
            "sites": [self._node(name, p) | {"explains": d.explains[name]} for name, p in d.sites],
            "causes": [self._node(name, p) for name, p in d.causes],
        }

    def _node(self, name: str, probability: float) -> dict[str, Any]:
        node_id, side = self._nodes[name]
        return {"id": node_id, "side": side, "probability": probability}


@contextmanager
def assessed(
    lines: Iterable[str | bytes],
    assess: LineAssessor,
    *,
    jobs: int = 1,
    expected: int | None = None,
) -> Iterator[Iterator[BatchLine]]:
    """One ``BatchLine`` per case line (blank lines skipped), lazily and in input order, so
    output can be streamed; a bad line yields an error and the next line is assessed.

    ``jobs`` > 1 spreads the lines over that many worker processes, each given the assessor
    once and all started on entering (where they are forked, before any thread the caller
    starts inside, such as a progress bar's). ``expected`` (the number of lines, where
    known) sizes the chunks so that a small batch still reaches every worker.
    """
    numbered = ((number, raw) for number, raw in enumerate(lines, 1) if raw.strip())
    if jobs == 1:
        yield (assess(number, raw) for number, raw in numbered)
        return
    size = CHUNK if expected is None else max(1, min(CHUNK, expected // (jobs * AHEAD)))
    workers = _Workers(numbered, assess, jobs=jobs, size=size)
    try:
        yield workers.results()
    finally:
        workers.close()


class _Workers:
    """Chunks of lines out to worker processes, their results back in input order, with at
    most ``AHEAD`` chunks per worker read ahead (the input may be longer than memory)."""

    def __init__(
        self,
        numbered: Iterator[tuple[int, str | bytes]],
        assess: LineAssessor,
        *,
        jobs: int,
        size: int,
    ) -> None:
        self._numbered = numbered
        self._size = size
        self._depth = jobs * AHEAD
        self._pending: deque[tuple[int, Future[list[BatchLine]]]] = deque()
        self._pool = ProcessPoolExecutor(
            jobs,
            mp_context=multiprocessing.get_context(START_METHOD),
            initializer=_start_worker,
            initargs=(assess,),
        )
        self._submit()  # forked workers all start at the first task: now

    def _submit(self) -> None:
        while len(self._pending) < self._depth:
            chunk = list(islice(self._numbered, self._size))
            if not chunk:
                return
            self._pending.append((chunk[0][0], self._pool.submit(_assess_chunk, chunk)))

    def results(self) -> Iterator[BatchLine]:
        while self._pending:
            first, future = self._pending.popleft()
            try:
                done = future.result()
            except BrokenProcessPool:
                raise NervepathError(
                    f"line {first}: a worker process ended unexpectedly (out of memory?); "
                    "every line before it was written; try fewer jobs"
                ) from None
            self._submit()
            yield from done

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


_worker: LineAssessor | None = None
"""The line assessor of this worker process, set once when it starts."""


def _start_worker(assess: LineAssessor) -> None:
    global _worker
    _worker = assess
    # Ctrl-C is the parent's to handle: it stops handing out work and waits for the chunks
    # under way, without a traceback from every worker.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _assess_chunk(chunk: list[tuple[int, str | bytes]]) -> list[BatchLine]:
    if _worker is None:
        raise RuntimeError("the worker was not started with a line assessor")
    return [_worker(number, raw) for number, raw in chunk]
