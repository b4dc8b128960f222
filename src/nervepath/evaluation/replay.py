"""The self-check interview replayed by a simulated patient, to measure it on labelled cases.

The patient knows only its case's answers. At the start it says the self-check is for
itself, and gives its age band, sex, how long and how it started from its case where the
case says (else "rather not say" / "don't know"). It marks on the body map every place the
case names a feeling in (``pain_calf_left`` → the left calf; back pain → the lower back),
with what it feels in each place (a part named without a finer place, ``pain_thigh_left``:
the part itself, "somewhere in my left thigh", pain felt there; a place that "feels
different", ``altered_sensation_heel_left``, with that; a case that names no feeling in a
place but something about one leg, a painless foot drop: that whole leg, what is felt there
unsaid), then ticks on the warning-
sign screen those its case says it has, and on the risk-factor and noticed-sign checklists
likewise (a checklist has no "don't know": the others are answered no), then answers each question
from the case. Where the case is silent it answers ``silent``: "no" (``absent``) or "don't
know" (``unknown``). It carries on after an emergency step, so the length of the whole
interview is measured, and notes when the first one appeared.

What is reported, per case: how many questions were asked after the body map (the warning-
sign screen and each checklist count one each) and how many signs the screen
held, why the interview ended, the rank of the truth in the interview's final differential
and in the same case answered at once, and the urgency.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

from nervepath.assessment.case import to_evidence
from nervepath.assessment.service import Assessor, Differential
from nervepath.evaluation.evaluate import TOP_K, Expected, LabelledCase, is_hit
from nervepath.interview.machine import Interview
from nervepath.interview.plan import QUALITIES
from nervepath.interview.start import age_band
from nervepath.interview.steps import CHECKLISTS, NONE_OF_THESE, Step
from nervepath.knowledge.catalogue import UNKNOWN
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["SILENT_ANSWERS", "Replay", "ReplaySummary", "body_map_places", "replay", "summarise"]

SILENT_ANSWERS: Final = ("absent", "unknown")
Silent = Literal["absent", "unknown"]


@dataclass(frozen=True)
class Replay:
    id: str
    expected: Expected
    silent: str  # what the patient answered where its case is silent
    places: tuple[str, ...]  # what it marked on the body map
    questions: int  # steps answered after the body map: each checklist counts one
    warning_signs: int  # the signs the screen listed
    ended: str  # confident | nothing_left | unsure | max_questions | no_places
    emergency_at: int | None  # questions answered when the first emergency step appeared
    rank: int | None  # the truth's rank at the end of the interview
    full_rank: int | None  # the truth's rank with the whole case answered at once
    urgency: str  # at the end of the interview


@dataclass(frozen=True)
class ReplaySummary:
    silent: str
    cases: int
    replayed: int  # cases with at least one place to mark
    in_model: int  # replayed cases whose truth is a site of the model
    questions_median: float
    questions_p90: float
    questions_max: int
    warning_signs_median: float  # signs listed on the one screen
    capped: int  # interviews that ran to the question cap
    top1: int  # at the end of the interview, over in_model
    top3: int
    full_top1: int  # the same cases answered at once
    full_top3: int
    emergency_shown: tuple[str, ...]  # an emergency step appeared, the truth is not one
    replays: tuple[Replay, ...]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def body_map_places(kb: KnowledgeBase, answers: Mapping[str, str]) -> dict[str, list[str]]:
    """The places a patient with these answers marks on the body map, with what it feels
    in each."""
    by_finding = {
        f"{quality}_{region.id}": (quality, region.id)
        for region in kb.raw.anatomy.regions
        for quality in QUALITIES
    }
    instances = kb.finding_instances_by_name
    places: dict[str, list[str]] = {}
    for name, value in answers.items():
        instance = instances.get(name)
        if instance is None or value != "present" or instance.id not in by_finding:
            continue
        quality, region = by_finding[instance.id]
        place = region if instance.side is None else f"{region}_{instance.side}"
        places.setdefault(place, []).append(quality)
    # A part of the leg named without a finer place ("pain in the whole right leg"): the
    # patient marks the part itself ("somewhere in my right leg"), with what it feels there.
    parts = _part_findings(kb)
    for name, value in answers.items():
        instance = instances.get(name)
        if instance is None or value != "present" or instance.id not in parts:
            continue
        quality, part = parts[instance.id]
        places.setdefault(part if instance.side is None else f"{part}_{instance.side}", []).append(
            quality
        )
    if not places and answers.get("back_pain") == "present":
        places = {"lower_back": ["pain"]}
    if not places:
        # No feeling named in a place, yet something about one leg (a painless foot drop):
        # the patient marks that leg, "somewhere in my right leg", and says nothing about
        # what it feels there (the case says nothing either).
        sides = {
            instances[n].side
            for n, v in answers.items()
            if v == "present" and n in instances and instances[n].side is not None
        }
        places = {f"{_whole_leg(kb)}_{side}": [] for side in sorted(sides, key=str)}
    order = {q: i for i, q in enumerate(QUALITIES)}
    return {
        p: sorted(set(felt), key=order.__getitem__) if felt else [UNKNOWN]
        for p, felt in places.items()
    }


def _part_findings(kb: KnowledgeBase) -> dict[str, tuple[str, str]]:
    """A felt part finding (``pain_thigh``, ``altered_sensation_foot``) → (its quality, the
    part): a body-map place."""
    vague = [g.id for g in kb.raw.derivation.quality_groups if g.id in QUALITIES]
    return {
        f"{quality}_{group.id}": (quality, group.id)
        for group in kb.raw.derivation.region_groups
        for quality in (*group.qualities, *vague)
        if quality in QUALITIES and f"{quality}_{group.id}" in kb.findings
    }


def _whole_leg(kb: KnowledgeBase) -> str:
    """The part of the leg that holds all the others ("anywhere from the hip to the toes")."""
    return max(kb.raw.derivation.region_groups, key=lambda g: len(g.groups)).id


def _start_answer(kb: KnowledgeBase, item: LabelledCase, step: Step) -> str:
    """The start as the case says it, else "rather not say" / "don't know"."""
    answers = {k: str(v).lower() for k, v in item.case.answers.items()}
    patient = item.case.patient
    recent, long = answers.get("onset_within_2_weeks"), answers.get("symptoms_over_3_months")
    sudden = answers.get("sudden_onset")
    value = {
        "for_whom": "me",
        "age": age_band(kb, patient.age) if patient.age is not None else UNKNOWN,
        "sex": patient.sex or UNKNOWN,
        "duration": "under_2_weeks"
        if recent == "present"
        else "over_3_months"
        if long == "present"
        else "2_to_12_weeks"
        if recent == long == "absent"
        else UNKNOWN,
        "onset": {"present": "sudden", "absent": "gradual"}.get(sudden or "", UNKNOWN),
    }[step.kind]
    return value if value in (o.value for o in step.options) else UNKNOWN


def _rank(d: Differential, expected: Expected) -> int | None:
    return next((i for i, (name, _) in enumerate(d.sites, 1) if is_hit(name, expected)), None)


def replay(
    assessor: Assessor,
    item: LabelledCase,
    silent: Silent = "absent",
    *,
    options: Mapping[str, Any] | None = None,
    trace: Callable[[Interview, int], None] | None = None,
) -> Replay:
    """Run the self-check interview for one case, answering from it; ``options`` go to
    ``Interview`` (its stop rule's thresholds), ``trace`` sees each step."""
    kb = assessor.kb
    answers = {k: str(v).lower() for k, v in item.case.answers.items()}
    full = assessor.differential(item.case.model_copy(update={"setting": "self_check"}))
    places = body_map_places(kb, answers)
    interview = Interview(assessor, setting="self_check", **(options or {}))
    if not places:
        return Replay(
            item.id, item.expected, silent, (), 0, 0, "no_places", None, None,
            _rank(full, item.expected), full.triage.urgency,
        )  # fmt: skip
    step = interview.step
    while step.phase == "start":
        step = interview.answer(_start_answer(kb, item, step))
    step = interview.mark(list(places), places)
    questions = warning = 0
    emergency_at: int | None = None
    while step.kind != "done":
        if trace is not None:
            trace(interview, questions)
        if step.kind == "emergency":
            emergency_at = questions if emergency_at is None else emergency_at
            step = interview.answer("continue")
            continue
        questions += 1
        if step.kind in CHECKLISTS:  # ticked, or none
            signs = [o.value for o in step.options if answers.get(o.value) == "present"]
            if step.kind == "warning_signs":
                warning = len(step.options) - 1
            step = interview.answer(*(signs or [NONE_OF_THESE]))
            continue
        finding = step.finding or ""
        value = answers.get(finding, silent)
        if value not in (o.value for o in step.options):
            value = UNKNOWN  # a graded finding the case does not grade
        step = interview.answer(value)
    if trace is not None:
        trace(interview, questions)
    end = assessor.differential(interview.case())
    return Replay(
        item.id,
        item.expected,
        silent,
        tuple(places),
        questions,
        warning,
        step.reason or "",
        emergency_at,
        _rank(end, item.expected),
        _rank(full, item.expected),
        end.triage.urgency,
    )


def summarise(
    assessor: Assessor,
    cases: Iterable[LabelledCase],
    silent: Silent,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> ReplaySummary:
    """Replay every case and sum up; ``progress(done, total)`` after each one."""
    items = tuple(cases)
    for item in items:
        to_evidence(assessor.kb, item.case)  # a bad case fails before the long run starts
    replays: list[Replay] = []
    for done, item in enumerate(items, 1):
        replays.append(replay(assessor, item, silent))
        if progress is not None:
            progress(done, len(items))
    ran = [r for r in replays if r.ended != "no_places"]
    named = [r for r in ran if r.expected.site is not None]
    counts = sorted(r.questions for r in ran) or [0]

    def hits(ranks: Iterable[int | None], k: int) -> int:
        return sum(r is not None and r <= k for r in ranks)

    return ReplaySummary(
        silent,
        len(replays),
        len(ran),
        len(named),
        statistics.median(counts),
        counts[math.ceil(0.9 * len(counts)) - 1],  # nearest rank
        counts[-1],
        statistics.median([r.warning_signs for r in ran] or [0]),
        sum(r.ended == "max_questions" for r in ran),
        hits((r.rank for r in named), 1),
        hits((r.rank for r in named), TOP_K),
        hits((r.full_rank for r in named), 1),
        hits((r.full_rank for r in named), TOP_K),
        tuple(
            r.id for r in ran if r.emergency_at is not None and r.expected.urgency != "emergency"
        ),
        tuple(replays),
    )
