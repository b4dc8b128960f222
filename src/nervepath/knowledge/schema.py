"""The shape of every knowledge-base file: pydantic models that reject unknown keys.

Every number carries its provenance: either a ``source`` (a reference id from
``references.yaml`` and where in it) or an ``estimate`` with the rationale for it.
A bare float does not load.

Longer than the house style's ~400 lines on purpose: every file's model is here, so
the shape of the whole knowledge base reads in one place and cross-model validators sit
beside the models they relate.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StringConstraints,
    Tag,
    model_validator,
)

__all__ = [
    "Advice",
    "AgeLeak",
    "AgeShare",
    "AllOf",
    "Anatomy",
    "AnyOf",
    "AtLeast",
    "Baseline",
    "BaselineDefault",
    "Candidates",
    "Cause",
    "CauseSite",
    "Citation",
    "Clinician",
    "Condition",
    "Derivation",
    "Estimate",
    "Examination",
    "Finding",
    "FindingCondition",
    "GradeScale",
    "Grades",
    "LeakOverride",
    "Lesion",
    "Level",
    "LikelihoodRatio",
    "LikelihoodWords",
    "Link",
    "Manifest",
    "Movement",
    "Muscle",
    "MyotomePattern",
    "Nerve",
    "OriginGroup",
    "PatientBook",
    "PlainCondition",
    "Probability",
    "PublishedRatio",
    "RecommendationBook",
    "RecommendationKind",
    "RedFlagAdvice",
    "Reference",
    "Reflex",
    "Region",
    "RegionGroup",
    "Root",
    "RootRegions",
    "SafetyNet",
    "SameQuestion",
    "SensoryQuality",
    "SignPattern",
    "Site",
    "SiteAdvice",
    "TriageBook",
    "TriageRule",
    "Urgency",
    "UrgencyAdvice",
]

Id = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*$", max_length=60)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
OriginGroup = Literal[
    "lumbar_spine",
    "peripheral_nerve",
    "pelvis_hip",
    "knee",
    "foot_local",
    "vascular",
    "systemic",
    "leg_muscle",
    "spinal_cord",
]
Setting = Literal["self_check", "clinician"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(Strict):
    """Where a fact comes from: a reference id and, ideally, the table or page."""

    ref: Id
    locator: str | None = None


class Estimate(Strict):
    """A number no study gives directly, with the reasoning behind it."""

    rationale: Annotated[str, StringConstraints(min_length=20, strip_whitespace=True)]


class _Provenance(Strict):
    source: Citation | None = None
    estimate: Estimate | None = None

    @model_validator(mode="after")
    def _exactly_one_provenance(self) -> _Provenance:
        if (self.source is None) == (self.estimate is None):
            raise ValueError("give exactly one of 'source' or 'estimate'")
        return self

    @property
    def is_sourced(self) -> bool:
        return self.source is not None


class Probability(_Provenance):
    """A probability with its provenance: ``{value: 0.62, source: {ref: …, locator: …}}``."""

    value: Annotated[float, Field(ge=0.0, le=1.0)]


class Grades(_Provenance):
    """Probabilities of the abnormal grades of a graded finding; the normal grade gets the rest.

    ``{value: {"4": 0.3, "3": 0.1}, estimate: {...}}`` on the MRC scale means: when
    this cause is present it produces grade 4 with probability 0.3, grade 3 with 0.1,
    and leaves strength normal (5) with probability 0.6.
    """

    value: dict[str, Annotated[float, Field(ge=0.0, le=1.0)]]

    @model_validator(mode="after")
    def _sums_to_at_most_one(self) -> Grades:
        if sum(self.value.values()) > 1.0 + 1e-9:
            raise ValueError("grade probabilities add up to more than 1")
        return self


class Reference(Strict):
    id: Id
    citation: Text
    url: str | None = None
    evidence: str | None = Field(
        default=None, description="the [Rn] label of this source in the shared evidence base"
    )


class Manifest(Strict):
    name: Text
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+\.\d+$")]
    description: Text
    intended_use: Text


# --- anatomy -------------------------------------------------------------------------


class Root(Strict):
    id: Id
    name: Text
    order: int = Field(description="cranial to caudal: L2 = 2 … S4 = 9")
    description: Text
    sources: list[Citation] = Field(min_length=1)


class Nerve(Strict):
    id: Id
    name: Text
    roots: list[Id] = Field(min_length=1)
    branch_of: Id | None = None
    fibres: Literal["motor", "sensory", "mixed"]
    description: Text
    sources: list[Citation] = Field(min_length=1)


class Region(Strict):
    """A body-map region, with the roots (core vs variable zone) and nerves supplying its skin
    and, for a place where weakness is felt, the muscles whose weakness is felt there."""

    id: Id
    name: Text = Field(description="plain words, as a patient would say it")
    clinical_name: Text
    group: Literal["foot", "ankle", "leg", "knee", "thigh", "hip", "pelvis", "back"]
    lateral: bool = True
    roots_core: list[Id] = Field(min_length=1)
    roots_variable: list[Id] = []
    nerves: list[Id] = Field(min_length=1)
    tags: list[Id] = []
    muscles: list[Id] = Field(
        default=[],
        description=(
            "muscles whose weakness a patient feels here: a quality with supply 'muscles'"
            " (weakness) takes its roots and nerves from them, not from the skin"
        ),
    )
    sources: list[Citation] = Field(min_length=1)


class Muscle(Strict):
    id: Id
    name: Text
    roots_primary: list[Id] = Field(min_length=1)
    roots_secondary: list[Id] = []
    roots_dominant: list[Id] = Field(
        default=[],
        description="primary roots whose lesion alone can paralyse the muscle, where series "
        "show it; a muscle's only primary root is dominant without being named",
    )
    nerve: Id
    sources: list[Citation] = Field(min_length=1)

    @model_validator(mode="after")
    def _dominant_is_primary(self) -> Muscle:
        extra = sorted(set(self.roots_dominant) - set(self.roots_primary))
        if extra:
            raise ValueError(f"roots_dominant {extra} not among roots_primary")
        return self


class Movement(Strict):
    """A movement tested by MRC grade; its muscles decide which roots and nerves it tests."""

    id: Id
    name: Text
    muscles: list[Id] = Field(min_length=1)
    symptom_question: Text | None = Field(
        default=None, description="plain-words question about trouble with this movement"
    )
    sources: list[Citation] = Field(min_length=1)


class Reflex(Strict):
    id: Id
    name: Text
    roots: list[Id] = Field(min_length=1)
    nerve: Id
    sources: list[Citation] = Field(min_length=1)


class Anatomy(Strict):
    roots: list[Root]
    nerves: list[Nerve]
    regions: list[Region]
    muscles: list[Muscle]
    movements: list[Movement]
    reflexes: list[Reflex]


# --- what goes wrong -----------------------------------------------------------------


class Lesion(Strict):
    """The anatomy a lesion site damages; links to findings are derived from it.

    ``nerves`` include every branch distal to them. ``region_tags`` select regions
    by tag (a length-dependent polyneuropathy damages the ``stocking`` regions).
    """

    roots: list[Id] = []
    nerves: list[Id] = []
    region_tags: list[Id] = []


class Site(Strict):
    id: Id
    name: Text
    plain_name: Text
    origin: OriginGroup
    lateral: bool
    description: Text
    leak: Probability = Field(
        description="probability that the site is affected by none of the modelled causes"
    )
    lesion: Lesion = Lesion()
    derived_scale: Probability | None = Field(
        default=None,
        description="multiplies the derived anatomy links (e.g. stenosis spares the exam at rest)",
    )
    territory: dict[Id, Probability] = Field(
        default={},
        description="per sensory quality (or the sensory exam), the site's rate per person of "
        "its nerve territory felt, where a series gives it: replaces the quality's nerve value "
        "/ given as the site's link to its territory node (knowledge/territory.py)",
    )
    territory_given: Probability | None = Field(
        default=None,
        description="P(a region of this site's territory has the quality | the territory is "
        "felt), for a territory too large for territory_pattern › given (a nerve of a "
        "dermatome's size)",
    )


class CauseSite(Strict):
    site: Id
    probability: Probability
    side: Literal["same", "both"] = "same"


class Cause(Strict):
    id: Id
    name: Text
    plain_name: Text
    aliases: list[Text] = []
    lateral: bool
    red_flag: bool = False
    description: Text
    prior: Probability
    sites: list[CauseSite] = Field(min_length=1)


class AgeBand(Strict):
    """A range of ages: those for which an age finding is present (so a case's age can answer
    it), or a band of an age-banded leak or of the population's age mix."""

    at_least: int | None = None
    below: int | None = None

    def holds(self, age: int) -> bool:
        return (self.at_least is None or age >= self.at_least) and (
            self.below is None or age < self.below
        )


