"""The errors of the interop doors, hung on the one exception tree of ``nervepath.errors``."""

from __future__ import annotations

from nervepath.errors import CaseError, NervepathError

__all__ = ["CdsRequestError", "FhirResourceError"]


class FhirResourceError(CaseError):
    """A FHIR resource that cannot be read as a case: not valid FHIR, the wrong resource type,
    an unknown Questionnaire, an answer of a type nervepath does not use. The message names
    the element. A ``CaseError``, so the web answers 422 as for any invalid case."""


class CdsRequestError(NervepathError):
    """A CDS Hooks request this service cannot serve: another hook, or a prefetch that is empty
    or holds nothing nervepath coded. A plain ``NervepathError``, so the web answers 400."""
