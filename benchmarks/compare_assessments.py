"""Full assessments timed before and after a change, case by case, interleaved.

    python benchmarks/compare_assessments.py --before OLD_SRC [--sets published,vignettes,
        generated,stress] [--generated 200] [--stress 20] [--stress-max-answers N]
        [--tuning-only] [--tolerance 1e-9] [--skip-ranking]

``OLD_SRC`` is the ``src`` folder of another checkout (``git worktree add /tmp/old main``).
Two worker processes, one per source tree, load the knowledge base and the case sets (from
this folder); the driver sends them each case in turn, alternating which goes first, so
that the machine's drift and other load hit both alike. Each worker times
``Assessor.assess`` part by part (:func:`assessment_timing.time_assessments`), and the
driver checks that both give the same next questions, posteriors, origin groups, sites' order
and explanations (each change in log-odds, 1e-9).
It prints p50, p99 and max of the total and of each part per case set, before → after, the
ranking's share of the time, and each worker's peak memory.
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"
PARTS = ("total", "posterior", "origin_groups", "explanations", "ranking", "other")


def _sets(kb: Any, network: Any, names: list[str], args: argparse.Namespace) -> list[Any]:
    from assessment_timing import generated_case_set, kb_case_sets, stress_case_set

    out = []
    if "published" in names or "vignettes" in names:
        for s in kb_case_sets(kb, network):
            if s.name.split()[0] in names:
                out.append(_tuning(s) if args.tuning_only and s.name != "vignettes" else s)
    if "generated" in names:
        out.append(generated_case_set(kb, network, args.generated))
    if "stress" in names:
        stress = stress_case_set(kb, network, args.stress)
        keep = [i for i, e in enumerate(stress.evidence) if len(e) <= args.stress_max_answers]
        stress.cases = [stress.cases[i] for i in keep]
        stress.evidence = [stress.evidence[i] for i in keep]
        stress.ids = [stress.ids[i] for i in keep]
        out.append(stress)
    return out


def _tuning(case_set: Any) -> Any:
    """The published cases of the tuning half only (``tests/published/split.txt``)."""
    split = (HERE.parent / "tests" / "published" / "split.txt").read_text().split("\n")
    tuning = {line.split()[0] for line in split if line.endswith(" tuning")}
    keep = [i for i, id_ in enumerate(case_set.ids) if id_.split(":")[0] in tuning]
    case_set.cases = [case_set.cases[i] for i in keep]
    case_set.evidence = [case_set.evidence[i] for i in keep]
    case_set.ids = [case_set.ids[i] for i in keep]
    return case_set


def worker(args: argparse.Namespace) -> None:
    """Answer ``set index`` lines with the case's times and results (one JSON line each)."""
    from assessment_timing import time_assessments
    from nervepath.assessment.service import Assessor
    from nervepath.knowledge.model import load_knowledge_base

    if args.skip_ranking:
        from nervepath.assessment import service

        service.rank_questions = lambda *_, **__: ()  # type: ignore[assignment]
    kb = load_knowledge_base()
    assessor = Assessor(kb)
    sets = _sets(kb, assessor.compiled.network, args.sets.split(","), args)
    print(json.dumps([[s.name, len(s.cases)] for s in sets]), flush=True)
    for case in sets[0].cases[:3]:
        assessor.assess(case)  # warm up
    for line in sys.stdin:
        s, i = (int(x) for x in line.split())
        case = sets[s].cases[i]
        times = time_assessments(assessor, [case], warm_up=0)
        result = assessor.assess(case)
        print(
            json.dumps(
                {
                    "times": {part: times[part][0] for part in PARTS},
                    "questions": [q.finding for q in result.next_questions],
                    "sites": [site.probability for site in result.sites],
                    "origin": list(result.origin.values()),
                    "explains": [site.explains for site in result.sites],
                    "origin_explains": list((result.origin_explains or {}).values()),
                    # By id: twins of equal probability may come in either order.
                    "causes": [
                        c.probability
                        for c in sorted(result.causes, key=lambda c: (c.id, c.side or ""))
                    ],
                    "order": [[s.id, s.side] for s in result.sites],
                    "explanations": [
                        [[c.finding, c.state, c.log_odds_change] for c in site.explanation]
                        for site in result.sites
                    ],
                }
            ),
            flush=True,
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"peak_memory_mb": peak}), flush=True)