def band_problems(bands: Sequence[AgeLeak | AgeShare], field: str) -> list[str]:
    """Age bands in order must cover every age once: the first from birth (no ``at_least``),
    each next one from the age the previous one stops (``below``), the last with no end."""
    problems: list[str] = []
    previous: int | None = None
    for i, band in enumerate(bands):
        if band.at_least != previous:
            found = "none" if band.at_least is None else band.at_least
            expected = (
                "none (the first band starts at birth)"
                if previous is None
                else f"{previous} (the previous band's 'below')"
            )
            problems.append(f"{field} › {i} › at_least: found {found}, expected {expected}")
        if band.below is not None and band.at_least is not None and band.below <= band.at_least:
            problems.append(f"{field} › {i} › below: found {band.below}, expected above at_least")
        if band.below is None and i != len(bands) - 1:
            problems.append(f"{field} › {i} › below: found none, expected a limit (a band follows)")
        previous = band.below
    if bands and bands[-1].below is not None:
        problems.append(
            f"{field} › {len(bands) - 1} › below: found {bands[-1].below}, expected none "
            "(the last band has no upper age)"
        )
    return problems


class AgeLeak(AgeBand):
    """A finding's leak among patients of one age band: ``{below: 60, leak: {...}}`` for a
    yes/no finding, ``leak_grades`` for a graded one. Bands run from birth (no ``at_least``)
    to no upper age (no ``below``), each next one starting where the previous one stops."""

    leak: Probability | None = None
    leak_grades: Grades | None = None

    @model_validator(mode="after")
    def _one_leak(self) -> AgeLeak:
        if (self.leak is None) == (self.leak_grades is None):
            raise ValueError("give exactly one of 'leak' or 'leak_grades'")
        return self


