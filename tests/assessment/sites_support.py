"""The ranked sites of a case, for tests that compare posteriors site by site."""

from __future__ import annotations

from typing import Any

import nervepath
from nervepath.assessment.service import RankedSite


def ranked_sites(
    answers: dict[str, str],
    age: int | None = None,
    setting: str = "clinician",
    sex: str | None = None,
) -> tuple[RankedSite, ...]:
    """The sites of the assessment of ``answers``, the likeliest to explain them first."""
    case: dict[str, Any] = {"setting": setting, "answers": answers}
    patient = {k: v for k, v in (("age", age), ("sex", sex)) if v is not None}
    if patient:
        case["patient"] = patient
    return tuple(nervepath.assess(case).sites)


def probability(sites: tuple[RankedSite, ...], site: str, side: str | None = None) -> float:
    """The posterior of ``site`` on ``side`` (None: a midline site)."""
    return next(s.probability for s in sites if s.id == site and s.side == side)
