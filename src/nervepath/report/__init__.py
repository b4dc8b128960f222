"""Reports of an assessment: HTML and PDF, for a clinician or a patient."""

from __future__ import annotations

from nervepath.report.content import AUDIENCES
from nervepath.report.html import render_report
from nervepath.report.pdf import render_pdf

__all__ = ["AUDIENCES", "render_pdf", "render_report"]