class AgeShare(AgeBand):
    """The share of one age band among the people nervepath serves (derivation.yaml ›
    age_mix): the weights of an age-banded leak when the age is unknown or only partly
    known."""

    share: Probability


def _age_leaks_problems(bands: list[AgeLeak], graded: bool) -> list[str]:
    problems = band_problems(bands, "leak_by_age")
    for i, band in enumerate(bands):
        if graded and band.leak_grades is None:
            problems.append(f"leak_by_age › {i} › leak: expected leak_grades (a graded finding)")
        if not graded and band.leak is None:
            problems.append(f"leak_by_age › {i} › leak_grades: expected leak (a yes/no finding)")
    return problems


class Finding(Strict):
    """A finding written by hand (history items, examination tests, local symptoms)."""

    id: Id
    category: Literal["symptom", "history", "exam"]
    lateral: bool
    age_band: AgeBand | None = None
    sex: Literal["female", "male"] | None = Field(
        default=None,
        description="present for a patient of this sex, absent for the other: the patient's "
        "sex answers it, so it is in no setting (never asked, never on a form)",
    )
    only_sex: Literal["female", "male"] | None = Field(
        default=None,
        description="only a patient of this sex can have it (pregnancy): 'present' for a patient "
        "of the other sex is refused",
    )
    question: Text = Field(description="plain words, for a person doing a self-check")
    clinician_text: Text
    settings: list[Setting]
    scale: Id | None = Field(default=None, description="a graded finding names its grade scale")
    leak: Probability | None = None
    leak_grades: Grades | None = None
    leak_by_age: list[AgeLeak] = Field(
        default=[],
        description="the leak per age band, in place of 'leak' / 'leak_grades': a sign that "
        "comes with age (an absent ankle jerk, a faint foot pulse); with the age unknown, the "
        "bands mixed by derivation.yaml › age_mix",
    )
    red_flag: bool = False
    risk_factor: bool = Field(
        default=False,
        description="a trait or exposure that makes a site likelier (age, sex, diabetes, a past "
        "illness), not something a site produces: no site is credited with explaining it",
    )
    noticed: bool = Field(
        default=False,
        description="a rare sign a person notices without an examination (a lump, a swelling, "
        "a wasted muscle, being unable to bear weight): decisive when present, yet too rare to "
        "be reached asked alone, so the self-check lists these on one checklist",
    )
    course: bool = Field(
        default=False,
        description="the time course of the whole complaint (when it began, how long it has "
        "lasted, whether it is getting worse), not a symptom or sign a site produces at a place: "
        "it moves the posteriors, but no site is credited with explaining it",
    )
    triage_only: bool = Field(
        default=False,
        description="no modelled site causes it (a sign of deep vein thrombosis, a risk factor): "
        "it has no links, moves no posterior, and only triage rules read it",
    )
    one_leg_answers_no: bool = Field(
        default=False,
        description="a question about both legs (symptoms in both legs): left unanswered, it is "
        "answered no when the answers report symptoms in one leg only, as the self-check body "
        "map answers it when one leg is marked",
    )

    def possible_for(self, sex: str | None) -> bool:
        """False for a finding only the other sex can have (pregnancy for a man); with the sex
        not given, or "other", it is possible."""
        return self.only_sex is None or sex not in ("female", "male") or sex == self.only_sex

    def patient_state(self, age: int | None, sex: str | None) -> str | None:
        """``present`` / ``absent`` as the patient's age or sex decides this finding; None
        where they do not (not an age or sex finding, not given, or sex "other")."""
        if self.age_band is not None and age is not None:
            return "present" if self.age_band.holds(age) else "absent"
        if self.sex is not None and sex in ("female", "male"):
            return "present" if sex == self.sex else "absent"
        return None

    @model_validator(mode="after")
    def _in_settings_unless_sex(self) -> Finding:
        if self.sex is not None and self.settings:
            raise ValueError("a sex finding is answered from the patient's sex: 'settings: []'")
        if self.sex is None and not self.settings:
            raise ValueError("'settings' needs at least one setting")
        # The patient answers one yes/no fact about the whole person, and only one of them.
        if self.age_band is not None or self.sex is not None:
            if self.age_band is not None and self.sex is not None:
                raise ValueError("give 'age_band' or 'sex', not both")
            if self.lateral or self.scale is not None:
                raise ValueError("an age or sex finding is yes/no and not lateral")
        if self.risk_factor and self.category != "history":
            raise ValueError("risk_factor: a symptom or sign is something a site produces")
        if self.noticed and (
            "self_check" not in self.settings or self.red_flag or self.risk_factor or self.course
        ):
            raise ValueError("noticed: a self-check sign, not a warning sign or a risk factor")
        if self.course and (self.category != "history" or self.lateral or self.risk_factor):
            raise ValueError("course: a yes/no history item about the whole complaint, not lateral")
        if self.one_leg_answers_no and (self.lateral or self.scale is not None):
            raise ValueError("one_leg_answers_no: a yes/no question about both legs, not lateral")
        return self

    @model_validator(mode="after")
    def _leak_matches_kind(self) -> Finding:
        if self.leak_by_age:
            if self.leak is not None or self.leak_grades is not None:
                raise ValueError("give 'leak_by_age' or a single leak, not both")
            problems = _age_leaks_problems(self.leak_by_age, self.scale is not None)
            if problems:
                raise ValueError("; ".join(problems))
            return self
        if self.scale is None and self.leak is None:
            raise ValueError("a yes/no finding needs 'leak' (or 'leak_by_age')")
        if self.scale is not None and self.leak_grades is None:
            raise ValueError("a graded finding needs 'leak_grades' (or 'leak_by_age')")
        return self


