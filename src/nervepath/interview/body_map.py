"""The interview's body map: the start's steps, the places a person marks, what is felt in
each, and the other leg, which one leg marked answers "nothing felt there"."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from difflib import get_close_matches
from typing import Final

from nervepath.errors import CaseError
from nervepath.interview.plan import QUALITIES, Plan, body_map_answers
from nervepath.interview.state import State
from nervepath.interview.steps import Option, Step
from nervepath.knowledge.catalogue import UNKNOWN
from nervepath.knowledge.model import SIDES

__all__ = [
    "SIDE_CHOICES",
    "body_map_step",
    "checked_marks",
    "felt_answers",
    "marked_sides",
    "other_leg",
    "quality_options",
    "region_places",
]

SIDE_CHOICES: Final = {"left": ("left",), "right": ("right",), "both": SIDES}
_SAME_AS_A_KIND: Final = frozenset({"tingling"})
"""Tingling is pins and needles in other words (derivation.yaml, the note on
``altered_sensation``): left out of that group only so that one feeling is not counted twice,
it is one of the kinds a place that "feels different" may have."""
_LABELS: Final = {"altered_sensation": "feels different from normal (no other word fits)"}


def body_map_step(plan: Plan, setting: str, state: State) -> Step | None:
    """The start, then the body map and the feelings of each marked place, or None."""
    for question in plan.start:
        if question.key not in state.start:
            options = tuple(Option(v, label) for v, label in question.options)
            text = question.worded(state.start.get("for_whom"))
            return Step(question.key, "start", text, options)  # type: ignore[arg-type]
    if state.sides is None:
        options = tuple(Option(k, k) for k in SIDE_CHOICES)
        return Step("side", "body_map", "Which side hurts?", options)
    if state.regions is None:
        return Step(
            "regions",
            "body_map",
            "Where is it? Choose every place that is affected.",
            tuple(_region_options(plan, setting)),
            multiple=True,
        )
    for place in state.places or ():
        options = tuple(quality_options(plan, place))
        if place not in state.felt and options:
            return Step(
                "feelings",
                "body_map",
                f"What do you feel in {plan.place_words[place]}? Choose all that apply.",
                options,
                multiple=True,
                place=place,
                side=plan.places[place][1],
            )
    return None


def region_places(plan: Plan, regions: Iterable[str], sides: Iterable[str]) -> tuple[str, ...]:
    """The places of regions chosen after a side: each lateral region on each chosen side."""
    sides = tuple(sides)
    return tuple(
        p for r in regions for p in ((r,) if not plan.lateral[r] else (f"{r}_{s}" for s in sides))
    )


def checked_marks(
    plan: Plan,
    regions: Iterable[str],
    qualities: Mapping[str, Iterable[str]] | Iterable[str],
) -> tuple[list[str], dict[str, list[str]]]:
    """The places marked at once and what is felt in each, checked (see ``Interview.mark``);
    raises ``CaseError`` naming the first place or quality that is not allowed."""
    places = list(dict.fromkeys(regions))
    unknown = [p for p in places if p not in plan.places]
    if unknown or not places:
        near = get_close_matches(unknown[0], list(plan.places), n=3) if unknown else []
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
        allowed = [o.value for o in quality_options(plan, place)]
        wrong = [q for q in chosen if q not in allowed]
        if wrong or not chosen:
            raise CaseError(
                f"qualities › {place}: {wrong[0]!r} is not one of {', '.join(allowed)}"
                if wrong
                else f"qualities › {place}: choose at least one"
            )
    return places, felt


def marked_sides(plan: Plan, places: Iterable[str]) -> tuple[str, ...]:
    """The sides the marked places are on; both legs when only midline ones are marked."""
    places = tuple(places)
    return tuple(s for s in SIDES if any(plan.places[p][1] == s for p in places)) or SIDES


def other_leg(plan: Plan, sides: Iterable[str]) -> dict[str, str]:
    """One leg chosen: nothing is felt anywhere on the other, so its body-map findings
    are answered no (and never asked one by one); "feels different" there is not, as its
    kinds already say it."""
    others = [s for s in SIDES if s not in tuple(sides)]
    if len(others) != 1:
        return {}
    return {
        name: "absent"
        for place, (rid, side) in plan.places.items()
        if side == others[0] and place not in plan.parts  # its regions say it all
        for name in body_map_answers(
            plan.instances, (side,), (rid,), [q for q in QUALITIES if q not in plan.vague]
        )
    }


def felt_answers(plan: Plan, felt: Mapping[str, Iterable[str]]) -> dict[str, str]:
    """What is felt in each place: the ticked qualities present, the others there left
    unsaid. A feeling not ticked where a person marks another is no "no": on the published
    cases (tuning half, knowledge base 0.1.16) reading it as one cost the interview 4 top 3
    with silence answered "no" (34 → 38 of 66) and 1 with "don't know" (41 → 42), with
    the top 1 26 → 27 and 25 → 28: a tarsal tunnel's heel marked "pain" read as "no
    numbness in the heel", a meralgia's thigh marked "pain" as "no numbness, tingling or
    burning there" (each kind a "no" of its own, the kinds of one feeling counted apart). An
    unmarked place of the marked leg is left unsaid too; only the other leg, with one leg
    marked, is answered "nothing felt there" (:func:`other_leg`). A part of the leg
    (``thigh_left``: somewhere in it, not placed finer) is read the same way.

    "Feels different" (a quality group, ``altered_sensation``) is the OR of its kinds, a
    finding of its own with the links of that OR: ticked alone, it is present (a person who
    cannot name the feeling has not denied numbness); ticked with one of its kinds it is not
    answered, for the kind already says it and answering both would count the same feeling
    twice."""
    answers: dict[str, str] = {}
    for place, chosen in felt.items():
        rid, side = plan.places[place]
        ticked = set(chosen)
        if ticked == {UNKNOWN}:
            continue  # marked, nothing said about what is felt there
        named = {  # "feels different" ticked with one of its kinds: the kind says it
            group for group, kinds in plan.vague.items() if (kinds | _SAME_AS_A_KIND) & ticked
        }
        for option in quality_options(plan, place):
            if option.value not in ticked or option.value in named:
                continue
            for name in body_map_answers(
                plan.instances, (side,) if side else (), (rid,), [option.value]
            ):
                answers[name] = "present"
    return answers


def quality_options(plan: Plan, place: str) -> Iterator[Option]:
    """The qualities that may be felt in a place: those it has a finding for."""
    rid, side = plan.places[place]
    for quality in QUALITIES:
        if body_map_answers(plan.instances, (side,) if side else (), (rid,), [quality]):
            yield Option(quality, _LABELS.get(quality, quality.replace("_", " ")))


def _region_options(plan: Plan, setting: str) -> Iterator[Option]:
    for region in plan.regions:
        label = region.name
        if setting == "clinician":
            label = f"{region.clinical_name} ({region.name})"
        yield Option(region.id, label, region.group)
