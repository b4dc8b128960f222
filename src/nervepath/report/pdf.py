"""The PDF report: the HTML report laid out on A4 by WeasyPrint, with nothing fetched."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, NoReturn

from nervepath.assessment.service import Assessment
from nervepath.errors import NervepathError
from nervepath.knowledge.model import KnowledgeBase
from nervepath.report.html import render_report

__all__ = ["render_pdf"]


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    # The report is self-contained; a fetch would mean a leak of health data or a broken page.
    raise ValueError(f"report refused to fetch {url!r}: reports use no external resources")


def render_pdf(
    assessment: Assessment | Mapping[str, Any],
    case: Mapping[str, Any],
    kb: KnowledgeBase,
    *,
    audience: str,
    assessment_id: str | None = None,
    created_at: datetime | None = None,
    emergency_number: str | None = None,
) -> bytes:
    """The report as PDF bytes (A4, page numbers in the footer); arguments as ``render_report``.

    Raises ``NervepathError`` naming the extra to install when WeasyPrint is missing.
    """
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]  # no stubs
    except ImportError:
        raise NervepathError("PDF reports need WeasyPrint: pip install 'nervepath[pdf]'") from None
    html = render_report(
        assessment,
        case,
        kb,
        audience=audience,
        assessment_id=assessment_id,
        created_at=created_at,
        emergency_number=emergency_number,
    )
    pdf: bytes = HTML(string=html, base_url=None, url_fetcher=_refuse).write_pdf()
    return pdf