class Link(Strict):
    """A hand-written link from a site or cause to a finding."""

    finding: Id
    parent: Id
    side: Literal["same", "contralateral", "both"] = "same"
    probability: Probability | None = None
    grades: Grades | None = None

    @model_validator(mode="after")
    def _one_strength(self) -> Link:
        if (self.probability is None) == (self.grades is None):
            raise ValueError("give exactly one of 'probability' or 'grades'")
        return self


class PublishedRatio(Strict):
    """A published likelihood ratio and, where the study gives one, its interval."""

    value: Annotated[float, Field(gt=0.0)]
    low: Annotated[float, Field(gt=0.0)] | None = None
    high: Annotated[float, Field(gt=0.0)] | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PublishedRatio:
        if (self.low is None) != (self.high is None):
            raise ValueError("give both 'low' and 'high', or neither")
        if (
            self.low is not None
            and self.high is not None
            and not (self.low <= self.value <= self.high)
        ):
            raise ValueError("expected low ≤ value ≤ high")
        return self


class StudyPopulation(Strict):
    """The patients a study compared the target against, where that is not everyone with leg
    pain: the sites of the listed origin groups and the listed sites (a lateral one on the
    target's side, the leg the study examined). The implied ratio then compares the target with
    those sites only; patients with none of them (the finding's leak alone) and with other
    sites only are outside the study."""

    origins: list[OriginGroup] = []
    sites: list[Id] = []

    @model_validator(mode="after")
    def _some(self) -> StudyPopulation:
        if not self.origins and not self.sites:
            raise ValueError("give 'origins', 'sites' or both")
        return self


class LikelihoodRatio(Strict):
    """A published likelihood ratio the model must reproduce (checked by ``kb check``).

    The implied LR+ is the odds of ``target`` with ``finding`` answered ``state`` (and nothing
    else but the ``age``) over its odds with the age alone; the implied LR− the same with the
    finding answered absent (its normal grade, if graded). A lateral target is taken on the
    left, with the finding on the ``side`` given relative to it. With ``among``, both odds are
    taken within the study's population: the target against the other sites it enrolled.
    """

    finding: Id
    state: str = "present"
    target: Id = Field(description="a site or cause id")
    side: Literal["same", "contralateral"] = "same"
    age: Annotated[int, Field(ge=18, le=100)] | None = None
    positive: PublishedRatio | None = None
    negative: PublishedRatio | None = None
    population: Text
    among: StudyPopulation | None = Field(
        default=None,
        description="the sites the study's other patients had, where not all leg pain",
    )
    source: Citation

    @model_validator(mode="after")
    def _some_ratio(self) -> LikelihoodRatio:
        if self.positive is None and self.negative is None:
            raise ValueError("give 'positive', 'negative' or both")
        return self


# --- how anatomy becomes links -------------------------------------------------------


class GradeScale(Strict):
    id: Id
    name: Text
    grades: list[str] = Field(min_length=2, description="from normal to most severe")

    @model_validator(mode="after")
    def _distinct(self) -> GradeScale:
        if len(set(self.grades)) != len(self.grades):
            raise ValueError("grades must be distinct")
        return self


class RootRegions(Strict):
    """One root's own link for a quality in some regions, where the evidence gives that root's
    rate there (Taylor 2013: L5 pain seldom reaches the front of its dermatome but often the
    back of the leg); it replaces the quality's ``root_core`` or ``root_variable`` for them."""

    root: Id
    regions: list[Id] = Field(min_length=1)
    probability: Probability


class SensoryQuality(Strict):
    """A symptom felt in a region (numbness, burning…) and how lesions produce it."""

    id: Id
    name: Text
    question: Text = Field(description="template with {region}, e.g. 'Numbness in your {region}?'")
    leak: Probability
    root_core: Probability
    root_variable: Probability
    nerve: Probability
    region_tag: Probability
    per_root: list[RootRegions] = Field(
        default=[], description="a root's own value in some regions, replacing the shared one"
    )
    region_tags: list[Id] = Field(
        default=[], description="only regions with one of these tags get this quality; [] = all"
    )
    supply: Literal["skin", "muscles"] = Field(
        default="skin",
        description=(
            "what a lesion must reach to give the quality in a region: its skin (roots_core,"
            " roots_variable, nerves), or the muscles felt there (region › muscles: root_core"
            " for a primary root, root_variable for a secondary one, nerve for their nerve)"
        ),
    )

    def applies_to(self, region: Region) -> bool:
        """Whether the quality is asked of the region: its tags select it, or it has none."""
        return not self.region_tags or bool(set(self.region_tags) & set(region.tags))


class RegionGroup(Strict):
    """A part of the leg named without a finer place ("pain in the thigh", "a numb foot"):
    each listed quality (a symptom, or the examination's ``sensory_loss``) gets a finding
    ``{quality}_{id}`` that is the OR of its regions, with the links and leak the model implies
    for "at least one of these regions"; with ``movements``, weakness found on examination
    there (``{motor_part.id}_{id}``) is the OR of their strength grades below normal."""

    id: Id
    name: Text = Field(description="plain words, as in the quality's question: 'your thigh'")
    clinical_name: Text
    groups: list[Literal["foot", "ankle", "leg", "knee", "thigh", "hip"]] = Field(min_length=1)
    qualities: list[Id] = Field(min_length=1)
    movements: list[Id] = Field(
        default=[], description="movements whose muscles lie in this part (examined weakness)"
    )


