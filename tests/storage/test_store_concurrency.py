"""Many threads on one store at once: every write lands, and races end in clear errors."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from nervepath.errors import UserError
from nervepath.storage import SqlStore

THREADS = 8
WRITES = 10


def _at_once(work: Callable[[int], Any]) -> tuple[list[Any], list[BaseException]]:
    """Run ``work(i)`` in THREADS threads released together; their results and errors."""
    start = threading.Barrier(THREADS)
    results: list[Any] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        start.wait()
        try:
            value = work(i)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        else:
            with lock:
                results.append(value)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


def test_concurrent_writes_all_land(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    store.create_user("alice", "a long enough password")

    def write(i: int) -> list[str]:
        owner = "alice" if i % 2 else None
        return [
            store.add_assessment(case=example_case, result=example_result, owner=owner).id
            for _ in range(WRITES)
        ]

    results, errors = _at_once(write)
    assert errors == []
    ids = [i for batch in results for i in batch]
    assert len(set(ids)) == THREADS * WRITES
    assert store.count_assessments() == THREADS * WRITES
    assert store.count_assessments(owner="alice") == THREADS * WRITES // 2
    assert {a.id for a in store.list_assessments(limit=1000)} == set(ids)


def test_concurrent_reads_and_token_checks(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    store.create_user("alice", "a long enough password")
    _, token = store.create_token("alice", label="load")
    stored = store.add_assessment(case=example_case, result=example_result)

    def work(_i: int) -> None:
        for _ in range(WRITES):
            assert store.verify_token(token) is not None
            assert store.get_assessment(stored.id).result == example_result
            store.add_assessment(case=example_case, result=example_result)

    _, errors = _at_once(work)
    assert errors == []
    assert store.count_assessments() == 1 + THREADS * WRITES


def test_racing_to_create_one_username_gives_one_user(store: SqlStore) -> None:
    results, errors = _at_once(lambda _i: store.create_user("alice", "a long enough password"))
    assert len(results) == 1
    assert len(errors) == THREADS - 1
    assert all(isinstance(e, UserError) and "already exists" in str(e) for e in errors)
    assert [u.username for u in store.list_users()] == ["alice"]
