"""Stored assessments: exact round trips, reproduction, filters and paging, atomic writes."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nervepath.storage.sql
from nervepath.assessment.service import assess
from nervepath.errors import AssessmentNotFound, StorageError, UserError
from nervepath.storage import SqlStore

MARKER = "Zoë-Ωmega-患者-7f3a"  # health data stand-in: must never reach a log or a message


def _result(example: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return json.loads(json.dumps(example)) | changes


def test_round_trip_keeps_every_value(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    example_case["patient"] = {"age": 45, "sex": "male", "note": MARKER}
    example_result["origin"]["extra"] = 0.1 + 0.2  # 0.30000000000000004: every digit counts
    example_result["tiny"] = 5e-324
    stored = store.add_assessment(case=example_case, result=example_result)
    again = store.get_assessment(stored.id)
    assert again == stored
    assert again.case == example_case
    assert again.result == example_result
    assert again.result["origin"]["extra"] == 0.1 + 0.2
    assert again.result["tiny"] == 5e-324
    assert again.case["patient"]["note"] == MARKER
    assert list(again.result) == list(example_result)  # key order as written
    assert list(again.result["origin"]) == list(example_result["origin"])


def test_the_columns_come_from_the_result(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    stored = store.add_assessment(case=example_case, result=example_result)
    assert stored.kb_version == example_result["kb_version"]
    assert stored.kb_hash == example_result["kb_hash"]
    assert stored.urgency == example_result["urgency"]
    assert stored.setting == "clinician"
    assert stored.top_site == "l5_root_left"
    assert stored.owner is None
    assert stored.created_at.tzinfo is UTC
    assert stored.updated_at.tzinfo is UTC
    assert abs(stored.created_at - datetime.now(UTC)) < timedelta(hours=1)

    midline = _result(example_result, sites=[{"id": "cauda_equina", "side": None}])
    assert store.add_assessment(case=example_case, result=midline).top_site == "cauda_equina"
    no_sites = _result(midline, sites=[])
    assert store.add_assessment(case=example_case, result=no_sites).top_site is None


def test_a_stored_case_reproduces_its_result(store: SqlStore, example_case: dict[str, Any]) -> None:
    result = assess(example_case).to_dict()
    stored = store.add_assessment(case=example_case, result=result)
    again = store.get_assessment(stored.id)
    reassessed = assess(again.case).to_dict()
    assert json.loads(json.dumps(reassessed)) == again.result
    assert reassessed["kb_hash"] == again.kb_hash


def test_ids_are_long_random_and_distinct(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    ids = [store.add_assessment(case=example_case, result=example_result).id for _ in range(60)]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{32,}", i) for i in ids)
    # Not sequential nor time-based: no two share even their first 8 characters.
    assert len({i[:8] for i in ids}) == len(ids)


def test_unknown_ids_are_not_found(store: SqlStore) -> None:
    for missing in ("nope", "x" * 500, ""):
        with pytest.raises(AssessmentNotFound) as caught:
            store.get_assessment(missing)
        assert caught.value.id == missing
        with pytest.raises(AssessmentNotFound):
            store.delete_assessment(missing)


def test_delete(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    kept = store.add_assessment(case=example_case, result=example_result)
    gone = store.add_assessment(case=example_case, result=example_result)
    store.delete_assessment(gone.id)
    with pytest.raises(AssessmentNotFound):
        store.get_assessment(gone.id)
    assert [a.id for a in store.list_assessments()] == [kept.id]
    assert store.count_assessments() == 1


def test_filters_order_paging_and_count(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    store.create_user("alice", "a long enough password")
    store.create_user("bob", "a long enough password")
    plan = [
        ("routine", "alice"),
        ("emergency", None),
        ("routine", "bob"),
        ("urgent", "alice"),
        ("routine", None),
        ("emergency", "alice"),
    ]
    added = [
        store.add_assessment(
            case=example_case, result=_result(example_result, urgency=urgency), owner=owner
        )
        for urgency, owner in plan
    ]
    newest_first = [a.id for a in reversed(added)]

    assert [a.id for a in store.list_assessments()] == newest_first
    assert store.count_assessments() == 6
    assert [a.id for a in store.list_assessments(limit=2, offset=1)] == newest_first[1:3]
    assert store.list_assessments(offset=6) == []

    routine = store.list_assessments(urgency="routine")
    assert [a.id for a in routine] == [added[4].id, added[2].id, added[0].id]
    assert store.count_assessments(urgency="routine") == 3
    assert store.count_assessments(urgency="self_care") == 0

    alice = store.list_assessments(owner="alice")
    assert [a.id for a in alice] == [added[5].id, added[3].id, added[0].id]
    assert {a.owner for a in alice} == {"alice"}
    assert store.count_assessments(owner="alice", urgency="emergency") == 1
    assert store.count_assessments(owner="nobody") == 0

    # since is inclusive, until exclusive.
    since, until = added[2].created_at, added[4].created_at
    window = store.list_assessments(since=since, until=until)
    assert [a.id for a in window] == [added[3].id, added[2].id]
    assert store.count_assessments(since=since, until=until) == 2
    assert store.count_assessments(since=since, until=until, urgency="routine") == 1
    # Any time zone names the same instant.
    shifted = since.astimezone(timezone(timedelta(hours=-5)))
    assert store.count_assessments(since=shifted) == 4
    assert store.count_assessments(since=added[-1].created_at + timedelta(seconds=1)) == 0


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"urgency": "panic"}, "urgency 'panic'"),
        ({"since": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"until": datetime(2024, 1, 1)}, "timezone-aware"),
        ({"limit": 0}, "limit 0"),
        ({"limit": 100_000}, "limit 100000"),
        ({"offset": -1}, "offset -1"),
    ],
)
def test_bad_filters_are_errors(store: SqlStore, filters: dict[str, Any], message: str) -> None:
    with pytest.raises(StorageError, match=message):
        store.list_assessments(**filters)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kb_hash": None}, r"result › kb_hash"),
        ({"kb_version": 3}, r"result › kb_version"),
        ({"urgency": "whenever"}, r"result › urgency"),
        ({"setting": "hospital"}, r"result › setting"),
        ({"setting": "self_check"}, r"case › setting differs"),
        ({"sites": "l5_root"}, r"result › sites"),
        ({"sites": [{"side": "left"}]}, r"result › sites › 0"),
        ({"origin": {"lumbar_spine": float("nan")}}, r"cannot be stored as JSON"),
        ({"red_flags": {1, 2}}, r"cannot be stored as JSON"),
    ],
)
def test_a_bad_result_stores_nothing_and_names_the_problem_only(
    store: SqlStore,
    example_case: dict[str, Any],
    example_result: dict[str, Any],
    change: dict[str, Any],
    message: str,
) -> None:
    example_case["answers"]["free_text"] = MARKER
    with pytest.raises(StorageError, match=message) as caught:
        store.add_assessment(case=example_case, result=_result(example_result, **change))
    assert MARKER not in str(caught.value)
    assert store.count_assessments() == 0


def test_a_missing_key_stores_nothing(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    del example_result["kb_version"]
    with pytest.raises(StorageError, match="kb_version"):
        store.add_assessment(case=example_case, result=example_result)
    assert store.count_assessments() == 0


def test_an_unknown_owner_stores_nothing(
    store: SqlStore, example_case: dict[str, Any], example_result: dict[str, Any]
) -> None:
    with pytest.raises(UserError, match="no user 'ghost'"):
        store.add_assessment(case=example_case, result=example_result, owner="ghost")
    assert store.count_assessments() == 0


def test_a_failure_after_the_insert_rolls_it_back(
    store: SqlStore,
    example_case: dict[str, Any],
    example_result: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(_row: object) -> None:
        raise RuntimeError("failed after the row was sent to the database")

    # The row is flushed (INSERT sent) before this runs, inside the same transaction.
    monkeypatch.setattr(nervepath.storage.sql, "stored_assessment", fail)
    with pytest.raises(RuntimeError):
        store.add_assessment(case=example_case, result=example_result)
    monkeypatch.undo()
    assert store.count_assessments() == 0
    assert store.list_assessments() == []


def test_no_health_data_is_logged(
    store: SqlStore,
    example_case: dict[str, Any],
    example_result: dict[str, Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    example_case["answers"]["free_text"] = MARKER
    with caplog.at_level(logging.DEBUG):
        stored = store.add_assessment(case=example_case, result=example_result)
        store.get_assessment(stored.id)
        store.list_assessments()
        with pytest.raises(StorageError):
            store.add_assessment(case=example_case, result=_result(example_result, urgency="x"))
    assert MARKER not in caplog.text


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=60,
    deadline=None,
    # One store for all examples on purpose: each example adds its own row.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(answers=st.dictionaries(st.text(), JSON_VALUES, max_size=8))
def test_any_json_answers_round_trip_unchanged(
    store: SqlStore, example_result: dict[str, Any], answers: dict[str, Any]
) -> None:
    case = {"setting": "clinician", "answers": answers}
    stored = store.add_assessment(case=case, result=example_result)
    assert store.get_assessment(stored.id).case == case
    assert stored.case == case
