"""Leaks that depend on the patient's age: the population's age bands, the bands a case's age
or age answers leave open, and a banded leak mixed over them.

``derivation.yaml › age_mix`` gives the age bands of the people nervepath serves (adults with
leg or foot pain) and their shares. A finding whose leak is given per age band
(``leak_by_age``: an absent ankle jerk, reduced vibration at the hallux, a faint foot pulse)
has, for a set ``C`` of population bands, the leak

    leak(C) = Σ_{c ∈ C} share_c · leak_c / Σ_{c ∈ C} share_c

where ``leak_c`` is the leak of the finding's own band that holds band ``c`` (its limits are
the population's, checked at load). A stated age leaves one band: its leak. With the age
unknown every band is left: the population mixture, the finding's leak in the base network.
An age known only as a range (the self-check's "51 to 70" answers the age findings, not the
age) leaves the bands inside it. Each mixed value is the leak of an ordinary network, so the
posteriors stay exact for it; the mixture weighs the bands by the population's shares alone,
not by what the rest of the case says about the age.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from nervepath.knowledge import schema
from nervepath.knowledge.loader import RawKnowledgeBase

__all__ = [
    "AgedValues",
    "PopulationBand",
    "age_problems",
    "band_limits_problems",
    "bands_answered",
    "bands_of_age",
    "mixed",
    "per_population_band",
    "population_bands",
]


@dataclass(frozen=True)
class AgedValues:
    """The numbers of the network that a case's age bands change: the leak of each age-banded
    finding (after any sign pattern took its share, knowledge/signs.py) and the prior of each
    sign pattern's background root, by hidden instance name."""

    finding_leaks: Mapping[str, tuple[float, ...]]
    priors: Mapping[str, float]


@dataclass(frozen=True)
class PopulationBand:
    """One age band of the population: ages ``at_least`` to ``below − 1``, and its share."""

    at_least: int
    below: int | None
    share: float

    def holds(self, age: int) -> bool:
        return age >= self.at_least and (self.below is None or age < self.below)


def population_bands(derivation: schema.Derivation) -> tuple[PopulationBand, ...]:
    return tuple(
        PopulationBand(b.at_least or 0, b.below, b.share.value) for b in derivation.age_mix
    )


def bands_of_age(bands: Sequence[PopulationBand], age: int) -> frozenset[int]:
    """The one population band a stated age falls in."""
    return frozenset(i for i, b in enumerate(bands) if b.holds(age))


def bands_answered(
    bands: Sequence[PopulationBand],
    findings: Sequence[schema.Finding],
    evidence: Mapping[str, str],
) -> frozenset[int]:
    """The population bands the answered age findings leave (``age_over_50`` present and
    ``age_over_70`` absent: 51 to 70); every band where none is answered, or where the
    answers contradict each other."""
    everything = frozenset(range(len(bands)))
    left = set(everything)
    for f in findings:
        state = evidence.get(f.id)
        if f.age_band is None or state not in ("present", "absent"):
            continue
        # Band limits are the population's (checked at load): a band is wholly in or out.
        inside = {i for i, b in enumerate(bands) if f.age_band.holds(b.at_least)}
        left &= inside if state == "present" else everything - inside
    return frozenset(left) or everything


def per_population_band(
    bands: Sequence[PopulationBand],
    leaks: Sequence[schema.AgeLeak],
    convert: Callable[[schema.AgeLeak], tuple[float, ...]],
) -> tuple[tuple[float, ...], ...]:
    """The finding's leak (a distribution over its states) in each population band."""
    out: list[tuple[float, ...]] = []
    for band in bands:
        # The finding's band holding the population band's first age (the limits are
        # checked to be the population's, so it holds the whole band).
        own = next(leak for leak in leaks if leak.holds(band.at_least))
        out.append(convert(own))
    return tuple(out)


def mixed(
    bands: Sequence[PopulationBand], per_band: Sequence[tuple[float, ...]], left: frozenset[int]
) -> tuple[float, ...]:
    """``leak(C)`` of the module docstring for the bands ``left``."""
    if len(left) == 1:  # a stated age: the band's own numbers, exactly
        return per_band[next(iter(left))]
    total = sum(bands[i].share for i in left)
    n = len(per_band[0])
    return tuple(sum(bands[i].share * per_band[i][k] for i in left) / total for k in range(n))


def _limits(bands: Sequence[PopulationBand]) -> set[int]:
    return {b.at_least for b in bands} | {b.below for b in bands if b.below is not None}


def _off_limits(band: schema.AgeBand, limits: set[int]) -> list[tuple[str, int]]:
    """The fields of ``band`` that are not a population limit, with their values."""
    return [
        (field, value)
        for field, value in (("at_least", band.at_least), ("below", band.below))
        if value is not None and value not in limits
    ]


def band_limits_problems(
    bands: Sequence[PopulationBand], where: str, leaks: Sequence[schema.AgeLeak]
) -> list[str]:
    """Each limit of a banded leak must be a population band's limit, so that a stated age's
    band, or an answered range, lies wholly inside one of the finding's bands."""
    if not bands:
        return [f"{where} › leak_by_age: expected derivation.yaml › age_mix to weigh its bands"]
    limits = _limits(bands)
    return [
        f"{where} › leak_by_age › {i} › {field}: found {value}, expected one of the age_mix "
        f"limits {sorted(limits)}"
        for i, leak in enumerate(leaks)
        for field, value in _off_limits(leak, limits)
    ]


def age_problems(
    raw: RawKnowledgeBase,
    derived: Mapping[str, tuple[tuple[tuple[float, ...], ...], tuple[float, ...]]],
) -> list[str]:
    """Age bands line up with the population's (age_mix), and no pattern lowers an age-banded
    leak after its bands are mixed (only a sign pattern's split is re-done per age).
    ``derived`` is each derived finding's ``(by_age, leak)`` (knowledge/derive.py)."""
    bands = population_bands(raw.derivation)
    problems: list[str] = []
    banded = [(raw.where(f), f.id, f.leak_by_age) for f in raw.findings if f.leak_by_age]
    banded += [
        (f"derivation.yaml › leak_overrides › {o.finding}", o.finding, o.leak_by_age)
        for o in raw.derivation.leak_overrides
        if o.leak_by_age
    ]
    for where, fid, leaks in banded:
        problems += band_limits_problems(bands, where, leaks)
        by_age, leak = derived.get(fid, ((), ()))
        if not by_age or problems:
            continue
        everyone = mixed(bands, by_age, frozenset(range(len(bands))))
        if any(abs(a - b) > 1e-12 for a, b in zip(everyone, leak, strict=True)):
            problems.append(
                f"{where} › leak_by_age: a region pattern or nerve territory lowers this leak; "
                "expected a finding whose leak is its own"
            )
    if bands:
        limits = _limits(bands)
        problems += [
            f"{raw.where(entry)} › age_band › {field}: found {value}, expected one of the "
            f"age_mix limits {sorted(limits)}"
            for entry in raw.findings
            if entry.age_band is not None
            for field, value in _off_limits(entry.age_band, limits)
        ]
    return problems
