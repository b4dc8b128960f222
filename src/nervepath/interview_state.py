"""The interview's state: an immutable record, and the same as a document a client keeps.

The web pages and ``POST /api/interview`` keep no state on the server: they hand the client
``StateDocument`` (JSON) and take it back, validated, on the next step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["State", "StateDocument"]


@dataclass(frozen=True)
class State:
    """Where an interview is: the body map as chosen, every answer, and what was asked."""

    sides: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    qualities: tuple[str, ...] | None = None
    answers: Mapping[str, str] = field(default_factory=dict)  # never mutated: copied on write
    asked: tuple[str, ...] = ()  # finding instances asked, in order
    adaptive: int = 0  # questions asked after the warning signs
    escalations: int = 0
    shown: frozenset[str] = frozenset()  # emergency reasons shown and acknowledged
    finished: str | None = None


class StateDocument(BaseModel):
    """``State`` as a client sends it back: validated, because it comes from outside."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sides: tuple[Literal["left", "right"], ...] | None = None
    regions: tuple[str, ...] | None = None
    qualities: tuple[str, ...] | None = None
    answers: dict[str, str] = {}
    asked: tuple[str, ...] = ()
    adaptive: int = Field(default=0, ge=0)
    escalations: int = Field(default=0, ge=0)
    shown: tuple[str, ...] = ()
    finished: Literal["confident", "nothing_left", "max_questions", "quit", "stopped"] | None = (
        None
    )

    @classmethod
    def from_state(cls, state: State) -> StateDocument:
        return cls(
            sides=state.sides,
            regions=state.regions,
            qualities=state.qualities,
            answers=dict(state.answers),
            asked=state.asked,
            adaptive=state.adaptive,
            escalations=state.escalations,
            shown=tuple(sorted(state.shown)),
            finished=state.finished,
        )

    def to_state(self) -> State:
        return State(
            sides=self.sides,
            regions=self.regions,
            qualities=self.qualities,
            answers=dict(self.answers),
            asked=self.asked,
            adaptive=self.adaptive,
            escalations=self.escalations,
            shown=frozenset(self.shown),
            finished=self.finished,
        )
