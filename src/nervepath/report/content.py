"""What a report says, worked out from an assessment, a case and the knowledge base."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import chain
from typing import Any, Literal

from nervepath.assessment.service import Assessment, ranked_origins
from nervepath.assessment.wording import ORIGIN_PLAIN, URGENCY_MEANING
from nervepath.bodymap import marked_from_answers, quality_names, region_instances
from nervepath.errors import CaseError
from nervepath.knowledge.model import KnowledgeBase
from nervepath.report.charts import Bar, percent, signed
from nervepath.report.patient import View, patient_view

__all__ = [
    "AUDIENCES",
    "Advice",
    "Audience",
    "ContributionRow",
    "Flag",
    "NextStep",
    "ReportContent",
    "build_content",
]

Audience = Literal["clinician", "patient"]
AUDIENCES: tuple[Audience, ...] = ("clinician", "patient")
TOP_SITES = 8
TOP_EXPLAINED = 3
TOP_CAUSES = 5
TOP_CAUSES_PLAIN = 3  # a patient reads the likeliest few, not a differential
MAX_CONTRIBUTIONS = 40  # the largest effects; a longer table stops being read

# The headline is the same sentence every door prints (wording.py).
HEADLINE = URGENCY_MEANING
ACTION: dict[Audience, dict[str, str]] = {
    "patient": {
        "emergency": "Go to an emergency department (A&E) now, today. Do not wait to see if it "
        "settles, and do not wait for a GP appointment. Take this report with you.",
        "urgent": "Contact your GP or a clinician and ask to be seen within the next few days.",
        "routine": "Book an appointment with your GP, a physiotherapist or a podiatrist in the "
        "coming weeks.",
        "self_care": "Look after it at home. See a clinician if it gets worse, spreads, or has "
        "not settled in a few weeks.",
    },
    "clinician": {
        "emergency": "Same-day emergency assessment: refer now to the emergency department or "
        "the on-call spinal team.",
        "urgent": "Urgent assessment within days.",
        "routine": "Routine assessment within weeks.",
        "self_care": "Self-management with safety-netting; review if symptoms change.",
    },
}
ORIGIN_NAMES: dict[Audience, dict[str, str]] = {
    "patient": ORIGIN_PLAIN,
    "clinician": {
        "lumbar_spine": "lumbar spine",
        "peripheral_nerve": "peripheral nerve",
        "pelvis_hip": "pelvis / hip",
        "knee": "knee joint",
        "foot_local": "local foot",
        "vascular": "vascular",
        "systemic": "systemic",
        "leg_muscle": "lower-leg muscle compartments",
        "spinal_cord": "spinal cord",
    },
}
INTENDED_USE: dict[Audience, str] = {
    "patient": "This is decision support, not a diagnosis. A computer program worked it out from "
    "your answers; it has not examined you and it can be wrong. If you are worried, or your "
    "symptoms get worse or change, contact a doctor. If you have a warning sign, follow the "
    "advice at the top of this report now.",
    "clinician": "Intended use: clinical decision support for clinicians assessing foot and leg "
    "symptoms. This is decision support, not a diagnosis. The clinician must review the basis of "
    "every conclusion (the answers, each finding's contribution and the cited sources) and apply "
    "their own judgement before acting on it. Red-flag rules follow the cited guidelines and are "
    "never lowered by the probabilities.",
}


@dataclass(frozen=True)
class Flag:
    level: str
    text: str
    citation: str
    ref: str
    locator: str | None


@dataclass(frozen=True)
class Advice:
    kind: str
    text: str
    ref: str
    citation: str


@dataclass(frozen=True)
class NextStep:
    text: str
    finding: str
    gain: float
    red_flag: bool


@dataclass(frozen=True)
class ContributionRow:
    finding: str
    text: str
    answer: str
    changes: tuple[float | None, ...]  # one per explained site; None: not in its explanation

    def cells(self) -> list[tuple[float | None, str]]:
        return [(c, "" if c is None else signed(c)) for c in self.changes]


@dataclass(frozen=True)
class ReportContent:
    """Everything the template shows, already in the audience's words."""

    audience: Audience
    title: str
    created: str
    assessment_id: str | None
    patient: str
    urgency: str
    headline: str
    action: str
    flags: tuple[Flag, ...]
    marked: dict[str, list[str]]
    marked_lines: tuple[str, ...]
    sites: tuple[Bar, ...]
    origin: tuple[Bar, ...]
    explained: tuple[str, ...]
    contributions: tuple[ContributionRow, ...]
    contribution_scale: float
    contributions_left_out: int
    causes: tuple[Bar, ...]
    next_steps: tuple[NextStep, ...]
    advice: tuple[Advice, ...]
    answers: tuple[tuple[str, str], ...]
    references: tuple[tuple[str, str], ...]
    kb_version: str
    kb_hash: str
    intended_use: str
    plain: View  # the answer in plain words: page 1 of every report, and the safety net


