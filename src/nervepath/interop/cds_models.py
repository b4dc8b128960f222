"""The JSON of CDS Hooks 2.0 (https://cds-hooks.hl7.org/2.0/) as pydantic models."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Action",
    "Card",
    "CdsRequest",
    "CdsResponse",
    "Coding",
    "Discovery",
    "FhirAuthorization",
    "Link",
    "OverrideReason",
    "PatientViewContext",
    "Service",
    "Source",
    "Suggestion",
]

SUMMARY_LIMIT = 140


# What nervepath sends is checked strictly (the spec's card rules included); requests are read
# leniently, keeping extra keys, because hooks and EHRs add context fields and extensions.
class _Sent(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Received(BaseModel):
    model_config = ConfigDict(extra="allow")


class Coding(_Sent):
    system: str | None = None
    code: str
    display: str | None = None


class Service(_Sent):
    """One entry of the discovery document."""

    hook: str
    id: str
    title: str | None = None
    description: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class Discovery(_Sent):
    services: list[Service]


class FhirAuthorization(_Received):
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class PatientViewContext(_Received):
    """The ``patient-view`` context: who is looking, at which patient (and encounter)."""

    userId: str
    patientId: str
    encounterId: str | None = None


class CdsRequest(_Received):
    hook: str
    hookInstance: str
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: PatientViewContext
    prefetch: dict[str, dict[str, Any] | None] | None = None


class Source(_Sent):
    label: str
    url: str | None = None
    icon: str | None = None
    topic: Coding | None = None


class Action(_Sent):
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None


class Suggestion(_Sent):
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class OverrideReason(Coding):
    pass


class Link(_Sent):
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class Card(_Sent):
    uuid: str | None = None
    summary: Annotated[str, Field(min_length=1, max_length=SUMMARY_LIMIT - 1)]
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[OverrideReason] | None = None
    links: list[Link] | None = None

    @model_validator(mode="after")
    def _selection_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required when a card has suggestions")
        return self


class CdsResponse(_Sent):
    cards: list[Card]
    systemActions: list[Action] | None = None
