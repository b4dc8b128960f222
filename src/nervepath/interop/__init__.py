"""Interoperability: FHIR R4 resources (R4B models) and a CDS Hooks 2.0 service."""
