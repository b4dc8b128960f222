"""The interview's questions one by one: which to ask next about the complaint, and when to
stop.

After the warning-sign screen, on the marked side(s), any finding whose answer alone would fire
a further emergency rule comes first (at most ``ESCALATION_BUDGET``; one that could fire a rule
no earlier follow-up could have, and that reads a sign ticked on the screen, first:
:mod:`.escalation`), then a self-check's risk-factor checklist, then the question with the
highest expected information gain about the lesion sites. Places are asked on the body map
only, never one by one afterwards (``places_asked``: on the published cases a "no" to each
unmarked place cost top-3 accuracy), so these questions are about the complaint: what brings
it on, how it behaves. A question about the unmarked leg is asked only if one of its answers
would change the top three or the urgency; the other leg's twin of a question already asked
("…your left heel?", then "…your right heel?") only if its answer would change them with a
chance of at least ``MIRROR_CHANGE`` (nor does one below it keep the interview going). The top
three are the result's: the sites ranked by the chance that each explains what was reported,
ties by the posterior (:func:`.service.rank_sites`), those of at least ``PLAUSIBLE``; after
each answer tried, computed as exactly as the result's. It stops when no question among the
most informative has a chance of at least ``change_floor`` of changing the top three or the
urgency, or none is worth ``min_gain`` nats (``nothing_left``), when a site explains the
answers with a chance over ``confident`` (``confident``), after ``unsure_run`` "don't know"
answers in a row (``unsure``), at ``max_questions``, or when the person stops (thresholds
chosen on the tuning half of the published cases only:
``nervepath evaluate tests/published/cases --interview``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final, Literal

from nervepath.assessment.service import Assessor, Differential, rank_sites
from nervepath.assessment.triage import triage
from nervepath.engine.inference import ImpossibleEvidenceError
from nervepath.engine.questions import QuestionScore, rank_questions, should_stop
from nervepath.interview.escalation import ESCALATION_BUDGET, escalating, follow_first
from nervepath.interview.plan import Plan
from nervepath.interview.state import State
from nervepath.knowledge.catalogue import UNKNOWN
from nervepath.knowledge.model import SIDES

__all__ = [
    "CHANGE_FLOOR",
    "LOOKAHEAD",
    "MAX_QUESTIONS",
    "MIN_GAIN",
    "MIN_QUESTIONS",
    "MIRROR_CHANGE",
    "PLAUSIBLE",
    "UNSURE_RUN",
    "Ask",
    "Checklist",
    "Chooser",
    "Next",
    "Stop",
    "result_top",
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


@dataclass(frozen=True)
class Ask:
    """Ask this finding on its own: a follow-up (one answer from an emergency) or not."""

    finding: str
    phase: Literal["follow_up", "adaptive"]


@dataclass(frozen=True)
class Checklist:
    """Ask these on one checklist: the risk factors (``background``), or the rare signs a
    person notices on the marked side(s) (``signs``)."""

    names: tuple[str, ...]
    kind: Literal["background", "signs"] = "background"


@dataclass(frozen=True)
class Stop:
    """Ask nothing more: ``confident``, ``nothing_left`` or ``unsure``."""

    reason: str


Next = Ask | Checklist | Stop


class Chooser:
    """The choice of the next question after the warning-sign screen, or of the end."""

    def __init__(
        self,
        assessor: Assessor,
        plan: Plan,
        *,
        setting: str,
        min_gain: float,
        confident: float,
        change_floor: float,
        unsure_run: int,
        places_asked: bool,
    ) -> None:
        self.assessor = assessor
        self.kb = assessor.kb
        self.plan = plan
        self.setting = setting
        self.min_gain = min_gain
        self.confident = confident
        self.change_floor = change_floor
        self.unsure_run = unsure_run
        self.places_asked = places_asked
        self._only_sex = {f.id: f for f in self.kb.raw.findings if f.only_sex}

    @property
    def thresholds(self) -> tuple[float, float, float, int, bool]:
        """What the stop rule was given: ``min_gain``, ``confident``, ``change_floor``,
        ``unsure_run``, ``places_asked`` (a cache of steps keys on them)."""
        return (
            self.min_gain,
            self.confident,
            self.change_floor,
            self.unsure_run,
            self.places_asked,
        )

    def for_sex(self, name: str, sex: str | None) -> bool:
        """Whether it may be asked of a patient of this sex (:meth:`Finding.possible_for`)."""
        finding = self._only_sex.get(self.plan.instances[name].id)
        return finding is None or finding.possible_for(sex)

    def next(self, state: State, d: Differential) -> Next:
        """The next question about the complaint, or the end (see the stop rule)."""
        nothing_left = Stop("nothing_left")
        sides = state.sides or SIDES
        sex = state.start.get("sex")
        unasked = [
            c
            for c in self.assessor.candidates(self.setting, d.evidence)
            if c not in state.answers and self.for_sex(c, sex)
        ]
        candidates = [c for c in unasked if self.places_asked or c not in self.plan.place_findings]
        # Only an abnormal answer brings a rule nearer: look again after the screen, after a
        # follow-up and after any answer but no or don't know (triage is slow to repeat).
        last = state.asked[-1] if state.asked else None
        again = last is None or last in state.followed
        if state.escalations < ESCALATION_BUDGET and (
            again or state.answers.get(last or "") not in ("absent", UNKNOWN)
        ):
            triage_only = [n for n in self.plan.triage_only if n not in state.answers]
            on_side = [
                c for c in (*unasked, *triage_only) if self.plan.instances[c].side in (None, *sides)
            ]
            found = escalating(self.kb, self.plan, d.evidence, on_side)
            if found:
                best = rank_questions(
                    d.network or self.assessor.compiled_for(d.evidence),
                    d.evidence,
                    candidates=follow_first(self.kb, self.plan, state, d.evidence, found),
                    targets=self.plan.targets,
                    top=1,
                )
                return Ask(best[0].finding, "follow_up")
        # After the follow-ups, before the questions one by one: the risk factors on one
        # checklist, then the rare signs on the marked side(s) on another, then never again
        # (all of their items are answered by them).
        # Triage-only risk factors are no candidates (they move no posterior): unanswered is
        # enough for them.
        background = tuple(
            n
            for n in self.plan.background
            if n in unasked or (n in self.plan.triage_only and n not in state.answers)
        )
        if background:
            return Checklist(background)
        signs = tuple(
            n
            for n in self.plan.signs
            if n in unasked and self.plan.instances[n].side in (None, *sides)
        )
        if signs:
            return Checklist(signs, "signs")
        scores = rank_questions(
            d.network or self.assessor.compiled_for(d.evidence),
            d.evidence,
            candidates=candidates,
            targets=self.plan.targets,
            top=LOOKAHEAD,
        )
        # Confident as the result ranks: a site that explains what was reported (``explains``
        # is at most the posterior, and the ranking's key).
        explains = list(d.explains.values())
        if should_stop(scores, explains, min_gain=self.min_gain, confident=self.confident):
            confident = any(p > self.confident for p in explains)
            return Stop("confident") if confident else nothing_left
        # The most informative questions, tried answer by answer: the chance that the answer
        # changes the top three or the urgency. The other leg's only if that chance is > 0.
        if self.unsure_run and _trailing_unknown(state) >= self.unsure_run:
            # "don't know" changes nothing: more of the same would not either. Said apart from
            # "nothing_left", so that a result resting on few answers reads as such.
            return Stop("unsure")
        # Each answer tried costs the explains batch: stop trying once the question and
        # whether it is settled are decided.
        may_settle = state.adaptive >= MIN_QUESTIONS
        best_change, chosen = 0.0, None
        for score in scores[:LOOKAHEAD]:
            if score.expected_information_gain < self.min_gain:
                break
            if chosen is not None and (best_change >= self.change_floor or not may_settle):
                break
            needed = self.needed(state, score.finding, sides)
            change = self.change(d, score, enough=max(self.change_floor, needed))
            if needed > _ABOVE_ZERO and change < needed:
                continue  # a twin not worth asking again keeps nothing going
            best_change = max(best_change, change)
            if chosen is None and change >= needed:
                chosen = score.finding
        if chosen is None or (best_change < self.change_floor and may_settle):
            return nothing_left
        return Ask(chosen, "adaptive")

    def needed(self, state: State, name: str, sides: tuple[str, ...]) -> float:
        """The chance of changing the result that asking ``name`` needs: any, on a marked
        side (0); above 0 on the unmarked leg; ``MIRROR_CHANGE`` for the other leg's twin of a
        question already asked ("…your left leg?" then "…your right leg?"): the first answer
        usually says what the second would."""
        if self.plan.instances[name].side not in (None, *sides):
            return _ABOVE_ZERO
        if self.plan.mirrors.get(name) in state.asked:
            return MIRROR_CHANGE
        return 0.0

    def change(self, d: Differential, score: QuestionScore, *, enough: float) -> float:
        """P(the answer to this question changes the top three sites or the urgency), or,
        once it has reached ``enough`` (and is above 0), that much: more decides nothing.

        The top three are the result's own (:func:`.service.rank_sites`: what each site
        explains, ties by the posterior), after each answer computed exactly as the result
        would be (the score's posteriors alone would rank them otherwise). The urgency is
        triaged again only for a finding some triage rule reads. Likelier answers first:
        one often reaches ``enough``, and each costs a propagation of the explains batch.
        """
        top = result_top(d.sites, d.explains)
        name = score.finding
        states = self.kb.findings[self.plan.instances[name].id].states
        out = 0.0
        targets = self.plan.targets
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
            changed = result_top(ranked, explains) != top
            if not changed and self.plan.instances[name].id in self.kb.triaged_findings:
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


def result_top(sites: Iterable[tuple[str, float]], explains: Mapping[str, float]) -> frozenset[str]:
    """The top three of the ranked sites, those that explain the answers with a chance of at
    least ``PLAUSIBLE``: what an answer may change."""
    return frozenset(n for n, _ in list(sites)[:3] if explains[n] >= PLAUSIBLE)


def _trailing_unknown(state: State) -> int:
    """How many of the last questions asked in a row were answered "don't know"."""
    run = 0
    for name in reversed(state.asked):
        if state.answers.get(name) != UNKNOWN:
            break
        run += 1
    return run