def _start(src: Path, argv: Sequence[str]) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=f"{src}{os.pathsep}{HERE}")
    return subprocess.Popen(
        [sys.executable, __file__, "--worker", *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )


def _ask(process: subprocess.Popen[str], s: int, i: int) -> dict[str, Any]:
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write(f"{s} {i}\n")
    process.stdin.flush()
    answer: dict[str, Any] = json.loads(process.stdout.readline())
    return answer


def _row(label: str, before: list[float], after: list[float]) -> str:
    a, b = np.asarray(before) * 1e3, np.asarray(after) * 1e3
    cells = []
    for f in (np.median, lambda x: np.percentile(x, 90), lambda x: np.percentile(x, 99), np.max):
        cells.append(f"{f(a):9.1f} → {f(b):8.1f}")
    # A part that takes no time after (the posterior, now read from the origin groups' pass)
    # has no ratio: "—" rather than the quotient of a time by the floor.
    kept = b > 0
    ratio = f"×{np.median(a[kept] / b[kept]):.2f}" if kept.all() else "— (no time after)"
    return f"  {label:14}" + "".join(cells) + f"   {ratio}"


def _same_explanations(mine: list[Any], theirs: list[Any], tolerance: float) -> bool:
    """Each site's contributions: the same answers, each change in log-odds within
    ``tolerance`` (both infinite alike), in the same order once changes equal to ``tolerance``
    are taken as ties (by name): the order of twins equal but for rounding is not a result."""
    if len(mine) != len(theirs):
        return False
    digits = round(-np.log10(tolerance))
    for a, b in zip(mine, theirs, strict=True):
        a, b = (sorted(x, key=lambda c: (-round(abs(c[2]), digits), c[0])) for x in (a, b))
        if [c[:2] for c in a] != [c[:2] for c in b]:
            return False
        x, y = np.array([c[2] for c in a], dtype=float), np.array([c[2] for c in b], dtype=float)
        if not np.allclose(x, y, atol=tolerance, rtol=0, equal_nan=True):
            return False
    return True


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="the src folder of the other checkout")
    parser.add_argument("--sets", default="published,vignettes,generated,stress")
    parser.add_argument("--generated", type=int, default=200)
    parser.add_argument("--stress", type=int, default=20)
    parser.add_argument("--stress-max-answers", type=int, default=10_000)
    parser.add_argument("--tuning-only", action="store_true", help="published: tuning half")
    parser.add_argument("--tolerance", type=float, default=1e-9, help="largest difference")
    parser.add_argument(
        "--skip-ranking", action="store_true", help="no next questions: the rest of the time"
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args)
        return 0
    if args.before is None:
        parser.error("--before is required")
    passed = [
        f"--sets={args.sets}",
        f"--generated={args.generated}",
        f"--stress={args.stress}",
        f"--stress-max-answers={args.stress_max_answers}",
        *(["--tuning-only"] if args.tuning_only else []),
        *(["--skip-ranking"] if args.skip_ranking else []),
    ]
    old, new = _start(args.before, passed), _start(SRC, passed)
    assert old.stdout is not None and new.stdout is not None
    names = json.loads(old.stdout.readline())
    assert json.loads(new.stdout.readline()) == names
    header = "p50 ms before → after   p90            p99            max             per-case ratio"
    differences = explained = 0
    for s, (name, count) in enumerate(names):
        before: dict[str, list[float]] = {part: [] for part in PARTS}
        after: dict[str, list[float]] = {part: [] for part in PARTS}
        for i in range(count):
            pair = (old, new) if i % 2 == 0 else (new, old)
            first, second = (_ask(p, s, i) for p in pair)
            mine, theirs = (second, first) if i % 2 == 0 else (first, second)
            for part in PARTS:
                before[part].append(theirs["times"][part])
                after[part].append(mine["times"][part])
            # Two knowledge bases may differ in their sites or causes: then the case differs.
            same = mine["questions"] == theirs["questions"] and all(
                np.shape(mine[k]) == np.shape(theirs[k])
                and np.allclose(mine[k], theirs[k], atol=args.tolerance, rtol=0)
                for k in ("sites", "origin", "explains", "origin_explains", "causes")
            )
            same = same and mine["order"] == theirs["order"]
            if not same:
                differences += 1
                print(f"  differs: {name} case {i}", flush=True)
            if not _same_explanations(mine["explanations"], theirs["explanations"], args.tolerance):
                explained += 1
                print(f"  explanations differ: {name} case {i}", flush=True)
        print(f"{name} ({count} cases)   {header}")
        for part in PARTS:
            print(_row(part, before[part], after[part]))
        shares = (sum(t["ranking"]) / sum(t["total"]) for t in (before, after))
        print("  ranking's share of the time: {:.0%} → {:.0%}".format(*shares))
        print(flush=True)
    for label, process in (("before", old), ("after", new)):
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        peak = json.loads(process.stdout.readline())["peak_memory_mb"]
        process.wait()
        print(f"peak memory {label}: {peak:.0f} MB (the worker process)")
    print(f"cases whose next questions or posteriors differ: {differences}")
    print(f"cases whose explanations differ: {explained}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