def as_document(assessment: Assessment | Mapping[str, Any]) -> Mapping[str, Any]:
    """The assessment in its JSON form (``Assessment.to_dict()``)."""
    return assessment.to_dict() if isinstance(assessment, Assessment) else assessment


def _site_note(site: Mapping[str, Any], origin: str, clinician: bool) -> str:
    """The origin, and for a clinician the probability that the site explains the findings
    (the ranking's key; absent from assessments stored before it existed)."""
    explains = site.get("explains")
    return (
        origin if explains is None or not clinician else f"{origin}; explains {percent(explains)}"
    )


def _sided(name: str, side: str | None, audience: Audience) -> str:
    name = name[:1].upper() + name[1:]
    if side is None:
        return name
    return f"{name} ({side})" if audience == "clinician" else f"{name} ({side} side)"


class _Findings:
    """Finding instances in the audience's words, with their side."""

    def __init__(self, kb: KnowledgeBase, audience: Audience) -> None:
        self.kb = kb
        self.audience = audience
        self.instances = kb.finding_instances_by_name

    def text(self, instance: str, fallback: str = "") -> str:
        found = self.instances.get(instance)
        if found is None:
            return fallback or instance
        finding = self.kb.findings[found.id]
        text = finding.clinician_text if self.audience == "clinician" else finding.question
        return text if found.side is None else f"{text} [{found.side}]"


def _created(created_at: datetime | None) -> str:
    when = created_at or datetime.now(UTC)
    offset = when.utcoffset()
    zone = "" if offset is None else " UTC" if not offset else when.strftime(" UTC%z")
    return when.strftime("%d %B %Y, %H:%M") + zone


def _patient(case: Mapping[str, Any]) -> str:
    patient = case.get("patient") or {}
    parts = []
    if patient.get("age") is not None:
        parts.append(f"age {patient['age']}")
    if patient.get("sex"):
        parts.append(str(patient["sex"]))
    return ", ".join(parts)


def _contributions(
    findings: _Findings, sites: Sequence[Mapping[str, Any]]
) -> tuple[tuple[ContributionRow, ...], float, int]:
    """Each answer's log-odds change for the top sites, biggest effect first; the scale of the
    bars; and how many smaller contributions were left out."""
    by_finding: dict[str, dict[int, float]] = {}
    meta: dict[str, tuple[str, str]] = {}
    for column, site in enumerate(sites):
        for c in site.get("explanation", ()):
            by_finding.setdefault(c["finding"], {})[column] = float(c["log_odds_change"])
            meta.setdefault(c["finding"], (c.get("question", ""), str(c["state"])))
    order = sorted(by_finding, key=lambda f: -max(abs(v) for v in by_finding[f].values()))
    left_out = max(0, len(order) - MAX_CONTRIBUTIONS)
    rows = tuple(
        ContributionRow(
            finding,
            findings.text(finding, meta[finding][0]),
            meta[finding][1],
            tuple(by_finding[finding].get(col) for col in range(len(sites))),
        )
        for finding in order[:MAX_CONTRIBUTIONS]
    )
    scale = max((abs(c) for r in rows for c in r.changes if c is not None), default=0.0)
    return rows, scale, left_out


