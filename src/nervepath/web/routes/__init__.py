"""The routers of the web app: JSON API, HTML pages, interoperability (FHIR, CDS Hooks)."""
