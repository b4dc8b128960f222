"""The adaptive interview as a small state machine, independent of any terminal or web page.

The flow (design.md, "The reasoning"):

1. where it hurts: the side, the body-map regions, what it feels like there; each chosen
   quality × region × side becomes a ``{quality}_{region}_{side}`` finding answered present;
2. the warning-sign (red-flag) questions, always, whatever the probabilities: every finding
   with ``red_flag: true`` in this setting, plus every finding an ``emergency`` rule of
   ``triage.yaml`` names by its id (saddle numbness, back pain…), most urgent rule first;
3. then one question at a time: first, on the chosen side(s), any finding whose answer alone
   would fire a further emergency rule (fever and back pain make every numbness a candidate;
   at most ``ESCALATION_BUDGET`` of these), then the question with the highest expected
   information gain about the lesion sites, until the stop rule (``should_stop``),
   ``max_questions`` or the person stops.

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
from nervepath.assessment.service import Assessment, Assessor, Differential
from nervepath.assessment.triage import triage, urgency_rank
from nervepath.engine.inference import ImpossibleEvidenceError
from nervepath.engine.questions import rank_questions, should_stop
from nervepath.errors import CaseError
from nervepath.interview.state import State, StateCache, StateDocument
from nervepath.knowledge import schema
from nervepath.knowledge.catalogue import UNKNOWN, allowed_values
from nervepath.knowledge.checks import condition_leaves
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

MAX_QUESTIONS: Final = 25
"""Most questions asked after the warning signs (these are always asked in full)."""
ESCALATION_BUDGET: Final = 5
"""Most "one answer from an emergency" follow-up questions put ahead of the most useful one."""
QUALITIES: Final = (
    "pain",
    "numbness",
    "pins_and_needles",
    "tingling",
    "burning",
    "heaviness",
    "weakness",
)
_SIDE_CHOICES: Final = {"left": ("left",), "right": ("right",), "both": SIDES}
_GROUPS: Final = ("foot", "ankle", "leg", "knee", "thigh", "hip", "pelvis", "back")
_YES_NO: Final = {"present": "yes", "absent": "no", UNKNOWN: "don't know"}

StepKind = Literal["side", "regions", "qualities", "question", "emergency", "done"]
Phase = Literal["body_map", "warning_signs", "follow_up", "adaptive", "emergency", "end"]


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
    side: str | None = None  # questions: the leg it is about (None: midline or general)
    plain: str = ""  # questions: the person's wording (text is the clinician's in that setting)
    red_flag: bool = False
    number: int = 0  # questions: 1-based number of this question
    alerts: tuple[Alert, ...] = ()
    reason: str | None = None  # done: confident | nothing_left | max_questions | quit | stopped


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


class Interview:
    """One interview over an ``Assessor``; ``step`` says what to ask, ``answer`` moves on."""

    def __init__(
        self,
        assessor: Assessor,
        *,
        setting: str = "self_check",
        max_questions: int = MAX_QUESTIONS,
        min_gain: float = 0.01,
        confident: float = 0.95,
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
        kb = self.kb
        self._instances = {
            i.name: i for i in kb.finding_instances if setting in kb.findings[i.id].settings
        }
        # Triage-only findings move no probability, so they are never candidates; they are
        # asked only once an answer has made them complete an emergency rule (_escalating).
        self._triage_only = tuple(
            name for name, inst in self._instances.items() if kb.findings[inst.id].triage_only
        )
        self._hidden = {h.name: h for h in kb.hidden}
        self._targets = [h.name for h in kb.hidden if h.kind == "site"]
        self._regions = sorted(
            kb.raw.anatomy.regions, key=lambda r: _GROUPS.index(r.group)
        )  # stable: knowledge-base order within a group
        # Questions worded the same (``back_pain`` and ``pain_lower_back``) get one answer.
        twins: dict[tuple[str, str | None], list[str]] = {}
        for name, inst in self._instances.items():
            twins.setdefault((kb.findings[inst.id].question, inst.side), []).append(name)
        self._twins = {
            n: tuple(t for t in group if t != n) for group in twins.values() for n in group
        }
        self._warning_order = _warning_order(kb.raw.triage, kb.findings, setting)
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
        hidden = self._hidden[name] if name is not None else None
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
        if not step.multiple and len(picked) > 1:
            raise CaseError("choose one answer")
        for value in picked:
            if value not in allowed:
                near = get_close_matches(value, allowed, n=3, cutoff=0.5)
                hint = f" (did you mean {', '.join(near)}?)" if near else ""
                raise CaseError(
                    f"{value!r} is not an answer here; expected one of {', '.join(allowed)}{hint}"
                )
        if step.kind == "side":
            new = replace(state, sides=_SIDE_CHOICES[picked[0]])
        elif step.kind == "regions":
            new = replace(state, regions=tuple(v for v in allowed if v in picked))
        elif step.kind == "qualities":
            new = self._with_answers(
                replace(state, qualities=tuple(v for v in allowed if v in picked)),
                self._body_map_answers(state.sides or (), state.regions or (), picked),
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

    def mark(self, regions: Iterable[str], qualities: Iterable[str]) -> Step:
        """Answer the body map at once: region instances (``heel_left``, ``saddle``) and what
        is felt there. Only those exact places are marked, so a left heel and a right calf stay
        apart; the sides follow from the places (both legs when only midline ones are marked).
        """
        state = self._history[-1].state
        if state.sides is not None:
            raise CaseError("the body map is already answered; go back to change it")
        by_name = {
            (r.id if not r.lateral else f"{r.id}_{side}"): (r.id, side if r.lateral else None)
            for r in self.kb.raw.anatomy.regions
            for side in SIDES
        }
        places = list(dict.fromkeys(regions))
        unknown = [p for p in places if p not in by_name]
        if unknown or not places:
            near = get_close_matches(unknown[0], list(by_name), n=3) if unknown else []
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise CaseError(
                f"regions: {unknown[0]!r} is not a body-map region{hint}"
                if unknown
                else "regions: mark at least one place"
            )
        felt = list(dict.fromkeys(qualities))
        wrong = [q for q in felt if q not in QUALITIES]
        if wrong or not felt:
            raise CaseError(
                f"qualities: {wrong[0]!r} is not one of {', '.join(QUALITIES)}"
                if wrong
                else "qualities: choose at least one"
            )
        sides = tuple(s for s in SIDES if any(by_name[p][1] == s for p in places)) or SIDES
        answers: dict[str, str] = {}
        for place in places:
            rid, side = by_name[place]
            answers.update(self._body_map_answers((side,) if side else (), (rid,), felt))
        new = replace(
            state,
            sides=sides,
            regions=tuple(dict.fromkeys(by_name[p][0] for p in places)),
            qualities=tuple(q for q in QUALITIES if q in felt),
        )
        self._history.append(self._entry(self._with_answers(new, answers)))
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
        return Case(setting=self.setting, answers=dict(self._history[-1].state.answers))

    def case_document(self) -> dict[str, Any]:
        """The case as the JSON document of the case contract."""
        return {"setting": self.setting, "answers": dict(self._history[-1].state.answers)}

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
        return doc.to_state()

    def _with_answers(self, state: State, new: Mapping[str, str]) -> State:
        """Add answers, and the same answers to unanswered questions worded the same."""
        answers = dict(state.answers)
        for name, value in new.items():
            answers[name] = value
            for twin in self._twins.get(name, ()):
                answers.setdefault(twin, value)
        return replace(state, answers=answers)

    def _entry(self, state: State) -> _Entry:
        if self._cache is None:
            return self._compute_entry(state)
        key = (self.setting, self.max_questions, self.min_gain, self.confident)
        entry: _Entry = self._cache.get(key, state, lambda: self._compute_entry(state))
        return entry

    def _compute_entry(self, state: State) -> _Entry:
        try:
            d = self.assessor.differential(Case(setting=self.setting, answers=dict(state.answers)))
            return _Entry(state, d, self._step(state, d))
        except ImpossibleEvidenceError:
            raise CaseError(
                "this answer contradicts the earlier ones; check them, or answer don't know"
            ) from None

    def _step(self, state: State, d: Differential) -> Step:
        if state.finished is not None:
            return Step("done", "end", "", reason=state.finished)
        # An emergency reason not yet acknowledged comes before anything else.
        alerts = tuple(a for a in _emergencies(d) if a.id not in state.shown)
        if alerts:
            return Step(
                "emergency",
                "emergency",
                "EMERGENCY: go to an emergency department (A&E) now, or call an ambulance.",
                (Option("continue", "continue the questions"), Option("stop", "stop here")),
                alerts=alerts,
            )
        if state.sides is None:
            return Step(
                "side",
                "body_map",
                "Which side hurts?",
                tuple(Option(k, k) for k in _SIDE_CHOICES),
            )
        if state.regions is None:
            return Step(
                "regions",
                "body_map",
                "Where is it? Choose every place that is affected.",
                tuple(self._region_options()),
                multiple=True,
            )
        if state.qualities is None:
            return Step(
                "qualities",
                "body_map",
                "What does it feel like there? Choose all that apply.",
                tuple(self._quality_options(state.sides, state.regions)),
                multiple=True,
            )
        for name in self._warning_signs(state.sides):
            if name not in state.answers:
                return self._question(state, name, "warning_signs")
        if state.adaptive >= self.max_questions:
            return Step("done", "end", "", reason="max_questions")
        candidates = [
            c for c in self.assessor.candidates(self.setting, d.evidence) if c not in state.answers
        ]
        if state.escalations < ESCALATION_BUDGET:
            triage_only = [n for n in self._triage_only if n not in state.answers]
            on_side = [
                c
                for c in (*candidates, *triage_only)
                if self._instances[c].side in (None, *state.sides)
            ]
            escalating = self._escalating(d.evidence, on_side)
            if escalating:
                best = rank_questions(
                    self.assessor.compiled,
                    d.evidence,
                    candidates=escalating,
                    targets=self._targets,
                )
                return self._question(state, best[0].finding, "follow_up")
        scores = rank_questions(
            self.assessor.compiled, d.evidence, candidates=candidates, targets=self._targets
        )
        probabilities = [p for _, p in d.sites]
        if should_stop(scores, probabilities, min_gain=self.min_gain, confident=self.confident):
            confident = any(p > self.confident for p in probabilities)
            return Step("done", "end", "", reason="confident" if confident else "nothing_left")
        return self._question(state, scores[0].finding, "adaptive")

    def _question(self, state: State, name: str, phase: Phase) -> Step:
        inst = self._instances[name]
        finding = self.kb.findings[inst.id]
        values = allowed_values(finding)
        return Step(
            "question",
            phase,
            finding.clinician_text if self.setting == "clinician" else finding.question,
            tuple(Option(v, _YES_NO.get(v, v)) for v in values),
            finding=name,
            side=inst.side,
            plain=finding.question,
            # As the catalogue says: saddle numbness is a warning sign though derived.
            red_flag=inst.id in self.kb.red_flag_findings,
            number=len(state.asked) + 1,
        )

    def _region_options(self) -> Iterator[Option]:
        for region in self._regions:
            label = region.name
            if self.setting == "clinician":
                label = f"{region.clinical_name} ({region.name})"
            yield Option(region.id, label, region.group)

    def _quality_options(self, sides: Iterable[str], regions: Iterable[str]) -> Iterator[Option]:
        sides, regions = tuple(sides), tuple(regions)
        for quality in QUALITIES:
            if self._body_map_answers(sides, regions, [quality]):
                yield Option(quality, quality.replace("_", " "))

    def _body_map_answers(
        self, sides: Iterable[str], regions: Iterable[str], qualities: Iterable[str]
    ) -> dict[str, str]:
        """``{quality}_{region}_{side}`` present for each choice, where such a finding exists."""
        out: dict[str, str] = {}
        for quality in qualities:
            for region in regions:
                for side in (None, *sides):
                    name = f"{quality}_{region}" + (f"_{side}" if side else "")
                    if name in self._instances:
                        out[name] = "present"
        return out

    def _warning_signs(self, sides: Iterable[str]) -> tuple[str, ...]:
        """The warning-sign questions in order, each wording once (its twins share the answer)."""
        sides = tuple(sides)
        out: list[str] = []
        for base in self._warning_order:
            for side in (None, *SIDES):
                name = base if side is None else f"{base}_{side}"
                if (
                    name in self._instances
                    and (side is None or side in sides)
                    and not any(t in out for t in self._twins.get(name, ()))
                ):
                    out.append(name)
        return tuple(out)

    def _escalating(self, evidence: Mapping[str, str], candidates: Iterable[str]) -> list[str]:
        """Unanswered findings one of whose answers alone would fire a new emergency rule."""

        def emergency_rules(answers: Mapping[str, str]) -> set[str]:
            found = triage(self.kb, answers, {}).red_flags
            return {f.id for f in found if f.level == "emergency"}

        now = emergency_rules(evidence)
        out = []
        for name in candidates:
            states = self.kb.findings[self._instances[name].id].states
            # states[0] is the normal state (absent, MRC 5, normal reflex).
            if any(emergency_rules({**evidence, name: s}) - now for s in states[1:]):
                out.append(name)
        return out


def _emergencies(d: Differential) -> Iterator[Alert]:
    for flag in d.triage.red_flags:
        if flag.level == "emergency":
            yield Alert(flag.id, flag.plain, flag.clinical, flag.citation)
    for base in d.triage.baselines:
        if base.level == "emergency":
            yield Alert(base.id, base.plain, base.clinical, base.citation)


def _warning_order(
    book: schema.TriageBook, findings: Mapping[str, Any], setting: str
) -> tuple[str, ...]:
    """Warning-sign findings (base ids), most urgent rule first, then by rule order.

    A warning sign is a finding marked ``red_flag: true``, or one that an ``emergency`` rule
    names by its id: saddle numbness is the question NICE asks to put explicitly, and back
    pain completes the emergency pairs (fever or symptoms in both legs with a deficit). Rules
    that read a triage-only finding (a Wells item, a blood thinner, a risk factor) or say
    ``asked_first: false`` (a compartment syndrome, an Achilles rupture, a cancer with
    neurological symptoms) are left to ``_escalating``: their questions come once an answer
    has made one of them decisive, so the warning signs stay few.
    """
    rank: dict[str, tuple[int, int]] = {}
    named_by_emergency: set[str] = set()
    for order, rule in enumerate(book.rules):
        leaves = [leaf.finding for leaf in condition_leaves(rule.when)]
        reads_triage_only = any(fid in findings and findings[fid].triage_only for fid in leaves)
        escalated = reads_triage_only or not rule.asked_first
        for fid in leaves:
            if fid.endswith("*"):
                continue
            key = (-urgency_rank(rule.level), order)
            rank[fid] = min(rank.get(fid, key), key)
            if rule.level == "emergency" and not escalated:
                named_by_emergency.add(fid)
    chosen = [
        fid
        for fid, f in findings.items()
        if setting in f.settings
        and (f.red_flag or (fid in named_by_emergency and f.asked and not f.triage_only))
    ]
    unranked = (1, len(book.rules))
    return tuple(sorted(chosen, key=lambda fid: rank.get(fid, unranked)))
