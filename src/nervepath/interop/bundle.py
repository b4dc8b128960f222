"""An assessment as a FHIR ``Bundle`` (type collection) that any FHIR R4 server can read."""

from __future__ import annotations

from decimal import Decimal

from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.bundle import Bundle, BundleEntry, BundleLink
from fhir.resources.R4B.clinicalimpression import (
    ClinicalImpression,
    ClinicalImpressionFinding,
    ClinicalImpressionInvestigation,
)
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.flag import Flag
from fhir.resources.R4B.identifier import Identifier
from fhir.resources.R4B.meta import Meta
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource
from fhir.resources.R4B.riskassessment import RiskAssessment, RiskAssessmentPrediction

from nervepath import __version__
from nervepath.assessment.case import Case
from nervepath.assessment.service import Assessment, RankedSite
from nervepath.interop.codes import (
    BASE,
    SITE_SYSTEM,
    URGENCY_EXTENSION,
    Ids,
    finding_display,
    site_display,
    stamp,
    urgency_coding,
)
from nervepath.interop.observations import finding_observation
from nervepath.interop.response import questionnaire_response
from nervepath.knowledge.model import KnowledgeBase

__all__ = ["METHOD_SYSTEM", "TOP_FINDINGS", "assessment_bundle", "impression_summary"]

METHOD_SYSTEM = f"{BASE}/CodeSystem/method"
TOP_FINDINGS = 5
"""How many sites the ClinicalImpression lists as findings (the RiskAssessment has them all)."""
RATIONALE_CONTRIBUTIONS = 5
FLAGGED = ("emergency", "urgent")
FLAG_CATEGORY = "http://terminology.hl7.org/CodeSystem/flag-category"
_ACTION = {
    "emergency": "same-day assessment in an emergency department",
    "urgent": "assessment within days",
    "routine": "routine assessment within weeks",
    "self_care": "self-care, with review if not settling",
}


def _site_concept(site: RankedSite) -> CodeableConcept:
    code = site.id if site.side is None else f"{site.id}_{site.side}"
    return CodeableConcept(
        coding=[Coding(system=SITE_SYSTEM, code=code, display=site_display(site.name, site.side))],
        text=site.plain_name,
    )


def _rationale(kb: KnowledgeBase, site: RankedSite) -> str | None:
    """The answers that moved this site most, as change in log-odds when each is left out."""
    if not site.explanation:
        return None
    parts = [
        f"{finding_display(kb, c.finding)} = {c.state} ({c.log_odds_change:+.2f})"
        for c in site.explanation[:RATIONALE_CONTRIBUTIONS]
    ]
    return "Largest contributions (change in log-odds): " + "; ".join(parts)


def _urgency_line(assessment: Assessment) -> str:
    flags = "; ".join(f.clinical.split(":", 1)[0] for f in assessment.red_flags) or "none"
    return f"Urgency: {assessment.urgency} ({_ACTION[assessment.urgency]}). Red flags: {flags}."


def impression_summary(assessment: Assessment) -> str:
    """One paragraph: urgency and what to do, the red flags, the most probable sites."""
    top = ", ".join(
        f"{site_display(s.name, s.side)} {s.probability:.2f}"
        for s in assessment.sites[:TOP_FINDINGS]
    )
    return f"{_urgency_line(assessment)} Most probable lesion sites (posterior probability): {top}."


