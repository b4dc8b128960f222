"""The interview's state: an immutable record, and the same as a document a client keeps.

The web pages and ``POST /api/interview`` keep no state on the server: they hand the client
``StateDocument`` (JSON) and take it back, validated, on the next step.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from nervepath.errors import CaseError

__all__ = ["State", "StateCache", "StateDocument", "resumed"]

T = TypeVar("T")


@dataclass(frozen=True)
class State:
    """Where an interview is: the start, the body map as chosen, every answer, what was asked."""

    start: Mapping[str, str] = field(default_factory=dict)  # who for, age, sex, duration, onset
    sides: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    places: tuple[str, ...] | None = None  # region instances marked: heel_left, lower_back
    felt: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # place → qualities
    screen: tuple[str, ...] = ()  # the warning signs the one screen listed, once answered
    answers: Mapping[str, str] = field(default_factory=dict)  # never mutated: copied on write
    asked: tuple[str, ...] = ()  # finding instances asked one by one, in order
    adaptive: int = 0  # questions asked after the warning signs
    escalations: int = 0
    followed: tuple[str, ...] = ()  # the follow-up questions asked (one answer from an emergency)
    shown: frozenset[str] = frozenset()  # emergency reasons shown and acknowledged
    finished: str | None = None


class StateDocument(BaseModel):
    """``State`` as a client sends it back: validated, because it comes from outside."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: dict[str, str] = {}
    sides: tuple[Literal["left", "right"], ...] | None = None
    regions: tuple[str, ...] | None = None
    places: tuple[str, ...] | None = None
    felt: dict[str, tuple[str, ...]] = {}
    screen: tuple[str, ...] = ()
    answers: dict[str, str] = {}
    asked: tuple[str, ...] = ()
    adaptive: int = Field(default=0, ge=0)
    escalations: int = Field(default=0, ge=0)
    followed: tuple[str, ...] = ()
    shown: tuple[str, ...] = ()
    finished: Literal["confident", "nothing_left", "max_questions", "quit", "stopped"] | None = None

    @classmethod
    def from_state(cls, state: State) -> StateDocument:
        return cls(
            start=dict(state.start),
            sides=state.sides,
            regions=state.regions,
            places=state.places,
            felt=dict(state.felt),
            screen=state.screen,
            answers=dict(state.answers),
            asked=state.asked,
            adaptive=state.adaptive,
            escalations=state.escalations,
            followed=state.followed,
            shown=tuple(sorted(state.shown)),
            finished=state.finished,
        )

    def to_state(self) -> State:
        return State(
            start=dict(self.start),
            sides=self.sides,
            regions=self.regions,
            places=self.places,
            felt=dict(self.felt),
            screen=self.screen,
            answers=dict(self.answers),
            asked=self.asked,
            adaptive=self.adaptive,
            escalations=self.escalations,
            followed=self.followed,
            shown=frozenset(self.shown),
            finished=self.finished,
        )


def resumed(
    document: Mapping[str, object],
    *,
    start: Mapping[str, Collection[str]],
    places: Collection[str],
) -> State:
    """The state a client sent back, checked: its start answers among ``start``'s options
    (question → values), its places among the body map's; else ``CaseError`` saying where."""
    try:
        doc = StateDocument.model_validate(document)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "state"
        raise CaseError(f"state › {where}: {first['msg']}") from None
    for key, value in doc.start.items():
        if key not in start or value not in start[key]:
            raise CaseError(f"state › start › {key}: {value!r} is not an answer here")
    for place in (*(doc.places or ()), *doc.felt):
        if place not in places:
            raise CaseError(f"state › places: {place!r} is not a body-map region")
    return doc.to_state()


class StateCache(Generic[T]):
    """The last ``size`` states' computed steps, shared by the requests of one server.

    A stateless client sends back the state the server computed on the previous request;
    remembering that computation saves recomputing it (a full question ranking) before the
    new answer is applied. Only a speed-up: a miss recomputes the same thing. Thread-safe.
    """

    def __init__(self, size: int = 256) -> None:
        self._size = size
        self._items: OrderedDict[str, T] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[object, ...], state: State, compute: Callable[[], T]) -> T:
        name = json.dumps([key, StateDocument.from_state(state).model_dump(mode="json")])
        with self._lock:
            if name in self._items:
                self._items.move_to_end(name)
                return self._items[name]
        value = compute()
        with self._lock:
            self._items[name] = value
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return value
