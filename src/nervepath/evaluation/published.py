"""Published cases: real patients from case reports, the measure of nervepath's accuracy.

One YAML file per case (``tests/published/cases/<id>.yaml``) holds the citation and link, a
paraphrase of what was known before the final diagnosis, the confirmed diagnosis (site, side,
origin and urgency as the case was managed, and how it was confirmed), and two translations
into nervepath answers: ``clinician`` (history and examination) and ``self_check`` (what the
patient could report). The translation rules are in ``tests/published/README.md``.

The split into *tuning* and *held-out* halves is fixed by a hash of the citation's link, so
every case of one article falls in the same half and no choice of ours can move a case.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Final, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from nervepath.assessment.case import Case, Patient, to_evidence
from nervepath.assessment.service import ORIGIN_GROUPS
from nervepath.assessment.triage import URGENCY_LEVELS
from nervepath.errors import CaseError, NervepathError
from nervepath.evaluation.evaluate import Expected, LabelledCase
from nervepath.knowledge import strict_yaml
from nervepath.knowledge.model import KnowledgeBase

__all__ = [
    "HALVES",
    "OUTSIDE_ORIGIN",
    "PublishedCase",
    "half_of",
    "labelled",
    "load_published_cases",
]

HALVES: Final = ("tuning", "held_out")
OUTSIDE_ORIGIN: Final = "other"
"""The origin of a condition outside the model's six groups (a knee, a thoracic cord…)."""

_ID: Final = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
_Text = Annotated[str, Field(min_length=3)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Citation(_Strict):
    authors: _Text
    year: Annotated[int, Field(ge=1900, le=2100)]
    title: _Text
    source: _Text  # journal, book or teaching site
    url: Annotated[str, Field(pattern=r"^https?://\S+$")]
    doi: str | None = None
    locator: str | None = None  # which patient of a series: "case 2"


class Diagnosis(_Strict):
    final: _Text
    confirmed_by: _Text
    site: str | None  # a knowledge-base site id, or null: the condition is outside the model
    side: Literal["left", "right"] | None
    origin: str
    urgency: str
    initially_labelled: str | None = None  # a mimic: what it was first taken to be

    @field_validator("origin")
    @classmethod
    def _origin(cls, value: str) -> str:
        allowed = (*ORIGIN_GROUPS, OUTSIDE_ORIGIN)
        if value not in allowed:
            raise ValueError(f"{value!r}; expected one of {', '.join(allowed)}")
        return value

    @field_validator("urgency")
    @classmethod
    def _urgency(cls, value: str) -> str:
        if value not in URGENCY_LEVELS:
            raise ValueError(f"{value!r}; expected one of {', '.join(URGENCY_LEVELS)}")
        return value


class Answers(_Strict):
    answers: dict[str, str | int]


class PublishedCase(_Strict):
    id: str
    citation: Citation
    patient: Patient
    presentation: _Text  # our paraphrase of what was known before the diagnosis
    diagnosis: Diagnosis
    clinician: Answers
    self_check: Answers
    unmapped: tuple[str, ...] = ()  # statements with no finding: the knowledge base's to-do list
    fixes: tuple[str, ...] = ()  # general faults this case exposed, and how they were fixed

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"{value!r}: use lower-case words joined by underscores")
        return value

    @property
    def half(self) -> str:
        return half_of(self.citation.url)

    @property
    def in_model(self) -> bool:
        return self.diagnosis.site is not None


def half_of(url: str) -> str:
    """``tuning`` or ``held_out``, from the SHA-256 of the citation's link (scheme and case
    of the host ignored, so ``http://`` and ``https://`` copies of one article agree)."""
    key = re.sub(r"^https?://", "", url.strip()).rstrip("/").lower()
    return HALVES[hashlib.sha256(key.encode()).digest()[0] & 1]


def load_published_cases(
    folder: Path, *, kb: KnowledgeBase | None = None
) -> tuple[PublishedCase, ...]:
    """Read every ``*.yaml`` case under ``folder`` (or one file), sorted by id.

    Every problem in every file is reported at once, one line each, in a single ``CaseError``.
    With ``kb`` the answers, the site, side and origin are checked against it, and the
    self-check translation may hold only findings a person can answer about themselves.
    """
    if folder.is_file():
        paths = [folder]
    elif folder.is_dir():
        paths = sorted(folder.rglob("*.yaml"))
    else:
        raise CaseError(f"{folder}: no such file or folder")
    if not paths:
        raise CaseError(f"{folder}: no *.yaml case files")
    cases: list[PublishedCase] = []
    problems: list[str] = []  # "file: what is wrong", one per problem
    ids: dict[str, Path] = {}
    for path in paths:
        try:
            case = _read(path)
        except CaseError as exc:
            problems.append(f"{path}: {exc}")
            continue
        found = [] if kb is None else list(_check(case, kb))
        if case.id != path.stem:
            found.append(f"id {case.id!r} differs from the file name {path.stem!r}")
        if case.id in ids:
            found.append(f"id {case.id!r} is also used by {ids[case.id]}")
        problems += [f"{path}: {message}" for message in found]
        ids.setdefault(case.id, path)
        cases.append(case)
    if problems:
        raise CaseError("\n".join(problems))
    return tuple(sorted(cases, key=lambda c: c.id))


def _read(path: Path) -> PublishedCase:
    try:
        doc = strict_yaml.load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise CaseError(f"cannot read ({exc})") from None
    except yaml.YAMLError as exc:
        raise CaseError(f"not valid YAML ({exc})".replace("\n", " ")) from None
    try:
        return PublishedCase.model_validate(doc)
    except ValidationError as exc:
        messages = [
            f"{'.'.join(str(p) for p in error['loc']) or 'case'}: {error['msg']}"
            for error in exc.errors()
        ]
        raise CaseError("; ".join(messages)) from None


def _check(case: PublishedCase, kb: KnowledgeBase) -> Iterable[str]:
    d = case.diagnosis
    if d.site is None:
        if d.side is not None:
            yield "diagnosis.side: a condition outside the model has no site, so no side"
    elif d.site not in kb.sites:
        yield f"diagnosis.site: {d.site!r} is not a site of the knowledge base (or use null)"
    else:
        site = kb.sites[d.site]
        if site.origin != d.origin:
            yield f"diagnosis.origin: {d.site} belongs to {site.origin}, not {d.origin}"
        if site.lateral and d.side is None:
            yield f"diagnosis.side: {d.site} has a side; give left or right"
        if not site.lateral and d.side is not None:
            yield f"diagnosis.side: {d.site} is a midline site; use null"
    instances = kb.finding_instances_by_name
    for setting in ("clinician", "self_check"):
        answers = getattr(case, setting).answers
        try:
            to_evidence(kb, Case(setting=setting, patient=case.patient, answers=answers))
        except NervepathError as exc:
            yield f"{setting}.{exc}"
            continue
        if setting == "self_check":
            for name in answers:
                if "self_check" not in kb.findings[instances[name].id].settings:
                    yield f"self_check.answers › {name}: only a clinician can answer this"


def labelled(case: PublishedCase, setting: Literal["clinician", "self_check"]) -> LabelledCase:
    """The case in one setting, as ``nervepath evaluate`` scores it."""
    d = case.diagnosis
    answers = getattr(case, setting).answers
    return LabelledCase(
        f"{case.id}:{setting}",
        Case(setting=setting, patient=case.patient, answers=answers),
        Expected(d.site, d.side, d.origin, d.urgency),
        d.final,
        case.citation.url,
        case.citation.locator,
    )
