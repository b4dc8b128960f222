"""What an interview step says — the kinds of step, their options, the progress line — and
the steps that are the same wherever they come: a question, the warning-sign screen, the
risk-factor checklist, an emergency."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Final, Literal

from nervepath.assessment.service import Differential
from nervepath.errors import CaseError
from nervepath.interview.plan import Plan
from nervepath.knowledge.catalogue import UNKNOWN, allowed_values
from nervepath.knowledge.model import SIDES, KnowledgeBase

__all__ = [
    "CHECKLISTS",
    "NONE_OF_THESE",
    "Alert",
    "Option",
    "Phase",
    "Progress",
    "Step",
    "StepKind",
    "checklist_step",
    "emergencies",
    "emergency_step",
    "picked_values",
    "question_step",
    "screen_step",
    "warning_signs",
]

_YES_NO: Final = {"present": "yes", "absent": "no", UNKNOWN: "don't know"}

StepKind = Literal[
    "for_whom",
    "age",
    "sex",
    "duration",
    "onset",
    "side",
    "regions",
    "feelings",
    "warning_signs",
    "background",
    "signs",
    "question",
    "emergency",
    "done",
]
Phase = Literal[
    "start",
    "body_map",
    "warning_signs",
    "background",
    "signs",
    "follow_up",
    "adaptive",
    "emergency",
    "end",
]
CHECKLISTS: Final = ("warning_signs", "background", "signs")
"""The steps that list several yes/no findings at once: ticked present, the others absent."""
_CHECKLIST_TEXT: Final = {
    "background": "Do any of these apply to you? Tick each one that does; most people have "
    "few or none.",
    "signs": "Have you noticed any of these? Tick each one that applies; most people have "
    "none of them.",
}
NONE_OF_THESE: Final = "none"


@dataclass(frozen=True)
class Option:
    """One allowed answer: ``value`` is what ``Interview.answer`` takes."""

    value: str
    label: str
    group: str | None = None  # regions: foot, ankle, leg, knee, thigh, hip, pelvis, back


@dataclass(frozen=True)
class Alert:
    """A reason for an emergency: a red-flag rule that fired or a probability baseline."""

    id: str
    plain: str
    clinical: str
    citation: str


@dataclass(frozen=True)
class Step:
    """What to ask now. ``done`` steps carry ``reason``; ``emergency`` steps ``alerts``."""

    kind: StepKind
    phase: Phase
    text: str
    options: tuple[Option, ...] = ()
    multiple: bool = False
    finding: str | None = None  # questions: the finding instance asked
    place: str | None = None  # feelings: the region instance asked about (heel_left)
    side: str | None = None  # questions: the leg it is about (None: midline or general)
    plain: str = ""  # questions: the person's wording (text is the clinician's in that setting)
    red_flag: bool = False
    number: int = 0  # questions: 1-based number of this question
    alerts: tuple[Alert, ...] = ()
    # done: confident | nothing_left | unsure (a run of "don't know") | max_questions | quit |
    # stopped
    reason: str | None = None
    exclusive: str | None = None  # multiple choice: the option that goes alone ("none")


@dataclass(frozen=True)
class Progress:
    """How far the interview is, and what leads so far."""

    asked: int
    warning_signs_asked: int
    warning_signs_total: int
    urgency: str
    leading_site: str | None  # instance name, e.g. l5_root_left
    leading_name: str | None  # plain name in a self-check, clinical name for a clinician
    leading_side: str | None
    leading_probability: float


def question_step(
    kb: KnowledgeBase, plan: Plan, setting: str, name: str, phase: Phase, *, number: int
) -> Step:
    """One finding asked on its own, in the setting's words, its side named."""
    inst = plan.instances[name]
    finding = kb.findings[inst.id]
    values = allowed_values(finding)
    plain, clinical = plan.texts[name]
    return Step(
        "question",
        phase,
        clinical if setting == "clinician" else plain,
        tuple(Option(v, _YES_NO.get(v, v)) for v in values),
        finding=name,
        side=inst.side,
        plain=plain,
        # As the catalogue says: saddle numbness is a warning sign though derived.
        red_flag=inst.id in kb.red_flag_findings,
        number=number,
    )


def screen_step(plan: Plan, setting: str, signs: Iterable[str]) -> Step:
    """Every unanswered warning sign on one screen, "none of these" last."""
    clinician = setting == "clinician"
    options = [Option(n, plan.texts[n][int(clinician)]) for n in signs]
    return Step(
        "warning_signs",
        "warning_signs",
        "Have you had any of these since this started? Tick each one that applies; "
        "most people have none of them.",
        (*options, Option(NONE_OF_THESE, "none of these")),
        multiple=True,
        red_flag=True,
        exclusive=NONE_OF_THESE,
    )


def checklist_step(
    plan: Plan, names: Iterable[str], kind: Literal["background", "signs"] = "background"
) -> Step:
    """The risk factors, or the rare noticed signs, not yet answered on one checklist, "none
    of these" last."""
    return Step(
        kind,
        kind,
        _CHECKLIST_TEXT[kind],
        (
            *(Option(n, plan.texts[n][0]) for n in names),
            Option(NONE_OF_THESE, "none of these"),
        ),
        multiple=True,
        exclusive=NONE_OF_THESE,
    )


def emergency_step(alerts: tuple[Alert, ...]) -> Step:
    """An emergency to acknowledge (continue or stop) before anything else."""
    return Step(
        "emergency",
        "emergency",
        "EMERGENCY: go to an emergency department (A&E) now, or call an ambulance.",
        (Option("continue", "continue the questions"), Option("stop", "stop here")),
        alerts=alerts,
    )


def emergencies(d: Differential) -> Iterator[Alert]:
    """The differential's emergency reasons: red-flag rules, then probability baselines."""
    for flag in d.triage.red_flags:
        if flag.level == "emergency":
            yield Alert(flag.id, flag.plain, flag.clinical, flag.citation)
    for base in d.triage.baselines:
        if base.level == "emergency":
            yield Alert(base.id, base.plain, base.clinical, base.citation)


def picked_values(step: Step, values: Iterable[str]) -> list[str]:
    """The option values chosen for ``step``, each once; ``CaseError`` if not allowed there."""
    allowed = [o.value for o in step.options]
    if step.kind == "done":
        raise CaseError("the interview is over")
    picked = list(dict.fromkeys(v.strip().lower() for v in values))
    if not picked:
        raise CaseError("choose at least one answer")
    if step.exclusive in picked and len(picked) > 1:
        raise CaseError(f"{step.exclusive!r} (none of these) goes alone: untick it or the others")
    if not step.multiple and len(picked) > 1:
        raise CaseError("choose one answer")
    for value in picked:
        if value not in allowed:
            near = get_close_matches(value, allowed, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise CaseError(
                f"{value!r} is not an answer here; expected one of {', '.join(allowed)}{hint}"
            )
    return picked


def warning_signs(plan: Plan, sides: Iterable[str]) -> tuple[str, ...]:
    """The warning-sign questions in order, each wording once (its twins share the answer)."""
    sides = tuple(sides)
    out: list[str] = []
    for base in plan.warning_order:
        for side in (None, *SIDES):
            name = base if side is None else f"{base}_{side}"
            if (
                name in plan.instances
                and (side is None or side in sides)
                and not any(t in out for t in plan.twins.get(name, ()))
            ):
                out.append(name)
    return tuple(out)