def assessment_bundle(
    assessment: Assessment,
    case: Case,
    kb: KnowledgeBase,
    *,
    assessment_id: str | None = None,
    base_url: str | None = None,
    subject: str | None = None,
) -> Bundle:
    """The assessment of ``case`` as a ``collection`` Bundle.

    Entries, each stamped with the knowledge-base version and SHA-256 in ``meta.tag`` and
    identified by a ``urn:uuid:`` derived from the assessment id (or from the case and the
    knowledge base), so that one assessment always gives the same bundle:

    * ``Patient``: anonymous (sex only), unless ``subject`` names the EHR's patient;
    * ``QuestionnaireResponse``: the answers (``response.py``);
    * one ``Observation`` per answer of the case, unknown included (``observations.py``);
    * ``RiskAssessment``: one ``prediction`` per ranked lesion site, outcome
      ``…/CodeSystem/site#<instance>``, ``probabilityDecimal`` the posterior probability
      (sites are not exclusive, so these do not sum to 1), ``rationale`` the answers that
      moved it most; ``method`` names nervepath and the knowledge base; ``basis`` the answers;
    * ``ClinicalImpression`` (FMM 0, an optional wrapper): urgency and red flags in
      ``summary``, each red flag with its source in ``note``, the top sites as ``finding``,
      ``prognosisReference`` the RiskAssessment, the urgency coded in an extension;
    * ``Flag``: only when the urgency is ``emergency`` or ``urgent``.

    ``assessment_id`` seeds the uuids and becomes the Bundle's identifier (under
    ``{base_url}/assessments`` when ``base_url`` is given, with a ``self`` link to its FHIR
    export); ``subject`` (``Patient/123``) replaces the anonymous Patient.
    """
    ids = (
        Ids(assessment_id)
        if assessment_id
        else Ids.of_content({"case": case.model_dump(mode="json"), "kb": assessment.kb_hash})
    )
    meta = stamp(assessment.kb_version, assessment.kb_hash)
    resources: list[tuple[str, Resource]] = []
    if subject is None:
        patient = Patient(id=ids.uuid("patient"), meta=meta, gender=case.patient.sex)
        resources.append((ids.url("patient"), patient))
        who = ids.reference("patient")
    else:
        who = Reference(reference=subject)
    qr_ref = ids.reference("questionnaire-response", "Answers")
    qr = questionnaire_response(
        case, kb, resource_id=ids.uuid("questionnaire-response"), subject=who, meta=meta
    )
    resources.append((ids.url("questionnaire-response"), qr))
    for name, raw in case.answers.items():
        key = f"observation/{name}"
        value = str(raw).strip().lower()
        obs = finding_observation(
            kb, name, value, resource_id=ids.uuid(key), subject=who, derived_from=qr_ref, meta=meta
        )
        resources.append((ids.url(key), obs))
    resources.append((ids.url("risk-assessment"), _risk(assessment, kb, ids, meta, who)))
    resources.append((ids.url("clinical-impression"), _impression(assessment, ids, meta, who)))
    if assessment.urgency in FLAGGED:
        resources.append((ids.url("flag"), _flag(assessment, ids, meta, who)))
    identifier, links = None, None
    if assessment_id:
        base = base_url.rstrip("/") if base_url else None
        system = f"{base}/assessments" if base else f"{BASE}/assessment"
        identifier = Identifier(system=system, value=assessment_id)
        if base:
            export = f"{base}/api/assessments/{assessment_id}/fhir"
            links = [BundleLink(relation="self", url=export)]
    return Bundle(
        id=ids.uuid("bundle"),
        meta=meta,
        identifier=identifier,
        type="collection",
        link=links,
        entry=[BundleEntry(fullUrl=full, resource=resource) for full, resource in resources],
    )


def _risk(
    assessment: Assessment, kb: KnowledgeBase, ids: Ids, meta: Meta, who: Reference
) -> RiskAssessment:
    method = Coding(
        system=METHOD_SYSTEM,
        code="nervepath",
        version=assessment.kb_version,
        display=f"nervepath {__version__} Bayesian network",
    )
    return RiskAssessment(
        id=ids.uuid("risk-assessment"),
        meta=meta,
        status="final",
        subject=who,
        method=CodeableConcept(
            coding=[method],
            text=(
                f"nervepath {__version__}, knowledge base {assessment.kb_version} "
                f"(sha256 {assessment.kb_hash}): exact posterior probabilities"
            ),
        ),
        basis=[ids.reference("questionnaire-response", "Answers")],
        prediction=[
            RiskAssessmentPrediction(
                outcome=_site_concept(site),
                # repr() is the shortest decimal that reads back as the same float: exact.
                probabilityDecimal=Decimal(repr(site.probability)),
                rationale=_rationale(kb, site),
            )
            for site in assessment.sites
        ],
    )


def _impression(assessment: Assessment, ids: Ids, meta: Meta, who: Reference) -> ClinicalImpression:
    urgency = CodeableConcept(coding=[urgency_coding(assessment.urgency)])
    return ClinicalImpression(
        id=ids.uuid("clinical-impression"),
        meta=meta,
        extension=[Extension(url=URGENCY_EXTENSION, valueCodeableConcept=urgency)],
        status="completed",
        subject=who,
        description=f"nervepath assessment ({assessment.setting.replace('_', '-')})",
        summary=impression_summary(assessment),
        investigation=[
            ClinicalImpressionInvestigation(
                code=CodeableConcept(text="nervepath questionnaire"),
                item=[ids.reference("questionnaire-response", "Answers")],
            )
        ],
        finding=[
            ClinicalImpressionFinding(
                itemCodeableConcept=_site_concept(site),
                basis=f"posterior probability {site.probability:.3f}"
                + ("" if site.explains is None else f"; explains the findings {site.explains:.3f}"),
            )
            for site in assessment.sites[:TOP_FINDINGS]
        ],
        prognosisReference=[ids.reference("risk-assessment", "Lesion-site probabilities")],
        note=[
            Annotation(text=f"**Red flag ({f.level}):** {f.clinical} — {f.citation}")
            for f in assessment.red_flags
        ]
        or None,
    )


def _flag(assessment: Assessment, ids: Ids, meta: Meta, who: Reference) -> Flag:
    clinical = Coding(system=FLAG_CATEGORY, code="clinical", display="Clinical")
    return Flag(
        id=ids.uuid("flag"),
        meta=meta,
        status="active",
        category=[CodeableConcept(coding=[clinical])],
        code=CodeableConcept(
            coding=[urgency_coding(assessment.urgency)], text=_urgency_line(assessment)
        ),
        subject=who,
    )