class MotorPart(Strict):
    """Weakness found on examination in a part of the leg, muscles not named ("4/5 power in
    the leg"): the words of the findings the region groups' ``movements`` give."""

    id: Id
    name: Text = Field(description="as a clinician writes it: 'Weakness on examination'")
    question: Text = Field(description="template with {region}")


class QualityGroup(Strict):
    """A feeling named without its kind ("altered sensation in the toes", "abnormal feelings
    in the foot"): a finding ``{id}_{region}`` for every region and region group that is the OR
    of the listed qualities there, with the links and leak the model implies for "at least
    one of them"."""

    id: Id
    name: Text = Field(description="as a clinician writes it: 'Altered sensation'")
    question: Text = Field(description="template with {region}")
    qualities: list[Id] = Field(min_length=2)


class LeakOverride(Strict):
    """A derived finding whose background rate is known better than its quality's or scale's:
    ``{finding: reflex_achilles, leak_grades: {...}}`` or ``{finding: pain_heel, leak: {...}}``.
    """

    finding: Id
    leak: Probability | None = None
    leak_grades: Grades | None = None
    leak_by_age: list[AgeLeak] = []

    @model_validator(mode="after")
    def _one_leak(self) -> LeakOverride:
        given = [x for x in (self.leak, self.leak_grades) if x is not None]
        if len(given) + bool(self.leak_by_age) != 1:
            raise ValueError("give exactly one of 'leak', 'leak_grades' or 'leak_by_age'")
        if self.leak_by_age:
            graded = any(b.leak_grades is not None for b in self.leak_by_age)
            problems = _age_leaks_problems(self.leak_by_age, graded)
            if problems:
                raise ValueError("; ".join(problems))
        return self


class SameQuestion(Strict):
    """A derived finding that asks what a hand-written one already asks ("pain in your lower
    back" is ``back_pain``): its answers are read as the other's, so one fact is counted once.
    """

    finding: Id
    same_as: Id
    rationale: Annotated[str, StringConstraints(min_length=20, strip_whitespace=True)]


class FindingLink(Strict):
    """A finding and the probability that a derived node produces it."""

    finding: Id
    probability: Probability


class RegionPattern(Strict):
    """A region tag felt as a whole by a person: a polyneuropathy's ``stocking``.

    A site's region-tag value is a rate per person (half of people with a polyneuropathy have
    numb feet), not per region. Given to each region as an independent link it multiplied
    over the pattern (numb toes of both feet: LR 302 for a polyneuropathy), and the regions'
    independent leaks made the same pattern without a modelled lesion rarer still. So each
    quality gets one hidden *pattern* node: a noisy-OR of the sites with the tag, each at its
    region-tag value, and of a *background* root, the pattern felt without a modelled lesion
    (``both_legs``: a felt pattern, whatever turns it on, gives symptoms in both legs, and a
    site's own link to that finding keeps only the rest); each region of the tag is the
    pattern's child at ``given``, and the region's own leak keeps the rest of its rate, so one
    region alone reads as before."""

    tag: Id
    given: Probability = Field(
        description="P(a region of the pattern has the quality | the pattern is felt)"
    )
    background_share: Probability = Field(
        description="the share of a pattern region's leak that is the background pattern"
    )
    both_legs: FindingLink | None = Field(
        default=None,
        description="a finding every felt pattern gives (symptoms in both legs), whatever turns "
        "it on; a site's own link to it keeps only what its patterns do not give",
    )


class TerritoryPattern(Strict):
    """A nerve's territory felt as a whole (knowledge/territory.py): per lateral site and
    quality whose nerve rule reaches ``min_regions`` regions or more, one hidden node, the site
    its parent at ``nerve / given`` (a rate per person) with a leak of ``background_share ×
    leak / given`` (the territory felt without the site), each region of the territory its
    child at ``given``; the region's own leak keeps the rest, so one region reads as before
    while a whole territory weighs about as one person's pattern, not a product of regions."""

    given: Probability = Field(
        description="P(a region of the territory has the quality | the territory is felt)"
    )
    background_share: Probability = Field(
        description="the share of a territory region's leak that is this territory's background"
    )
    min_regions: int = Field(
        default=2, ge=2, description="the fewest regions a territory node is made for"
    )


class SignPattern(Strict):
    """Examination signs a bilateral site gives on both sides at once: a length-dependent
    polyneuropathy's monofilament or vibration loss is symmetric.

    A midline site's link to a lateral finding reaches each side independently, so one foot
    abnormal and the other normal counted for a polyneuropathy (monofilament: LR 2.4), and both
    abnormal multiplied (LR 19.6 against the published per-person 4.4). Each listed finding
    gets one hidden node, the sign on both sides: a noisy-OR of the midline sites that link the
    finding (each at its link over ``given``) and of a background root (the sign on both sides
    without a modelled lesion, ``background_share × leak / given``); each side is its child at
    ``given``, and the side's own leak keeps the rest of its rate, so one side alone reads as
    before (knowledge/signs.py)."""

    findings: list[Id] = Field(description="lateral hand-written findings read as a pair")
    given: Probability = Field(description="P(the sign on one side | the sign on both sides)")
    background_share: Probability = Field(
        description="the share of a side's leak that is the sign on both sides"
    )


