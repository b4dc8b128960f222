"""The assessment contract every door returns (design.md): ``kb_version``, ``urgency``,
``red_flags``, ``origin``, ranked ``sites`` and ``causes`` with probabilities and
explanations, ``next_questions`` and ``recommendations``, and its JSON document."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, is_dataclass
from functools import cache
from typing import Any

from nervepath.assessment.recommend import Recommendation
from nervepath.assessment.triage import RedFlag

__all__ = ["Assessment", "Contribution", "NextQuestion", "RankedCause", "RankedSite"]


@dataclass(frozen=True)
class Contribution:
    """How much one answer moved a site: the change in log-odds when it is left out."""

    finding: str
    state: str
    log_odds_change: float
    question: str


@dataclass(frozen=True)
class RankedSite:
    id: str
    side: str | None
    name: str
    plain_name: str
    origin: str
    probability: float  # P(the site is affected | answers)
    explanation: tuple[Contribution, ...]
    # P(it is affected and causes at least one reported finding | answers), the ranking's key;
    # None in assessments stored before it existed (ranked by ``probability`` then).
    explains: float | None = None


@dataclass(frozen=True)
class RankedCause:
    id: str
    side: str | None
    name: str
    plain_name: str
    probability: float
    red_flag: bool


@dataclass(frozen=True)
class NextQuestion:
    finding: str
    question: str
    kind: str
    values: tuple[str, ...]
    expected_information_gain: float
    red_flag: bool


@dataclass(frozen=True)
class Assessment:
    kb_version: str
    kb_hash: str
    setting: str
    answers: Mapping[str, str]
    urgency: str
    red_flags: tuple[RedFlag, ...]
    origin: Mapping[str, float]
    sites: tuple[RankedSite, ...]
    causes: tuple[RankedCause, ...]
    next_questions: tuple[NextQuestion, ...]
    recommendations: tuple[Recommendation, ...]
    # origin group → P(some site of it is affected and explains a reported finding); None in
    # assessments stored before it existed.
    origin_explains: Mapping[str, float] | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of the assessment contract: what ``dataclasses.asdict`` gives
        (tuples stay tuples), built in half its time, on every door's path."""
        out: dict[str, Any] = _plain(self)
        out["answers"] = dict(self.answers)
        out["origin"] = dict(self.origin)
        out["origin_explains"] = (
            None if self.origin_explains is None else dict(self.origin_explains)
        )
        return out


def _plain(value: Any) -> Any:
    """``asdict`` for the assessment's frozen dataclasses, tuples and dicts; every other value
    is immutable here (text, numbers, None), so it is shared rather than deep-copied."""
    cls = type(value)
    if cls is tuple:
        return tuple([_plain(v) for v in value])
    if cls is list:
        return [_plain(v) for v in value]
    if cls is dict:
        return {k: _plain(v) for k, v in value.items()}
    if is_dataclass(cls):
        return {name: _plain(getattr(value, name)) for name in _field_names(cls)}
    return value


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))
