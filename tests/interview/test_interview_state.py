"""The interview state as a client keeps it, and the cache of computed steps."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from nervepath.interview.state import State, StateCache, StateDocument

_STATES = st.builds(
    State,
    sides=st.one_of(st.none(), st.sampled_from([("left",), ("right",), ("left", "right")])),
    regions=st.one_of(st.none(), st.tuples(st.sampled_from(["heel", "shin", "saddle"]))),
    start=st.dictionaries(st.sampled_from(["for_whom", "age"]), st.sampled_from(["me", "unknown"])),
    places=st.one_of(st.none(), st.tuples(st.sampled_from(["heel_left", "saddle"]))),
    felt=st.dictionaries(
        st.sampled_from(["heel_left", "saddle"]), st.tuples(st.sampled_from(["pain", "numbness"]))
    ),
    screen=st.tuples(st.sampled_from(["fever", "numbness_saddle"])),
    answers=st.dictionaries(
        st.sampled_from(["fever", "numbness_heel_left", "strength_toe_flexion_right"]),
        st.sampled_from(["present", "absent", "unknown", "4"]),
    ),
    adaptive=st.integers(0, 30),
    shown=st.frozensets(st.sampled_from(["ces_saddle_sensory_change", "fever_back_pain"])),
    finished=st.sampled_from([None, "quit", "confident"]),
)


@given(_STATES)
def test_a_state_survives_the_round_trip_through_its_document(state: State) -> None:
    document = StateDocument.from_state(state).model_dump(mode="json")
    assert StateDocument.model_validate(document).to_state() == state


def test_the_cache_computes_each_state_once_and_forgets_the_oldest() -> None:
    cache: StateCache[int] = StateCache(size=2)
    calls: list[str] = []

    def compute(tag: str) -> int:
        calls.append(tag)
        return len(calls)

    a, b, c = State(answers={"fever": "present"}), State(answers={"fever": "absent"}), State()
    assert cache.get(("self_check",), a, lambda: compute("a")) == 1
    assert cache.get(("self_check",), a, lambda: compute("a")) == 1  # remembered
    assert cache.get(("clinician",), a, lambda: compute("a2")) == 2  # another setting
    cache.get(("self_check",), b, lambda: compute("b"))
    cache.get(("self_check",), c, lambda: compute("c"))
    cache.get(("self_check",), a, lambda: compute("a3"))  # evicted, so computed again
    assert calls == ["a", "a2", "b", "c", "a3"]