class MyotomePattern(Strict):
    """A root's myotome weakened as a whole (knowledge/myotome.py).

    A root's links to the movements it supplies were independent given the root, so a foot
    drop with normal inversion and hip abduction still counted about 0.6 × 0.6 for the L5
    root, though a lesion dense enough to drop the foot nearly always weakens tibialis
    posterior and gluteus medius too. Each listed root gets one hidden node per side, the
    dense motor lesion: every lateral site whose lesion is that root alone its parent at
    ``rate``; each movement whose muscles the root supplies as a primary root its child (at
    ``primary``, or ``shared`` where another primary root spares the muscle, and reported
    difficulty at ``symptom``), and the ``carried`` hand-written findings too, at the site's
    link over ``rate``. The site's own link to each keeps the rest, so one finding alone
    reads as before; the myotome's findings now rise and fall together."""

    roots: list[Id] = Field(min_length=1, description="the roots that get a dense-lesion node")
    rate: Probability = Field(description="P(dense motor lesion | a lesion of the root)")
    primary: Grades = Field(
        description="a movement's grade given the dense lesion, the root its muscle's only or "
        "dominant primary root"
    )
    shared: Grades = Field(
        description="a movement's grade given the dense lesion, the root one of two primary "
        "roots of its muscle"
    )
    symptom: Probability = Field(
        description="P(difficulty with a movement reported | the dense lesion), primary root"
    )
    carried: dict[Id, list[Id]] = Field(
        default={},
        description="per root, hand-written findings its sites' links to which the node "
        "carries, at the least link / rate (L5: the foot drop)",
    )


class Derivation(Strict):
    """The probabilities that turn anatomy into links (see ``knowledge/network.py``)."""

    scales: list[GradeScale]
    sensory_qualities: list[SensoryQuality]
    sensory_exam: SensoryQuality
    motor_scale: Id
    motor_leak: Grades
    motor_root_primary: Grades
    motor_root_primary_shared: Grades | None = Field(
        default=None,
        description="a lesion that spares another primary root of the muscle: the others "
        "keep the muscle above grade 3 in most; None gives motor_root_primary",
    )
    motor_root_secondary: Grades
    motor_nerve: Grades
    movement_symptom_leak: Probability
    movement_symptom_root_primary: Probability
    movement_symptom_root_secondary: Probability
    movement_symptom_nerve: Probability
    reflex_scale: Id
    reflex_leak: Grades
    reflex_root: Grades
    reflex_nerve: Grades
    leak_overrides: list[LeakOverride] = []
    age_mix: list[AgeShare] = Field(
        default=[],
        description="the age bands of the people nervepath serves and their shares: every "
        "limit of an age-banded leak and of an age finding is one of theirs",
    )
    region_groups: list[RegionGroup] = []
    motor_part: MotorPart | None = None
    quality_groups: list[QualityGroup] = []
    same_questions: list[SameQuestion] = []
    region_pattern: RegionPattern | None = None
    territory_pattern: TerritoryPattern | None = None
    sign_pattern: SignPattern | None = None
    myotome_pattern: MyotomePattern | None = None

    @model_validator(mode="after")
    def _age_mix_covers_every_age(self) -> Derivation:
        problems = band_problems(self.age_mix, "age_mix")
        total = sum(b.share.value for b in self.age_mix)
        if self.age_mix and abs(total - 1.0) > 1e-9:
            problems.append(f"age_mix › share: found a total of {total:.6g}, expected 1")
        if problems:
            raise ValueError("; ".join(problems))
        return self


# --- triage and recommendations ------------------------------------------------------
# Red flags are rules from guidelines, kept apart from the probabilities and overriding
# them (design.md, "The reasoning"): the models below hold the rules as data.

Level = Literal["emergency", "urgent", "routine"]
Urgency = Literal["emergency", "urgent", "routine", "self_care"]
FindingPattern = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\*?$", max_length=61)]
RecommendationKind = Literal["care", "test", "imaging", "examination", "self_care"]
Clinician = Literal[
    "emergency_department",
    "gp",
    "physiotherapist",
    "podiatrist",
    "spine_specialist",
    "neurologist",
    "rheumatologist",
    "vascular_surgeon",
]


class FindingCondition(Strict):
    """``{finding: numbness_saddle, in: [present]}``: a finding answered with one of these states.

    ``finding`` is a base id (``foot_drop``, not ``foot_drop_left``) or a prefix ending in
    ``*`` (``strength_*``: any leg movement). A lateral finding matches on either leg unless
    ``sides: both`` asks for the left and the right one. A finding that was not asked, or
    was answered "unknown", never matches: rules fire on what was reported.
    """

    finding: FindingPattern
    states: list[str] = Field(alias="in", min_length=1)
    sides: Literal["either", "both"] = "either"
    excluding: list[Id] = Field(
        default=[],
        alias="except",
        description="ids a prefix must not match: {finding: pain_*, except: [pain_lower_back]}",
    )


class AllOf(Strict):
    """Every condition holds; with ``same_side: true`` the lateral ones on the same leg."""

    all_of: list[Condition] = Field(min_length=1)
    same_side: bool = False


