"""The HTML report: one self-contained page (inline CSS and SVG) for a clinician or a patient."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from nervepath import __version__
from nervepath.assessment.service import Assessment
from nervepath.bodymap import render_body_map
from nervepath.knowledge.model import KnowledgeBase
from nervepath.report.charts import contribution_bar, marked_swatch, probability_chart
from nervepath.report.content import build_content

__all__ = ["render_report"]


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("nervepath.report", "templates"),
        autoescape=True,  # every value is escaped; only our own SVG is marked safe
        undefined=StrictUndefined,
        trim_blocks=False,
        keep_trailing_newline=True,
    )


def render_report(
    assessment: Assessment | Mapping[str, Any],
    case: Mapping[str, Any],
    kb: KnowledgeBase,
    *,
    audience: str,
    assessment_id: str | None = None,
    created_at: datetime | None = None,
    emergency_number: str | None = None,
) -> str:
    """The report as one HTML document with no external resources.

    ``assessment`` is an ``Assessment`` or its ``to_dict()`` form (as stored); ``case`` is the
    case document (its answers mark the body map). ``audience`` is ``clinician`` (clinical
    names, the weight of each finding, the answers) or ``patient`` (plain words, no tables of
    numbers). ``created_at`` defaults to now. ``emergency_number`` is the number the safety net
    tells a person to call (the web app's setting); without it the report says "call an
    ambulance", which is right wherever it is read.
    """
    c = build_content(
        assessment, case, kb, audience=audience, assessment_id=assessment_id, created_at=created_at
    )
    clinician = c.audience == "clinician"
    body_map = render_body_map(
        kb,
        marked=c.marked,
        setting="clinician" if clinician else "self_check",
        title="Symptom map" if clinician else "Where you feel it",
        columns=3,
        legend=False,
        id_prefix="report-map",
    )
    charts = {
        "sites_chart": probability_chart(
            c.sites, title="Differential" if clinician else "Where the problem most likely is"
        ),
        "origin_chart": probability_chart(c.origin, title="Origin groups"),
        "causes_chart": probability_chart(c.causes, title="Causes"),
    }

    def bar(value: float) -> Markup:
        return Markup(contribution_bar(value, c.contribution_scale))

    template = _environment().get_template("report.html")
    return template.render(
        content=c,
        body_map=Markup(body_map),
        bar=bar,
        swatch=Markup(marked_swatch(id_prefix="report-swatch")),
        version=__version__,
        emergency_number=emergency_number,
        **{name: Markup(svg) for name, svg in charts.items()},
    )
