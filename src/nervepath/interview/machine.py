"""The adaptive interview as a small state machine, independent of any terminal or web page.

The flow (design.md, "The reasoning"; issue #16):

1. the start (a self-check only): who it is for, age, sex, how long and how it started; the
   age band answers the age findings (``age_under_40``…), how long the tempo findings
   (``onset_within_2_weeks``, ``symptoms_over_3_months``), how it started ``sudden_onset``;
   who it is for and the sex are kept in the state and the case's ``patient``;
2. where it hurts: the body map (``mark``, or a side and regions), then what it feels like in
   each marked place, one step per place ("What do you feel in the bottom of your left
   heel?"): ticked qualities become ``{quality}_{region}_{side}`` present, the others absent;
   with one leg marked, nothing is felt on the other: its places are answered absent. A part
   of the leg is a place too ("somewhere in my left thigh", ``thigh_left``), for a person who
   cannot place the feeling finer: its ticked qualities answer the part's findings
   (``pain_thigh_left``), which take only "present";
3. every warning sign on one screen, "none of these" the usual answer: ticked ones present,
   the rest absent. Warning signs are the catalogue's (``red_flag: true``, or enough alone
   for an urgent or emergency rule of ``triage.yaml``), most urgent rule first; a graded one
   (a clinician's MRC grade) is asked on its own after the screen;
3b. a self-check's risk factors (``risk_factor: true``: a blood thinner, smoking, diabetes, a
   recent operation…; not the age, nor a warning sign) on one checklist, after any follow-up
   of the screen: ticked present, the rest absent. Each is rare, so asked one by one it ranks
   too low to be reached (a blood thinner 17th to 23rd among the questions on the tuning half),
   yet a present one often decides the result; a checklist costs one question, and patients
   fill such self-administered history forms reliably (orthopaedic surgery candidates: 96 %
   agreement with the practitioner's, https://pubmed.ncbi.nlm.nih.gov/15921474);
4. then one question at a time about the complaint, each naming its side in words: first, on the
   marked side(s), any finding whose answer alone would fire a further emergency rule (at most
   ``ESCALATION_BUDGET``; one that could fire a rule no earlier follow-up could have, and that reads
   a sign ticked on the screen, first), then the question with the highest expected information gain
   about the lesion sites. Places are asked on the body map only, never one by one afterwards
   (``places_asked``: on the published cases a "no" to each unmarked place cost top-3 accuracy), so
   these questions are about the complaint: what brings it on, how it behaves. A question about the
   unmarked leg is asked only if one of its answers would change the top three or the urgency; the
   other leg's twin of a question already asked ("…your left heel?", then "…your right heel?") only
   if its answer would change them with a chance of at least ``MIRROR_CHANGE`` (nor does one below
   it keep the interview going). The top three are the result's: the sites ranked by the chance that
   each explains what was reported, ties by the posterior (:func:`.service.rank_sites`), those of at
   least ``PLAUSIBLE``; after each answer tried, computed as exactly as the result's. It stops when
   no question among the most informative has a chance of at least ``change_floor`` of changing the
   top three or the urgency, or none is worth ``min_gain`` nats (``nothing_left``), when a site
   explains the answers with a chance over ``confident`` (``confident``), after ``unsure_run``
   "don't know" answers in a row (``unsure``), at ``max_questions``, or when the person stops
   (thresholds chosen on the tuning half of the
   published cases only: ``nervepath evaluate tests/published/cases --interview``).

Whenever an answer makes the urgency ``emergency`` for a new reason, the next step is an
``emergency`` step that must be acknowledged (continue or stop) before anything else.
Every state is immutable and kept on a stack, so ``back`` returns to the previous step and
undoes its answer. "unknown" (don't know) is always allowed and changes no probability.

Longer than the house style's ~400 lines on purpose: the ``Interview`` class is one state
machine whose steps share its stack of immutable states; splitting it would expose that
stack to other modules.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from difflib import get_close_matches
from typing import Any, Final, Literal

from pydantic import ValidationError

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessment, Assessor, Differential, rank_sites
from nervepath.assessment.triage import triage
from nervepath.engine.inference import ImpossibleEvidenceError
from nervepath.engine.questions import QuestionScore, rank_questions, should_stop
from nervepath.errors import CaseError
from nervepath.interview.plan import QUALITIES, body_map_answers, plan
from nervepath.interview.start import (
    start_answers,
    start_questions,
)
from nervepath.interview.state import State, StateCache, StateDocument
from nervepath.knowledge.catalogue import UNKNOWN, allowed_values
from nervepath.knowledge.model import SIDES

__all__ = [
    "ESCALATION_BUDGET",
    "MAX_QUESTIONS",
    "QUALITIES",
    "Alert",
    "Interview",
    "Option",
    "Progress",
    "Step",
]

# The stop rule's thresholds, chosen on the tuning half of the published cases only (both
# silent modes; `nervepath evaluate tests/published/cases --interview`, README).
MAX_QUESTIONS: Final = 12
"""Most questions asked one by one after the warning-sign screen."""
MIN_GAIN: Final = 0.04
"""Nats: a question worth less than this about the sites is not asked. KB 0.1.6, tuning half
(the cases naming only a part of the leg replayed too): 0.04 against 0.02 asked 1 question
fewer (median; p90 10 against 13, silence "no") with the same top-1 and top-3 in both silent
modes; 0.05 cost a top-1, 0.1 two top-3."""
CHANGE_FLOOR: Final = 0.2
"""Stop when no question has at least this chance of changing the top three or the urgency.
0.3 kept top-3 4 points under the same cases answered at once (silence "no", tuning half) once
the overstrong signs were weakened; 0.2 keeps it within 2, at 1.5 more questions (median)."""
UNSURE_RUN: Final = 4
"""Stop after this many "don't know" answers in a row: each changed nothing."""
MIN_QUESTIONS: Final = 1
"""Questions asked after the screen before ``CHANGE_FLOOR`` may stop the interview: a result
without one question about the complaint reads as careless (no cost on the tuning half)."""
LOOKAHEAD: Final = 6
"""How many of the most informative questions are tried answer by answer for that chance."""
PLAUSIBLE: Final = 0.05
"""A site that explains the answers with a chance below this is no part of the result a person
acts on: reordering such sites is no change (with a flat differential every answer would
reorder them)."""
MIRROR_CHANGE: Final = 0.5
"""The chance of changing the top three or the urgency that the other leg's twin of a question
already asked needs to be asked, and to keep the interview going: the first leg's answer
usually says what the second would. KB 0.1.9, tuning half, against asking it like any other
question: silence "no" 12 questions fewer in all (median/p90/max 6/11/13 unchanged), top-1
18 against 17, top-3 33 the same; "don't know" 1 fewer, the same ranks. 0.35 measured the
same; 0.2 (the change floor) kept most pairs and cost a top-3. Both heels hurting, "do your
first steps hurt your left heel?" no: the right heel's is still asked (its chance is over 0.5).
"""
_ABOVE_ZERO: Final = 1e-12
ESCALATION_BUDGET: Final = 3
"""Most "one answer from an emergency" follow-up questions put ahead of the most useful one."""
_SIDE_CHOICES: Final = {"left": ("left",), "right": ("right",), "both": SIDES}
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
    "question",
    "emergency",
    "done",
]
Phase = Literal[
    "start", "body_map", "warning_signs", "background", "follow_up", "adaptive", "emergency", "end"
]
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


@dataclass(frozen=True)
class _Entry:
    state: State
    differential: Differential
    step: Step


# An emergency rule → the findings that would fire it (one follow-up answer away).
_Fired = dict[str, frozenset[str]]


class Interview:
    """One interview over an ``Assessor``; ``step`` says what to ask, ``answer`` moves on."""

    def __init__(
        self,
        assessor: Assessor,
        *,
        setting: str = "self_check",
        max_questions: int = MAX_QUESTIONS,
        min_gain: float = MIN_GAIN,
        confident: float = 0.95,
        change_floor: float = CHANGE_FLOOR,
        unsure_run: int = UNSURE_RUN,
        places_asked: bool = False,
        state: Mapping[str, Any] | None = None,
        cache: StateCache[Any] | None = None,
    ) -> None:
        if setting not in ("self_check", "clinician"):
            raise CaseError(f"setting {setting!r}: expected self_check or clinician")
        self.assessor = assessor
        self.kb = assessor.kb
        self.setting = setting
        self.max_questions = max_questions
        self.min_gain = min_gain
        self.confident = confident
        self.change_floor = change_floor
        self.unsure_run = unsure_run
        self.places_asked = places_asked
        self._plan = plan(self.kb, setting)  # the same for every interview: made once
        self._only_sex = {f.id: f for f in self.kb.raw.findings if f.only_sex}
        self._cache = cache
        self._history = [self._entry(State() if state is None else self._resumed(state))]

    # ── what to ask ────────────────────────────────────────────────────────────────────────
    @property
    def step(self) -> Step:
        return self._history[-1].step

    @property
    def can_go_back(self) -> bool:
        return len(self._history) > 1

    @property
    def answers(self) -> dict[str, str]:
        """Every answer so far, ``unknown`` included: finding instance → state."""
        return dict(self._history[-1].state.answers)

    def warning_signs(self) -> tuple[str, ...]:
        """The warning-sign questions for the chosen side(s) (both legs before one is chosen)."""
        return self._warning_signs(self._history[-1].state.sides or SIDES)

    def warning_signs_unanswered(self) -> tuple[str, ...]:
        """Warning-sign questions not asked, or answered "don't know": safety-net them."""
        answers = self._history[-1].state.answers
        return tuple(f for f in self.warning_signs() if answers.get(f, UNKNOWN) == UNKNOWN)

    def progress(self) -> Progress:
        entry = self._history[-1]
        d = entry.differential
        answers = entry.state.answers
        signs = self.warning_signs()
        name, p = d.sites[0] if d.sites else (None, 0.0)
        hidden = self._plan.hidden[name] if name is not None else None
        site = self.kb.sites[hidden.id] if hidden is not None else None
        label = None
        if site is not None:
            label = site.name if self.setting == "clinician" else site.plain_name
        return Progress(
            asked=len(entry.state.asked),
            warning_signs_asked=sum(1 for f in signs if f in answers),
            warning_signs_total=len(signs),
            urgency=d.triage.urgency,
            leading_site=name,
            leading_name=label,
            leading_side=hidden.side if hidden is not None else None,
            leading_probability=p,
        )

    # ── moving on ──────────────────────────────────────────────────────────────────────────
    def answer(self, *values: str) -> Step:
        """Answer the current step with option values; raises ``CaseError`` if not allowed."""
        step = self.step
        state = self._history[-1].state
        allowed = [o.value for o in step.options]
        if step.kind == "done":
            raise CaseError("the interview is over")
        picked = list(dict.fromkeys(v.strip().lower() for v in values))
        if not picked:
            raise CaseError("choose at least one answer")
        if step.exclusive in picked and len(picked) > 1:
            raise CaseError(
                f"{step.exclusive!r} (none of these) goes alone: untick it or the others"
            )
        if not step.multiple and len(picked) > 1:
            raise CaseError("choose one answer")
        for value in picked:
            if value not in allowed:
                near = get_close_matches(value, allowed, n=3, cutoff=0.5)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                raise CaseError(
                    f"{value!r} is not an answer here; expected one of {', '.join(allowed)}{hint}"
                )
        if step.phase == "start":
            start = {**state.start, step.kind: picked[0]}
            new = self._with_answers(
                replace(state, start=start), start_answers(self.kb, {step.kind: picked[0]})
            )
        elif step.kind == "side":
            new = replace(state, sides=_SIDE_CHOICES[picked[0]])
        elif step.kind == "regions":
            regions = tuple(v for v in allowed if v in picked)
            places = tuple(
                p
                for r in regions
                for p in (
                    (r,) if not self._plan.lateral[r] else (f"{r}_{s}" for s in state.sides or ())
                )
            )
            new = self._with_answers(
                replace(state, regions=regions, places=places), self._other_leg(state.sides or ())
            )
        elif step.kind == "feelings":
            new = self._felt(state, {step.place or "": picked})
        elif step.kind in ("warning_signs", "background"):
            listed = tuple(o.value for o in step.options if o.value != NONE_OF_THESE)
            new = self._with_answers(
                replace(state, screen=listed) if step.kind == "warning_signs" else state,
                {n: "present" if n in picked else "absent" for n in listed},
            )
        elif step.kind == "emergency":
            new = replace(
                state,
                shown=state.shown | {a.id for a in step.alerts},
                finished="stopped" if picked[0] == "stop" else None,
            )
        else:
            finding = step.finding or ""
            new = self._with_answers(
                replace(
                    state,
                    asked=(*state.asked, finding),
                    adaptive=state.adaptive + int(step.phase in ("adaptive", "follow_up")),
                    escalations=state.escalations + int(step.phase == "follow_up"),
                    followed=(*state.followed, finding)
                    if step.phase == "follow_up"
                    else state.followed,
                ),
                {finding: picked[0]},
            )
        self._history.append(self._entry(new))
        return self.step

    def back(self) -> Step:
        """Return to the previous step, undoing its answer."""
        if not self.can_go_back:
            raise CaseError("there is nothing to go back to")
        self._history.pop()
        return self.step

    def mark(
        self,
        regions: Iterable[str],
        qualities: Mapping[str, Iterable[str]] | Iterable[str] = (),
    ) -> Step:
        """Answer the body map at once: region instances (``heel_left``, ``saddle``) and,
        optionally, what is felt in each: ``{"heel_left": ["pain"]}``, or ``["unknown"]``
        alone: marked, what is felt there not said (nothing is answered about it; a case that
        names only a part of the leg, "pain in the thigh", says no more). A place left out of
        the mapping is asked about next, one step per place; a plain list of qualities (the
        clinician's form) applies to every place. Only those exact places are marked, so a
        left heel and a right calf stay apart; the sides follow from the places (both legs
        when only midline ones are marked). A part of the leg is a place too (``thigh_left``,
        ``whole_leg_right``: "somewhere in my left thigh", not placed finer): what is felt
        there answers the part's findings (``pain_thigh_left``), only those ticked.
        """
        state = self._history[-1].state
        if state.places is not None or state.sides is not None:
            raise CaseError("the body map is already answered; go back to change it")
        places = list(dict.fromkeys(regions))
        unknown = [p for p in places if p not in self._plan.places]
        if unknown or not places:
            near = get_close_matches(unknown[0], list(self._plan.places), n=3) if unknown else []
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise CaseError(
                f"regions: {unknown[0]!r} is not a body-map region{hint}"
                if unknown
                else "regions: mark at least one place"
            )
        if isinstance(qualities, Mapping):
            felt = {str(k): list(dict.fromkeys(v)) for k, v in qualities.items()}
            stray = [p for p in felt if p not in places]
            if stray:
                raise CaseError(f"qualities › {stray[0]}: not a marked place; mark it first")
        else:
            every = list(dict.fromkeys(qualities))
            felt = {p: every for p in places} if every else {}
        for place, chosen in felt.items():
            if chosen == [UNKNOWN]:
                continue  # marked, what is felt there not said
            allowed = [o.value for o in self._quality_options(place)]
            wrong = [q for q in chosen if q not in allowed]
            if wrong or not chosen:
                raise CaseError(
                    f"qualities › {place}: {wrong[0]!r} is not one of {', '.join(allowed)}"
                    if wrong
                    else f"qualities › {place}: choose at least one"
                )
        sides = (
            tuple(s for s in SIDES if any(self._plan.places[p][1] == s for p in places)) or SIDES
        )
        new = replace(
            state,
            sides=sides,
            regions=tuple(
                dict.fromkeys(self._plan.places[p][0] for p in places if p not in self._plan.parts)
            ),
            places=tuple(places),
        )
        new = self._with_answers(new, self._other_leg(sides))
        self._history.append(self._entry(self._felt(new, felt)))
        return self.step

    def quit(self) -> Step:
        """Stop asking; the assessment uses the answers so far."""
        state = self._history[-1].state
        if state.finished is None:
            self._history.append(self._entry(replace(state, finished="quit")))
        return self.step

    # ── results ────────────────────────────────────────────────────────────────────────────
    def state_document(self) -> dict[str, Any]:
        """The current state as JSON-able data: a client that keeps it (and the earlier ones,
        for "back") can continue the interview later through ``Interview(..., state=...)``."""
        return StateDocument.from_state(self._history[-1].state).model_dump(mode="json")

    def case(self) -> Case:
        return Case.model_validate(self.case_document())

    def case_document(self) -> dict[str, Any]:
        """The case as the JSON document of the case contract (the sex, when given, as the
        patient's; the age band is in the age findings it answers)."""
        state = self._history[-1].state
        sex = state.start.get("sex")
        patient = {"sex": sex} if sex in ("female", "male", "other") else {}
        return {"setting": self.setting, "patient": patient, "answers": dict(state.answers)}

    @property
    def start(self) -> dict[str, str]:
        """The start's answers: ``for_whom``, ``age``, ``sex``, ``duration``, ``onset``."""
        return dict(self._history[-1].state.start)

    def assessment(self) -> Assessment:
        return self.assessor.assess(self.case())

    # ── internals ──────────────────────────────────────────────────────────────────────────
    def _resumed(self, document: Mapping[str, Any]) -> State:
        try:
            doc = StateDocument.model_validate(document)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "state"
            raise CaseError(f"state › {where}: {first['msg']}") from None
        options = {q.key: {v for v, _ in q.options} for q in start_questions(self.kb)}
        for key, value in doc.start.items():
            if key not in options or value not in options[key]:
                raise CaseError(f"state › start › {key}: {value!r} is not an answer here")
        for place in (*(doc.places or ()), *doc.felt):
            if place not in self._plan.places:
                raise CaseError(f"state › places: {place!r} is not a body-map region")
        return doc.to_state()

    def _other_leg(self, sides: Iterable[str]) -> dict[str, str]:
        """One leg chosen: nothing is felt anywhere on the other, so its body-map findings
        are answered no (and never asked one by one)."""
        others = [s for s in SIDES if s not in tuple(sides)]
        if len(others) != 1:
            return {}
        return {
            name: "absent"
            for place, (rid, side) in self._plan.places.items()
            if side == others[0] and place not in self._plan.parts  # its regions say it all
            for name in self._body_map_answers((side,), (rid,), QUALITIES)
        }

    def _felt(self, state: State, felt: Mapping[str, Iterable[str]]) -> State:
        """What is felt in each place: ticked qualities present, the others there absent. In
        a part of the leg (``thigh_left``: somewhere in it, not placed finer) only the ticked
        ones: "no numbness anywhere in my leg" is a claim about each of its places that a
        person who cannot place the feeling has not made, and a place of the part marked too
        would say the opposite."""
        answers: dict[str, str] = {}
        for place, chosen in felt.items():
            rid, side = self._plan.places[place]
            if list(chosen) == [UNKNOWN]:
                continue  # marked, nothing said about what is felt there
            part = place in self._plan.parts
            for option in self._quality_options(place):
                present = option.value in chosen
                if part and not present:
                    continue
                for name in self._body_map_answers((side,) if side else (), (rid,), [option.value]):
                    answers[name] = "present" if present else "absent"
        done = {**state.felt, **{p: tuple(q for q in QUALITIES if q in c) for p, c in felt.items()}}
        return self._with_answers(replace(state, felt=done), answers)

    def _with_answers(self, state: State, new: Mapping[str, str]) -> State:
        """Add answers, and the same answers to unanswered questions worded the same."""
        answers = dict(state.answers)
        for name, value in new.items():
            answers[name] = value
            for twin in self._plan.twins.get(name, ()):
                answers.setdefault(twin, value)
        return replace(state, answers=answers)

    def _entry(self, state: State) -> _Entry:
        if self._cache is None:
            return self._compute_entry(state)
        key = (
            self.setting,
            self.max_questions,
            self.min_gain,
            self.confident,
            self.change_floor,
            self.unsure_run,
            self.places_asked,
        )
        entry: _Entry = self._cache.get(key, state, lambda: self._compute_entry(state))
        return entry

    def _compute_entry(self, state: State) -> _Entry:
        try:
            d = self.assessor.differential(Case(setting=self.setting, answers=dict(state.answers)))
            return self._step(state, d)
        except ImpossibleEvidenceError:
            raise CaseError(
                "this answer contradicts the earlier ones; check them, or answer don't know"
            ) from None

    def _step(self, state: State, d: Differential) -> _Entry:
        entry = _Entry(state, d, Step("done", "end", "", reason=state.finished))
        if state.finished is not None:
            return entry
        # An emergency reason not yet acknowledged comes before anything else.
        alerts = tuple(a for a in _emergencies(d) if a.id not in state.shown)
        if alerts:
            return replace(entry, step=Step(
                "emergency",
                "emergency",
                "EMERGENCY: go to an emergency department (A&E) now, or call an ambulance.",
                (Option("continue", "continue the questions"), Option("stop", "stop here")),
                alerts=alerts,
            ))  # fmt: skip
        step = self._body_map_step(state)
        if step is not None:
            return replace(entry, step=step)
        signs = [n for n in self._warning_signs(state.sides or SIDES) if n not in state.answers]
        # Yes/no signs on one screen; a graded one (a clinician's MRC grade) one by one.
        ticked = [n for n in signs if not self.kb.findings[self._plan.instances[n].id].graded]
        if ticked and not state.screen:
            return replace(entry, step=self._screen(ticked))
        if signs:
            return replace(entry, step=self._question(state, signs[0], "warning_signs"))
        if state.adaptive >= self.max_questions:
            return replace(entry, step=Step("done", "end", "", reason="max_questions"))
        return self._adaptive(state, d)

    def _body_map_step(self, state: State) -> Step | None:
        """The start, then the body map and the feelings of each marked place, or None."""
        for question in self._plan.start:
            if question.key not in state.start:
                options = tuple(Option(v, label) for v, label in question.options)
                text = question.worded(state.start.get("for_whom"))
                return Step(question.key, "start", text, options)  # type: ignore[arg-type]
        if state.sides is None:
            options = tuple(Option(k, k) for k in _SIDE_CHOICES)
            return Step("side", "body_map", "Which side hurts?", options)
        if state.regions is None:
            return Step(
                "regions",
                "body_map",
                "Where is it? Choose every place that is affected.",
                tuple(self._region_options()),
                multiple=True,
            )
        for place in state.places or ():
            options = tuple(self._quality_options(place))
            if place not in state.felt and options:
                return Step(
                    "feelings",
                    "body_map",
                    f"What do you feel in {self._plan.place_words[place]}? Choose all that apply.",
                    options,
                    multiple=True,
                    place=place,
                    side=self._plan.places[place][1],
                )
        return None

    def _screen(self, signs: Iterable[str]) -> Step:
        """Every unanswered warning sign on one screen, "none of these" last."""
        clinician = self.setting == "clinician"
        options = [Option(n, self._plan.texts[n][int(clinician)]) for n in signs]
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

    def _background(self, names: Iterable[str]) -> Step:
        """The risk factors not yet answered on one checklist, "none of these" last."""
        return Step(
            "background",
            "background",
            "Do any of these apply to you? Tick each one that does; most people have few or none.",
            (
                *(Option(n, self._plan.texts[n][0]) for n in names),
                Option(NONE_OF_THESE, "none of these"),
            ),
            multiple=True,
            exclusive=NONE_OF_THESE,
        )

    def _background_done(self, state: State) -> int:
        """1 once the risk-factor checklist is answered (it answers every item), else 0."""
        return int(
            bool(self._plan.background)
            and all(
                n in state.answers
                for n in self._plan.background
                if self._for_sex(n, state.start.get("sex"))
            )
        )

    def _adaptive(self, state: State, d: Differential) -> _Entry:
        """The next question about the complaint, or the end (see the module's stop rule)."""
        entry = _Entry(state, d, Step("done", "end", "", reason="nothing_left"))
        sides = state.sides or SIDES
        sex = state.start.get("sex")
        unasked = [
            c
            for c in self.assessor.candidates(self.setting, d.evidence)
            if c not in state.answers and self._for_sex(c, sex)
        ]
        candidates = [c for c in unasked if self.places_asked or c not in self._plan.place_findings]
        # Only an abnormal answer brings a rule nearer: look again after the screen, after a
        # follow-up and after any answer but no or don't know (triage is slow to repeat).
        last = state.asked[-1] if state.asked else None
        again = last is None or last in state.followed
        if state.escalations < ESCALATION_BUDGET and (
            again or state.answers.get(last or "") not in ("absent", UNKNOWN)
        ):
            triage_only = [n for n in self._plan.triage_only if n not in state.answers]
            on_side = [
                c
                for c in (*unasked, *triage_only)
                if self._plan.instances[c].side in (None, *sides)
            ]
            escalating = self._escalating(d.evidence, on_side)
            if escalating:
                best = rank_questions(
                    d.network or self.assessor.compiled_for(d.evidence),
                    d.evidence,
                    candidates=self._follow_first(state, d.evidence, escalating),
                    targets=self._plan.targets,
                    top=1,
                )
                return replace(entry, step=self._question(state, best[0].finding, "follow_up"))
        # After the follow-ups, before the questions one by one: the risk factors on one
        # checklist, then never again (all of them are answered by it).
        background = [n for n in self._plan.background if n in unasked]
        if background:
            return replace(entry, step=self._background(background))
        scores = rank_questions(
            d.network or self.assessor.compiled_for(d.evidence),
            d.evidence,
            candidates=candidates,
            targets=self._plan.targets,
            top=LOOKAHEAD,
        )
        # Confident as the result ranks: a site that explains what was reported (``explains``
        # is at most the posterior, and the ranking's key).
        explains = list(d.explains.values())
        if should_stop(scores, explains, min_gain=self.min_gain, confident=self.confident):
            confident = any(p > self.confident for p in explains)
            return replace(
                entry, step=replace(entry.step, reason="confident" if confident else "nothing_left")
            )
        # The most informative questions, tried answer by answer: the chance that the answer
        # changes the top three or the urgency. The other leg's only if that chance is > 0.
        if self.unsure_run and _trailing_unknown(state) >= self.unsure_run:
            # "don't know" changes nothing: more of the same would not either. Said apart from
            # "nothing_left", so that a result resting on few answers reads as such.
            return replace(entry, step=replace(entry.step, reason="unsure"))
        # Each answer tried costs the explains batch: stop trying once the question and
        # whether it is settled are decided.
        may_settle = state.adaptive >= MIN_QUESTIONS
        best_change, chosen = 0.0, None
        for score in scores[:LOOKAHEAD]:
            if score.expected_information_gain < self.min_gain:
                break
            if chosen is not None and (best_change >= self.change_floor or not may_settle):
                break
            needed = self._needed(state, score.finding, sides)
            change = self._change(d, score, enough=max(self.change_floor, needed))
            if needed > _ABOVE_ZERO and change < needed:
                continue  # a twin not worth asking again keeps nothing going
            best_change = max(best_change, change)
            if chosen is None and change >= needed:
                chosen = score.finding
        if chosen is None or (best_change < self.change_floor and may_settle):
            return entry
        return replace(entry, step=self._question(state, chosen, "adaptive"))

    def _needed(self, state: State, name: str, sides: tuple[str, ...]) -> float:
        """The chance of changing the result that asking ``name`` needs: any, on a marked
        side (0); above 0 on the unmarked leg; ``MIRROR_CHANGE`` for the other leg's twin of a
        question already asked ("…your left leg?" then "…your right leg?"): the first answer
        usually says what the second would."""
        if self._plan.instances[name].side not in (None, *sides):
            return _ABOVE_ZERO
        if self._plan.mirrors.get(name) in state.asked:
            return MIRROR_CHANGE
        return 0.0

    def _change(self, d: Differential, score: QuestionScore, *, enough: float) -> float:
        """P(the answer to this question changes the top three sites or the urgency), or,
        once it has reached ``enough`` (and is above 0), that much: more decides nothing.

        The top three are the result's own (:func:`.service.rank_sites`: what each site
        explains, ties by the posterior), after each answer computed exactly as the result
        would be (the score's posteriors alone would rank them otherwise). The urgency is
        triaged again only for a finding some triage rule reads. Likelier answers first:
        one often reaches ``enough``, and each costs a propagation of the explains batch.
        """
        top = _result(d.sites, d.explains)
        name = score.finding
        states = self.kb.findings[self._plan.instances[name].id].states
        out = 0.0
        targets = self._plan.targets
        answers = sorted(
            zip(states, score.state_probabilities, score.state_posteriors, strict=True),
            key=lambda a: -a[1],
        )
        for value, p, after in answers:
            if out > 0.0 and out >= enough:
                break
            if p <= 0.0:
                continue  # an answer that cannot be given changes nothing
            evidence = {**d.evidence, name: value}
            # A site explains at most its posterior (the score's, after this answer): one under
            # PLAUSIBLE is in no result, and what it explains is not needed (most sites: the
            # batch's cost). Those that may be get both numbers from one batch.
            plausible = [t for t, q in zip(targets, after, strict=True) if q >= PLAUSIBLE - 1e-9]
            try:
                causing = self.assessor.explaining(evidence, plausible)
            except ImpossibleEvidenceError:
                continue  # P(answer) rounded above 0
            explains = {t: c.explains for t, c in causing.items()}
            ranked = rank_sites(plausible, {t: c.present for t, c in causing.items()}, explains)
            changed = _result(ranked, explains) != top
            if not changed and self._plan.instances[name].id in self.kb.triaged_findings:
                urgency = triage(
                    self.kb,
                    evidence,
                    dict(zip(targets, after, strict=True)),
                    cause_probabilities=dict(d.causes),
                    site_explains=explains,
                ).urgency
                changed = urgency != d.triage.urgency
            out += p if changed else 0.0
        return out

    def _question(self, state: State, name: str, phase: Phase) -> Step:
        inst = self._plan.instances[name]
        finding = self.kb.findings[inst.id]
        values = allowed_values(finding)
        plain, clinical = self._plan.texts[name]
        return Step(
            "question",
            phase,
            clinical if self.setting == "clinician" else plain,
            tuple(Option(v, _YES_NO.get(v, v)) for v in values),
            finding=name,
            side=inst.side,
            plain=plain,
            # As the catalogue says: saddle numbness is a warning sign though derived.
            red_flag=inst.id in self.kb.red_flag_findings,
            # The warning-sign screen and the risk-factor checklist count one each.
            number=len(state.asked) + int(bool(state.screen)) + self._background_done(state) + 1,
        )

    def _region_options(self) -> Iterator[Option]:
        for region in self._plan.regions:
            label = region.name
            if self.setting == "clinician":
                label = f"{region.clinical_name} ({region.name})"
            yield Option(region.id, label, region.group)

    def _quality_options(self, place: str) -> Iterator[Option]:
        rid, side = self._plan.places[place]
        for quality in QUALITIES:
            if self._body_map_answers((side,) if side else (), (rid,), [quality]):
                yield Option(quality, quality.replace("_", " "))

    def _body_map_answers(
        self, sides: Iterable[str], regions: Iterable[str], qualities: Iterable[str]
    ) -> dict[str, str]:
        return body_map_answers(self._plan.instances, sides, regions, qualities)

    def _for_sex(self, name: str, sex: str | None) -> bool:
        """Whether it may be asked of a patient of this sex (:meth:`Finding.possible_for`)."""
        finding = self._only_sex.get(self._plan.instances[name].id)
        return finding is None or finding.possible_for(sex)

    def _warning_signs(self, sides: Iterable[str]) -> tuple[str, ...]:
        """The warning-sign questions in order, each wording once (its twins share the answer)."""
        sides = tuple(sides)
        out: list[str] = []
        for base in self._plan.warning_order:
            for side in (None, *SIDES):
                name = base if side is None else f"{base}_{side}"
                if (
                    name in self._plan.instances
                    and (side is None or side in sides)
                    and not any(t in out for t in self._plan.twins.get(name, ()))
                ):
                    out.append(name)
        return tuple(out)

    def _follow_first(
        self, state: State, evidence: Mapping[str, str], escalating: Mapping[str, _Fired]
    ) -> list[str]:
        """The follow-up candidates to rank, the most pressing tier only: first those that
        could fire an emergency rule no earlier follow-up could have fired AND that reads a
        warning sign ticked on the screen (a swollen calf ticked: the breathlessness of a clot
        on the lung, the pain of a compartment syndrome), then any such new rule, then the
        rest. So the budget is not spent on one rule's many items (each leg movement of a new
        weakness) while another emergency's single question goes unasked."""
        probed = self._escalating(evidence, state.followed, answered=True)
        asked_rules = {rule for fired in probed.values() for rule in fired}
        ticked = {n for n in state.screen if state.answers.get(n) == "present"}

        def tier(name: str) -> int:
            new = {r: f for r, f in escalating[name].items() if r not in asked_rules}
            if not new:
                return 2
            return 0 if any(found & ticked for found in new.values()) else 1

        best = min(tier(n) for n in escalating)
        return [n for n in escalating if tier(n) == best]

    def _escalating(
        self, evidence: Mapping[str, str], candidates: Iterable[str], *, answered: bool = False
    ) -> dict[str, _Fired]:
        """Unanswered findings one of whose answers alone would fire a new emergency rule,
        each with the rules it would fire and the findings that would fire them;
        ``answered``: findings already answered, as if their answer were changed (what an
        earlier follow-up question could have fired)."""

        def emergency_rules(answers: Mapping[str, str]) -> _Fired:
            found = triage(self.kb, answers, {}).red_flags
            return {f.id: frozenset(f.findings) for f in found if f.level == "emergency"}

        now = {} if answered else emergency_rules(evidence)
        out: dict[str, _Fired] = {}
        for name in candidates:
            if self._plan.instances[name].id not in self.kb.triaged_findings:
                continue
            base = evidence
            if answered:
                base = {k: v for k, v in evidence.items() if k != name}
                now = emergency_rules(base)
            states = self.kb.findings[self._plan.instances[name].id].states
            # states[0] is the normal state (absent, MRC 5, normal reflex).
            rules: dict[str, frozenset[str]] = {}
            for value in states[1:]:
                for rule, found in emergency_rules({**base, name: value}).items():
                    if rule not in now:
                        rules[rule] = rules.get(rule, frozenset()) | found
            if rules:
                out[name] = rules
        return out


def _result(sites: Iterable[tuple[str, float]], explains: Mapping[str, float]) -> frozenset[str]:
    """The top three of the ranked sites, those that explain the answers with a chance of at
    least ``PLAUSIBLE``: what an answer may change."""
    return frozenset(n for n, _ in list(sites)[:3] if explains[n] >= PLAUSIBLE)


def _emergencies(d: Differential) -> Iterator[Alert]:
    for flag in d.triage.red_flags:
        if flag.level == "emergency":
            yield Alert(flag.id, flag.plain, flag.clinical, flag.citation)
    for base in d.triage.baselines:
        if base.level == "emergency":
            yield Alert(base.id, base.plain, base.clinical, base.citation)


def _trailing_unknown(state: State) -> int:
    """How many of the last questions asked in a row were answered "don't know"."""
    run = 0
    for name in reversed(state.asked):
        if state.answers.get(name) != UNKNOWN:
            break
        run += 1
    return run
