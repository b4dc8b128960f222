"""HTML and PDF reports: what they say, in which order, for whom, and that nothing leaks in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from nervepath.assessment.case import parse_case
from nervepath.assessment.service import Assessment, Assessor
from nervepath.knowledge.model import KnowledgeBase
from nervepath.report import render_pdf, render_report
from nervepath.report.charts import percent, signed

pypdf = pytest.importorskip("pypdf")
pytest.importorskip("weasyprint")

EXAMPLES = Path(__file__).parents[2] / "examples"
WHEN = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
# Suspected cauda equina syndrome: saddle numbness and new urinary retention with bilateral
# sciatica (GIRFT suspected-CES pathway features; triage rules ces_saddle_sensory_change and
# ces_new_bladder_dysfunction).
CES_CASE: dict[str, Any] = {
    "setting": "self_check",
    "patient": {"age": 52, "sex": "female"},
    "answers": {
        "numbness_saddle": "present",
        "new_bladder_dysfunction": "present",
        "back_pain": "present",
        "pain_posterior_thigh_left": "present",
        "pain_posterior_thigh_right": "present",
    },
}


@pytest.fixture(scope="module")
def assessor(shipped_kb: KnowledgeBase) -> Assessor:
    return Assessor(shipped_kb)


@pytest.fixture(scope="module")
def l5_case() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EXAMPLES / "l5_radiculopathy.json").read_text())
    return data


@pytest.fixture(scope="module")
def l5(assessor: Assessor, l5_case: dict[str, Any]) -> Assessment:
    return assessor.assess(parse_case(l5_case))


@pytest.fixture(scope="module")
def ces(assessor: Assessor) -> Assessment:
    return assessor.assess(parse_case(CES_CASE))


def _pdf_pages(data: bytes) -> list[str]:
    assert data.startswith(b"%PDF")
    return [page.extract_text() for page in pypdf.PdfReader(BytesIO(data)).pages]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.fixture(scope="module")
def clinician_pdf(l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase) -> str:
    pages = _pdf_pages(
        render_pdf(
            l5, l5_case, shipped_kb, audience="clinician", assessment_id="a1", created_at=WHEN
        )
    )
    assert all(f"Page {n} of {len(pages)}" in p for n, p in enumerate(pages, 1))
    return "\n".join(pages)


@pytest.fixture(scope="module")
def patient_pdf(l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase) -> str:
    pages = _pdf_pages(render_pdf(l5, l5_case, shipped_kb, audience="patient", created_at=WHEN))
    return "\n".join(pages)


def test_clinician_pdf_says_what_matters(clinician_pdf: str, l5: Assessment) -> None:
    text = _flat(clinician_pdf)
    top = l5.sites[0]
    assert "ROUTINE" in text
    assert f"{top.name} ({top.side})" in text
    assert percent(top.probability) in text
    advice = l5.recommendations[0]
    assert f"[{advice.source_ref}]" in text
    assert l5.kb_version in text
    assert l5.kb_hash in clinician_pdf.replace("\n", "")
    assert "The clinician must review the basis of every conclusion" in text
    assert "Log-odds change" in text
    first = top.explanation[0]
    assert signed(first.log_odds_change) in text
    assert "14 March 2025, 09:30 UTC" in text and "a1" in text


def test_patient_pdf_is_plain(patient_pdf: str, l5: Assessment) -> None:
    text = _flat(patient_pdf)
    assert "log-odds" not in text.lower()
    assert "This is decision support, not a diagnosis." in text
    top = l5.sites[0]
    plain = top.plain_name[0].upper() + top.plain_name[1:]
    assert f"{plain} ({top.side} side)" in text
    assert percent(top.probability) in text
    assert "not stored" in text
    assert l5.kb_hash in patient_pdf.replace("\n", "")


@pytest.mark.parametrize("audience", ["clinician", "patient"])
def test_emergency_comes_first_on_page_one(
    ces: Assessment, shipped_kb: KnowledgeBase, audience: str
) -> None:
    assert ces.urgency == "emergency"
    fired = {flag.id for flag in ces.red_flags}
    assert {"ces_saddle_sensory_change", "ces_new_bladder_dysfunction"} <= fired
    first = _flat(
        _pdf_pages(render_pdf(ces, CES_CASE, shipped_kb, audience=audience, created_at=WHEN))[0]
    )
    box = first.index("EMERGENCY: go to an emergency department now (same day).")
    for later in ("decision support", "Symptom map", "Where you feel it", "Differential"):
        assert later not in first[:box]
    assert "[girft_ces2023]" in first
    flag = ces.red_flags[0]
    words = flag.clinical if audience == "clinician" else flag.plain
    assert _flat(words)[:60] in first


def test_html_is_self_contained(
    l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    html = render_report(l5, l5_case, shipped_kb, audience="clinician", created_at=WHEN)
    assert html.startswith("<!DOCTYPE html>")
    assert re.search(r"\b(?:src|href)\s*=", html) is None
    assert set(re.findall(r"https?://[^\s\"'<>)]+", html)) <= {"http://www.w3.org/2000/svg"}
    assert "@import" not in html and "url(http" not in html
    assert html.count('class="bodymap"') == 1


def test_html_escapes_what_it_is_given(
    l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    doc = l5.to_dict()
    doc["recommendations"][0]["text"] = "<script>alert('x')</script> & more"
    html = render_report(
        doc, l5_case, shipped_kb, audience="patient", assessment_id='<b id="1">&</b>'
    )
    assert "<script>" not in html and '<b id="1">' not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
    assert "&lt;b id=&#34;1&#34;&gt;&amp;&lt;/b&gt;" in html


def test_the_stored_form_gives_the_same_report(
    l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    stored: Mapping[str, Any] = json.loads(json.dumps(l5.to_dict()))
    for audience in ("clinician", "patient"):
        direct = render_report(l5, l5_case, shipped_kb, audience=audience, created_at=WHEN)
        again = render_report(stored, l5_case, shipped_kb, audience=audience, created_at=WHEN)
        assert direct == again


def test_answered_regions_are_marked_on_the_map(
    l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    html = render_report(l5, l5_case, shipped_kb, audience="patient", created_at=WHEN)
    marked = set(re.findall(r'class="region marked"[^>]*data-instance="([a-z_]+)"', html))
    assert marked == {"lateral_leg_left", "first_web_space_left"}
    assert "The outer side of your lower leg, left leg: pain" in html


def test_patient_html_has_no_tables_of_numbers(
    l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    html = render_report(l5, l5_case, shipped_kb, audience="patient", created_at=WHEN)
    assert "<table" not in html
    # Clinical wording stays in the clinician's report.
    assert "First dorsal web space" not in html and "Lateral leg" not in html
    assert "Answers (the basis" not in html


def test_unknown_audience_is_refused(
    l5: Assessment, l5_case: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    from nervepath.errors import CaseError

    with pytest.raises(CaseError, match="audience"):
        render_report(l5, l5_case, shipped_kb, audience="public")