class AnyOf(Strict):
    """At least one condition holds."""

    any_of: list[Condition] = Field(min_length=1)


class AtLeast(Strict):
    """At least ``at_least`` of the conditions hold (criteria such as "≥ 2 of 4 items")."""

    at_least: int = Field(ge=1)
    of: list[Condition] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> AtLeast:
        if self.at_least > len(self.of):
            raise ValueError(f"at most {len(self.of)} (the number of conditions in 'of')")
        return self


class Points(Strict):
    """One item of a points score: ``points`` (negative for "an alternative is as likely")."""

    points: int = Field(ge=-10, le=10)
    when: Condition

    @model_validator(mode="after")
    def _counts(self) -> Points:
        if self.points == 0:
            raise ValueError("an item worth 0 points never changes the score, expected ±1 or more")
        return self


class Score(Strict):
    """A clinical score (the two-level Wells score): the points of the items that hold add up to
    at least ``score_at_least``."""

    score_at_least: int = Field(ge=1)
    items: list[Points] = Field(min_length=1)

    @model_validator(mode="after")
    def _reachable(self) -> Score:
        best = sum(i.points for i in self.items if i.points > 0)
        if best < self.score_at_least:
            raise ValueError(f"at most {best} (the positive points of 'items')")
        return self


# Union tags are written "<key>" so that error messages can leave them out of a field path.
_CONDITION_KEYS: dict[str, type[Strict]] = {
    "all_of": AllOf,
    "any_of": AnyOf,
    "at_least": AtLeast,
    "score_at_least": Score,
    "finding": FindingCondition,
}


def _condition_tag(value: object) -> str | None:
    if isinstance(value, dict):
        return next((f"<{key}>" for key in _CONDITION_KEYS if key in value), None)
    return next((f"<{k}>" for k, model in _CONDITION_KEYS.items() if type(value) is model), None)


Condition = Annotated[
    Annotated[FindingCondition, Tag("<finding>")]
    | Annotated[AllOf, Tag("<all_of>")]
    | Annotated[AnyOf, Tag("<any_of>")]
    | Annotated[AtLeast, Tag("<at_least>")]
    | Annotated[Score, Tag("<score_at_least>")],
    Discriminator(
        _condition_tag,
        custom_error_type="condition",
        custom_error_message=(
            "a condition: {finding: …, in: […]}, {any_of: […]}, {all_of: […]}, "
            "{at_least: n, of: […]} or {score_at_least: n, items: [{points: p, when: …}]}"
        ),
    ),
]
for _model in (AllOf, AnyOf, AtLeast, Points, Score):
    _model.model_rebuild()


class LongStandingTempo(Strict):
    """When symptoms count as long-standing and not getting worse: rules with
    ``long_standing`` then fire one level lower; ``source`` is the guideline that says so."""

    when: Condition
    source: Citation


class LongStanding(Strict):
    """How a rule reads when the symptoms are long-standing and not getting worse: one level
    lower, with wording that says why. The book's ``long_standing`` condition decides, unless
    the rule names the course its own meaning depends on (``when``): a motor deficit is stable
    when the weakness is not getting worse, whatever the pain does."""

    when: Condition | None = Field(
        default=None,
        description="when this rule's symptoms count as long-standing and stable, instead of "
        "the book's long_standing condition",
    )
    plain: Text
    clinical: Text


class TriageRule(Strict):
    """A red flag: when its condition holds (and ``unless`` does not), urgency is at least
    ``level``. ``unless`` lets a rule say what its wording excludes ("without back symptoms",
    "new or worsening"): a companion rule at another level covers the excluded case. A rule
    that holds on a leg is silenced only by an ``unless`` that holds on that leg (or in the
    midline): findings on the other leg never silence it.

    ``plain`` is for the person (what it may mean and what to do now), ``clinical`` for a
    clinician; ``source`` is the guideline that sets the level, ``see_also`` supporting ones.
    """

    id: Id
    level: Level
    when: Condition
    unless: Condition | None = Field(
        default=None,
        description="the rule does not fire when this holds (a lower rule covers that case)",
    )
    excludes: list[Id] = Field(
        default=[],
        description="rules whose wording contradicts this one's: the two must never both fire",
    )
    long_standing: LongStanding | None = Field(
        default=None,
        description="one level lower, worded so, when the symptoms are long-standing and stable",
    )
    asked_first: bool = Field(
        default=True,
        description="an emergency rule's findings are among the self-check's first warning "
        "signs; false: they are asked only once an answer has made the rule decisive",
    )
    plain: Text
    clinical: Text
    source: Citation
    see_also: list[Citation] = []

    @model_validator(mode="after")
    def _lowerable(self) -> TriageRule:
        if self.long_standing is not None and self.level == "routine":
            raise ValueError(
                "'long_standing' lowers a rule by one level, expected it on an "
                "emergency or urgent rule, not a routine one"
            )
        return self


