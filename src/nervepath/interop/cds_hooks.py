"""A CDS Hooks 2.0 ``patient-view`` service: the patient's nervepath answers in, cards out."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhir.resources.R4B.resource import Resource

from nervepath import __version__
from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessment, Assessor
from nervepath.interop.cds_models import (
    SUMMARY_LIMIT,
    Card,
    CdsRequest,
    CdsResponse,
    Coding,
    Discovery,
    Link,
    Service,
    Source,
)
from nervepath.interop.codes import (
    BASE,
    FINDING_SYSTEM,
    SETTINGS,
    finding_display,
    questionnaire_url,
    site_display,
)
from nervepath.interop.errors import CdsRequestError
from nervepath.interop.fhir import (
    case_from_observations,
    case_from_questionnaire_response,
    parse_resource,
)

__all__ = ["SERVICE_ID", "StoreHook", "case_from_prefetch", "discovery", "patient_view"]

SERVICE_ID = "nervepath-patient-view"
TOPIC_SYSTEM = f"{BASE}/CodeSystem/cds-card"
TOP_SITES = 5
R = TypeVar("R", bound=Resource)
StoreHook = Callable[[Case, Assessment], str | None]
"""Stores an assessment and returns its id (None when it was not stored)."""

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "questionnaireResponse": (
        "QuestionnaireResponse?patient={{context.patientId}}&status=completed"
        f"&questionnaire={','.join(questionnaire_url(s) for s in SETTINGS)}"
        "&_sort=-authored&_count=1"
    ),
    "observations": f"Observation?patient={{{{context.patientId}}}}&code={FINDING_SYSTEM}|",
}
_INDICATOR = {"emergency": "critical", "urgent": "warning"}
_HEADLINE = {
    "emergency": "Emergency: same-day assessment in an emergency department",
    "urgent": "Urgent: assess within days",
    "routine": "Routine: assess within weeks",
    "self_care": "Self-care: review if not settling",
}


def discovery() -> dict[str, Any]:
    """The ``GET /cds-services`` document."""
    service = Service(
        hook="patient-view",
        id=SERVICE_ID,
        title="nervepath: where does this foot or leg pain come from?",
        description=(
            "Urgency and red flags (cauda equina first), the most probable lesion sites "
            "(lumbar root, peripheral nerve, hip, foot, vessels) and the most useful next "
            "examination, from the patient's nervepath questionnaire or Observations."
        ),
        prefetch=PREFETCH,
        usageRequirements=(
            "Prefetch questionnaireResponse or observations (nervepath coding); this service "
            "does not query the FHIR server itself."
        ),
    )
    return Discovery(services=[service]).model_dump(exclude_none=True)


def case_from_prefetch(prefetch: Mapping[str, Any] | None, assessor: Assessor) -> Case:
    """The case in the prefetch; this service never calls the FHIR server back.

    ``questionnaireResponse``: a nervepath QuestionnaireResponse, or a searchset of them newest
    first (the template sorts by ``-authored``), read as it was answered. Else
    ``observations``: a Bundle of Observations coded with nervepath's finding CodeSystem, read
    in the clinician setting (the user is a clinician) with age and sex from ``patient``.
    """
    kb = assessor.kb
    prefetch = prefetch or {}
    responses = _resources(prefetch.get("questionnaireResponse"), QuestionnaireResponse)
    if responses:
        return case_from_questionnaire_response(responses[0], kb)
    observations = _resources(prefetch.get("observations"), Observation)
    if any(c.system == FINDING_SYSTEM for o in observations for c in o.code.coding or []):
        patients = _resources(prefetch.get("patient"), Patient)
        patient = patients[0] if patients else None
        return case_from_observations(observations, kb, setting="clinician", patient=patient)
    raise CdsRequestError(
        "prefetch: no nervepath QuestionnaireResponse (key questionnaireResponse) and no "
        f"Observation coded with {FINDING_SYSTEM} (key observations); this service does "
        "not query the FHIR server itself, so send one of them"
    )


def _resources(data: Any, model: type[R]) -> list[R]:
    """The resources of type ``model`` in a prefetched resource or Bundle (in its order)."""
    if not isinstance(data, dict):
        return []
    if data.get("resourceType") == model.get_resource_type():
        return [parse_resource(data, model)]
    if data.get("resourceType") != "Bundle":
        return []
    bundle = parse_resource(data, Bundle)
    return [entry.resource for entry in bundle.entry or [] if isinstance(entry.resource, model)]


def patient_view(
    request: CdsRequest,
    assessor: Assessor,
    *,
    base_url: str | None,
    store_hook: StoreHook | None = None,
    assessment_path: str = "/clinic/assessments/{id}",
) -> CdsResponse:
    """Assess the patient in the prefetch and answer with three cards, in this order:

    1. urgency: ``critical`` for emergency, ``warning`` for urgent, ``info`` otherwise; the
       summary says the urgency and what to do, the detail lists every red flag with its
       source and the guideline advice. Red flags are rules and override the probabilities,
       so this card comes first whatever the differential says;
    2. differential: the most probable lesion sites with their posterior probabilities;
    3. next: the question or examination that would best separate the top candidates
       (red-flag questions first, as the interview asks them).

    ``store_hook`` may store the assessment and return its id; the cards then link to
    ``{base_url}{assessment_path}``. Raises ``CdsRequestError`` for another hook or an
    unusable prefetch, ``CaseError`` when the prefetched answers are not valid.
    """
    if request.hook != "patient-view":
        raise CdsRequestError(f"hook: found {request.hook!r}, expected 'patient-view'")
    case = case_from_prefetch(request.prefetch, assessor)
    assessment = assessor.assess(case)
    stored_id = store_hook(case, assessment) if store_hook else None
    links = None
    if stored_id and base_url:
        url = base_url.rstrip("/") + assessment_path.format(id=stored_id)
        links = [Link(label="Open the nervepath assessment", url=url, type="absolute")]
    cards = _Cards(request.hookInstance, assessment, assessor, base_url, links)
    return CdsResponse(cards=[c for c in (cards.urgency(), cards.sites(), cards.next()) if c])


def _fit(text: str, limit: int = SUMMARY_LIMIT - 1) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


class _Cards:
    def __init__(
        self,
        hook_instance: str,
        assessment: Assessment,
        assessor: Assessor,
        base_url: str | None,
        links: list[Link] | None,
    ) -> None:
        self.hook_instance = hook_instance
        self.a = assessment
        self.kb = assessor.kb
        self.base_url = base_url
        self.links = links

    def _card(self, topic: str, summary: str, detail: str, indicator: str) -> Card:
        namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"{BASE}/cds/{self.hook_instance}")
        source = Source(
            label=f"nervepath {__version__} (knowledge base {self.a.kb_version})",
            url=self.base_url,
            topic=Coding(system=TOPIC_SYSTEM, code=topic),
        )
        return Card.model_validate(
            {
                # Stable per hook call and card, so feedback can name the card.
                "uuid": str(uuid.uuid5(namespace, topic)),
                "summary": _fit(summary),
                "detail": detail,
                "indicator": indicator,
                "source": source,
                "links": self.links,
            }
        )

    def urgency(self) -> Card:
        a = self.a
        flags = [f.clinical.split(":", 1)[0] for f in a.red_flags]
        summary = _HEADLINE[a.urgency]
        if flags:
            more = f" (+{len(flags) - 1} more)" if len(flags) > 1 else ""
            summary = f"{summary}. Red flag: {flags[0]}{more}"
        lines = [f"**Urgency: {a.urgency.replace('_', ' ')}**", ""]
        if a.red_flags:
            lines += ["Red flags:", ""]
            lines += [
                f"- **{f.clinical}** ({f.level}) — {f.citation.rstrip('.')}"
                + (f", {f.source_locator}" if f.source_locator else "")
                for f in a.red_flags
            ]
        else:
            lines.append("No red flag among the answers.")
        care = [r for r in a.recommendations if r.kind in ("care", "imaging", "test")]
        if care:
            lines += ["", "What to do:", ""]
            lines += [f"- {r.text} — {r.citation}" for r in care]
        return self._card("urgency", summary, "\n".join(lines), _INDICATOR.get(a.urgency, "info"))

    def sites(self) -> Card | None:
        top = self.a.sites[:TOP_SITES]
        if not top:
            return None
        listed = ", ".join(f"{site_display(s.name, s.side)} {s.probability:.0%}" for s in top[:3])
        lines = [
            "| Lesion site | Origin | Explains | Probability |",
            "|---|---|---|---|",
            *(
                f"| {site_display(s.name, s.side)} | {s.origin.replace('_', ' ')} | "
                f"{'—' if s.explains is None else f'{s.explains:.1%}'} | {s.probability:.1%} |"
                for s in top
            ),
            "",
            "Sites are not exclusive: each probability is that site's own posterior. They are "
            "ranked by the probability that the site explains at least one finding entered.",
        ]
        return self._card("differential", f"Most probable: {listed}", "\n".join(lines), "info")

    def next(self) -> Card | None:
        questions = self.a.next_questions
        if not questions:
            return None
        lines = [
            f"- {finding_display(self.kb, q.finding)}"
            + (" **(red flag)**" if q.red_flag else "")
            + f" — expected information gain {q.expected_information_gain:.3f} nats"
            for q in questions
        ]
        summary = f"Most useful next: {finding_display(self.kb, questions[0].finding)}"
        return self._card("next-question", summary, "\n".join(lines), "info")
