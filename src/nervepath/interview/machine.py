"""The adaptive interview as a small state machine, independent of any terminal or web page.

The flow (design.md, "The reasoning"; issue #16):

1. the start (a self-check only): who it is for, age, sex, how long and how it started; the
   age band answers the age findings (``age_under_40``…), how long the tempo findings
   (``onset_within_2_weeks``, ``symptoms_over_3_months``), how it started ``sudden_onset``;
   who it is for and the sex are kept in the state and the case's ``patient``;
2. where it hurts: the body map (``mark``, or a side and regions), then what it feels like in
   each marked place, one step per place ("What do you feel in the bottom of your left
   heel?"): ticked qualities become ``{quality}_{region}_{side}`` present, the others are
   left unsaid (:func:`.body_map.felt_answers` says why); with one leg marked, nothing is
   felt on the other: its places are answered absent. A part
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
3c. a self-check's rare signs a person notices (``noticed: true``: a lump along the nerve, a
   thinner calf or thigh, a swollen knee, being unable to bear weight) on the marked leg(s), on
   another checklist: each decisive when present, each too rare to be reached asked alone;
4. then one question at a time about the complaint, each naming its side in words: first, on the
   marked side(s), any finding whose answer alone would fire a further emergency rule
   (:mod:`.escalation`), then the most informative question about the lesion sites, until the
   stop rule says enough (:mod:`.adaptive`, which says both in full).

Whenever an answer makes the urgency ``emergency`` for a new reason, the next step is an
``emergency`` step that must be acknowledged (continue or stop) before anything else.
Every state is immutable and kept on a stack, so ``back`` returns to the previous step and
undoes its answer. "unknown" (don't know) is always allowed and changes no probability.

The parts live apart, each owning one thing, while this class keeps the stack of states:
the steps' words and options (:mod:`.steps`), the start and body map (:mod:`.body_map`),
the follow-ups one answer from an emergency (:mod:`.escalation`), the choice of the next
question and the stop rule with its thresholds (:mod:`.adaptive`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessment, Assessor, Differential
from nervepath.engine.inference import ImpossibleEvidenceError
from nervepath.errors import CaseError
from nervepath.interview import body_map
from nervepath.interview.adaptive import (
    CHANGE_FLOOR,
    MAX_QUESTIONS,
    MIN_GAIN,
    UNSURE_RUN,
    Ask,
    Checklist,
    Chooser,
)
from nervepath.interview.plan import QUALITIES, plan
from nervepath.interview.start import start_answers, start_questions
from nervepath.interview.state import State, StateCache, StateDocument, resumed
from nervepath.interview.steps import (
    CHECKLISTS,
    NONE_OF_THESE,
    Phase,
    Progress,
    Step,
    checklist_step,
    emergencies,
    emergency_step,
    picked_values,
    question_step,
    screen_step,
    warning_signs,
)
from nervepath.knowledge.catalogue import UNKNOWN
from nervepath.knowledge.model import SIDES

__all__ = ["Interview"]


@dataclass(frozen=True)
class _Entry:
    state: State
    differential: Differential
    step: Step


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
        self._plan = plan(self.kb, setting)  # the same for every interview: made once
        self._chooser = Chooser(
            assessor,
            self._plan,
            setting=setting,
            min_gain=min_gain,
            confident=confident,
            change_floor=change_floor,
            unsure_run=unsure_run,
            places_asked=places_asked,
        )
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
        return warning_signs(self._plan, self._history[-1].state.sides or SIDES)

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
        picked = picked_values(step, values)
        if step.phase == "start":
            start = {**state.start, step.kind: picked[0]}
            new = self._with_answers(
                replace(state, start=start), start_answers(self.kb, {step.kind: picked[0]})
            )
        elif step.kind == "side":
            new = replace(state, sides=body_map.SIDE_CHOICES[picked[0]])
        elif step.kind == "regions":
            regions = tuple(o.value for o in step.options if o.value in picked)
            places = body_map.region_places(self._plan, regions, state.sides or ())
            new = self._with_answers(
                replace(state, regions=regions, places=places),
                body_map.other_leg(self._plan, state.sides or ()),
            )
        elif step.kind == "feelings":
            new = self._felt(state, {step.place or "": picked})
        elif step.kind in CHECKLISTS:
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
        places, felt = body_map.checked_marks(self._plan, regions, qualities)
        sides = body_map.marked_sides(self._plan, places)
        new = replace(
            state,
            sides=sides,
            regions=tuple(
                dict.fromkeys(self._plan.places[p][0] for p in places if p not in self._plan.parts)
            ),
            places=tuple(places),
        )
        new = self._with_answers(new, body_map.other_leg(self._plan, sides))
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
        options = {q.key: {v for v, _ in q.options} for q in start_questions(self.kb)}
        return resumed(document, start=options, places=self._plan.places)

    def _felt(self, state: State, felt: Mapping[str, Iterable[str]]) -> State:
        """What is felt in each place answered (:func:`.body_map.felt_answers`), and kept."""
        done = {**state.felt, **{p: tuple(q for q in QUALITIES if q in c) for p, c in felt.items()}}
        answers = body_map.felt_answers(self._plan, felt)
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
        key = (self.setting, self.max_questions, *self._chooser.thresholds)
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
        alerts = tuple(a for a in emergencies(d) if a.id not in state.shown)
        if alerts:
            return replace(entry, step=emergency_step(alerts))
        step = body_map.body_map_step(self._plan, self.setting, state)
        if step is not None:
            return replace(entry, step=step)
        signs = [
            n for n in warning_signs(self._plan, state.sides or SIDES) if n not in state.answers
        ]
        # Yes/no signs on one screen; a graded one (a clinician's MRC grade) one by one.
        ticked = [n for n in signs if not self.kb.findings[self._plan.instances[n].id].graded]
        if ticked and not state.screen:
            return replace(entry, step=screen_step(self._plan, self.setting, ticked))
        if signs:
            return replace(entry, step=self._question(state, signs[0], "warning_signs"))
        if state.adaptive >= self.max_questions:
            return replace(entry, step=Step("done", "end", "", reason="max_questions"))
        return replace(entry, step=self._adaptive(state, d))

    def _checklists_done(self, state: State) -> int:
        """How many of the risk-factor and the noticed-sign checklists are answered (each
        answers every item it lists: the first for the patient's sex, the second for the
        marked side(s))."""
        sex, sides = state.start.get("sex"), (None, *(state.sides or SIDES))
        lists = (
            [n for n in self._plan.background if self._chooser.for_sex(n, sex)],
            [n for n in self._plan.signs if self._plan.instances[n].side in sides],
        )
        return sum(bool(names) and all(n in state.answers for n in names) for names in lists)

    def _adaptive(self, state: State, d: Differential) -> Step:
        """The next question about the complaint, or the end (:class:`.adaptive.Chooser`)."""
        chosen = self._chooser.next(state, d)
        if isinstance(chosen, Ask):
            return self._question(state, chosen.finding, chosen.phase)
        if isinstance(chosen, Checklist):
            return checklist_step(self._plan, chosen.names, chosen.kind)
        return Step("done", "end", "", reason=chosen.reason)

    def _question(self, state: State, name: str, phase: Phase) -> Step:
        # The warning-sign screen and each checklist count one each.
        number = len(state.asked) + int(bool(state.screen)) + self._checklists_done(state) + 1
        return question_step(self.kb, self._plan, self.setting, name, phase, number=number)