class Baseline(Strict):
    """A level suggested by the posterior probabilities; red-flag rules can only raise it.

    Either ``probability_of`` (a site or cause id, either side) reaches ``at_least``, or
    the top-ranked site is one of ``top_site_in`` (optionally with at least
    ``top_at_least`` and every site outside the list below ``others_below``).
    """

    id: Id
    level: Urgency
    probability_of: Id | None = None
    at_least: Probability | None = None
    top_site_in: list[Id] = []
    top_at_least: Probability | None = None
    others_below: Probability | None = None
    when: Condition | None = Field(
        default=None,
        description="the answers must also meet this: a posterior is a suspicion only with a "
        "feature its guideline names",
    )
    unless: Condition | None = Field(
        default=None, description="the baseline does not apply when the answers meet this"
    )
    plain: Text
    clinical: Text
    source: Citation

    @model_validator(mode="after")
    def _one_kind(self) -> Baseline:
        by_probability = self.probability_of is not None or self.at_least is not None
        by_rank = bool(self.top_site_in)
        if by_probability == by_rank:
            raise ValueError("give either 'probability_of' with 'at_least', or 'top_site_in'")
        if by_probability and (self.probability_of is None or self.at_least is None):
            raise ValueError("give 'probability_of' and 'at_least' together")
        if by_probability and (self.top_at_least is not None or self.others_below is not None):
            raise ValueError("'top_at_least' and 'others_below' go only with 'top_site_in'")
        return self


class BaselineDefault(Strict):
    """The level when no baseline matches (no probabilities, or none decisive)."""

    level: Urgency
    plain: Text
    clinical: Text
    source: Citation


class TriageBook(Strict):
    """``triage.yaml``: red-flag rules, probability baselines and the default level."""

    shared: list[Condition] = Field(
        default=[], description="conditions used by several rules, through YAML anchors"
    )
    long_standing: LongStandingTempo | None = None
    rules: list[TriageRule]
    baselines: list[Baseline]
    default: BaselineDefault


class Advice(Strict):
    """One recommendation, worded for the person and for a clinician, with its source."""

    kind: RecommendationKind
    see: Clinician | None = Field(default=None, description="whom to see, for kind 'care'")
    plain: Text
    clinical: Text
    source: Citation

    @model_validator(mode="after")
    def _see_for_care(self) -> Advice:
        if (self.kind == "care") != (self.see is not None):
            raise ValueError("'see' with kind 'care', and only with it")
        return self


class UrgencyAdvice(Strict):
    """What to do at one urgency level (the first thing a person reads)."""

    id: Id
    urgency: Urgency
    advice: list[Advice] = Field(min_length=1)


class RedFlagAdvice(Strict):
    """What a fired red-flag rule calls for (e.g. same-day MRI for suspected CES)."""

    id: Id
    rules: list[Id] = Field(min_length=1)
    settings: list[Setting] = ["self_check", "clinician"]
    advice: list[Advice] = Field(min_length=1)


class SiteAdvice(Strict):
    """Whom to see and which test confirms, for sites or whole origin groups.

    Applies only at the listed ``urgencies`` and, with ``red_flags: none``, only when no
    red flag fired (e.g. "no routine imaging" never stands beside a red flag).
    """

    id: Id
    sites: list[Id] = []
    origins: list[OriginGroup] = []
    urgencies: list[Urgency] = ["urgent", "routine", "self_care"]
    red_flags: Literal["any", "none"] = "any"
    settings: list[Setting] = ["self_check", "clinician"]
    advice: list[Advice] = Field(min_length=1)

    @model_validator(mode="after")
    def _sites_or_origins(self) -> SiteAdvice:
        if bool(self.sites) == bool(self.origins):
            raise ValueError("give either 'sites' or 'origins'")
        return self


class Examination(Strict):
    """A classic examination that separates two candidate sites (evidence §1.6)."""

    id: Id
    between: list[Id] = Field(min_length=2, max_length=2)
    findings: list[Id] = Field(min_length=1, description="the findings this examination records")
    plain: Text
    clinical: Text
    source: Citation


class Candidates(Strict):
    """Which ranked sites recommendations consider: the ``top`` few with ``at_least``."""

    top: int = Field(ge=1)
    at_least: Probability


class RecommendationBook(Strict):
    """``recommendations.yaml``."""

    candidates: Candidates
    urgency: list[UrgencyAdvice]
    red_flags: list[RedFlagAdvice]
    sites: list[SiteAdvice]
    examinations: list[Examination]


class PlainCondition(Strict):
    """A lesion site as the person reads it on the result: the everyday name of the condition,
    its medical name, what it means and a short explanation, from patient information."""

    site: Id
    condition: Text = Field(description="the name a person may know: 'Sciatica'")
    medical_name: Text = Field(description="what a clinician would write: 'L5 radiculopathy'")
    meaning: Text = Field(description="in a few plain words: 'a trapped nerve root in the back'")
    explanation: Text = Field(description="two or three plain sentences: what it is and does")
    source: Citation


class SafetyNet(Strict):
    """What every result says, whatever its urgency: the warning signs that need help the same
    day (safety-netting), in plain words, with the guideline that lists them."""

    heading: Text
    signs: list[Text] = Field(min_length=1)
    source: Citation
    see_also: list[Citation] = []


class LikelihoodWords(Strict):
    """How the ranked sites are worded: the first "most likely", then "possible" down to
    ``possible_at_least``, the rest "less likely"; a top site below it is no clear answer."""

    possible_at_least: Probability


class PatientBook(Strict):
    """``patient.yaml``: the plain words a person reads on the result and the report."""

    likelihood: LikelihoodWords
    safety_net: SafetyNet
    conditions: list[PlainCondition]