def build_content(
    assessment: Assessment | Mapping[str, Any],
    case: Mapping[str, Any],
    kb: KnowledgeBase,
    *,
    audience: str,
    assessment_id: str | None = None,
    created_at: datetime | None = None,
) -> ReportContent:
    if audience not in AUDIENCES:
        raise CaseError(f"audience {audience!r} is not known, expected clinician or patient")
    who: Audience = "clinician" if audience == "clinician" else "patient"
    doc = as_document(assessment)
    clinician = who == "clinician"
    findings = _Findings(kb, who)
    urgency = str(doc["urgency"])

    flags = tuple(
        Flag(
            f["level"],
            f["clinical"] if clinician else f["plain"],
            f["citation"],
            f["source_ref"],
            f.get("source_locator"),
        )
        for f in doc.get("red_flags", ())
    )
    answers = case.get("answers") or doc.get("answers") or {}
    marked = marked_from_answers(kb, answers)
    words = quality_names(kb)
    labels = {
        i.name: i.label("clinician" if clinician else "self_check") for i in region_instances(kb)
    }
    marked_lines = tuple(
        f"{labels[name]}: {', '.join(words.get(q, q).lower() for q in qualities)}"
        for name, qualities in marked.items()
    )

    ranked = list(doc.get("sites", ()))
    site_bars = tuple(
        Bar(
            _sided(s["name"] if clinician else s["plain_name"], s.get("side"), who),
            _site_note(s, ORIGIN_NAMES[who].get(s["origin"], s["origin"]), clinician),
            float(s["probability"]),
        )
        for s in ranked[:TOP_SITES]
    )
    # Origin groups by how probably they explain the findings, where the document has it.
    origin_bars = tuple(
        Bar(
            ORIGIN_NAMES[who].get(g, g).capitalize(),
            f"affected {percent(p)}" if clinician and explains is not None else "",
            float(p if explains is None else explains),
        )
        for g, p, explains in ranked_origins(doc.get("origin", {}), doc.get("origin_explains"))
    )
    top = ranked[:TOP_EXPLAINED]
    rows, scale, left_out = _contributions(findings, top) if clinician else ((), 0.0, 0)
    cause_bars = tuple(
        Bar(
            _sided(c["name"] if clinician else c["plain_name"], c.get("side"), who),
            "warning sign" if c.get("red_flag") else "",
            float(c["probability"]),
        )
        for c in list(doc.get("causes", ()))[: TOP_CAUSES if clinician else TOP_CAUSES_PLAIN]
    )
    next_steps = tuple(
        NextStep(
            findings.text(q["finding"], q["question"]) if clinician else q["question"],
            q["finding"],
            float(q["expected_information_gain"]),
            bool(q.get("red_flag")),
        )
        for q in list(doc.get("next_questions", ()))[:3]
    )
    advice = tuple(
        Advice(r["kind"], r["text"], r["source_ref"], r["citation"])
        for r in doc.get("recommendations", ())
    )
    plain = patient_view(doc, kb)
    plain_sources = [plain.safety_net.source, *([plain.top.source] if plain.top else [])]
    references: dict[str, str] = {}
    cited = chain(
        ((f.ref, f.citation) for f in flags),
        ((a.ref, a.citation) for a in advice),
        ((s.ref, kb.references[s.ref].citation) for s in plain_sources if not clinician),
    )
    for ref, citation in cited:
        references.setdefault(ref, citation)
    answer_rows = tuple(
        (findings.text(name), str(value)) for name, value in (doc.get("answers") or answers).items()
    )
    return ReportContent(
        audience=who,
        title="Assessment report" if clinician else "Your self-check summary",
        created=_created(created_at),
        assessment_id=assessment_id,
        patient=_patient(case),
        urgency=urgency,
        headline=HEADLINE.get(urgency, urgency.upper()),
        action=ACTION[who].get(urgency, ""),
        flags=flags,
        marked=marked,
        marked_lines=marked_lines,
        sites=site_bars,
        origin=origin_bars,
        explained=tuple(_sided(s["name"], s.get("side"), who) for s in top),
        contributions=rows,
        contribution_scale=scale,
        contributions_left_out=left_out,
        causes=cause_bars,
        next_steps=next_steps,
        advice=advice,
        answers=answer_rows,
        references=tuple(references.items()),
        kb_version=str(doc["kb_version"]),
        kb_hash=str(doc.get("kb_hash", "")),
        intended_use=INTENDED_USE[who],
        plain=plain,
    )
