"""The result in a person's words (report/patient.py), and page 1 of the PDF (pdftotext)."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from nervepath.assessment.service import assess
from nervepath.knowledge.model import KnowledgeBase
from nervepath.report import render_pdf, render_report
from nervepath.report.content import ACTION
from nervepath.report.patient import MOST_LIKELY, patient_view

# An L5 sciatica story as a self-check gives it (NHS sciatica: back pain, pain down the outer
# leg, numbness on the top of the foot), with warning signs answered "no".
L5_STORY: dict[str, Any] = {
    "setting": "self_check",
    "answers": {
        "back_pain": "present",
        "pain_lateral_leg_left": "present",
        "numbness_first_web_space_left": "present",
        "difficulty_ankle_dorsiflexion_left": "present",
        "pain_heel_left": "absent",
        "numbness_saddle": "absent",
        "new_bladder_dysfunction": "absent",
        "fever": "absent",
    },
}
CES_STORY: dict[str, Any] = {
    "setting": "self_check",
    "answers": {
        "numbness_saddle": "present",
        "back_pain": "present",
        "pain_posterior_thigh_left": "present",
        "pain_posterior_thigh_right": "present",
    },
}


@pytest.fixture(scope="module")
def l5_doc() -> dict[str, Any]:
    return assess(L5_STORY).to_dict()


def test_the_top_answer_is_a_condition_with_its_medical_name(
    l5_doc: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    view = patient_view(l5_doc, shipped_kb)
    assert view.top is not None and view.top.clear and not view.emergency
    assert (view.top.site.condition, view.top.site.medical_name) == ("Sciatica", "L5 radiculopathy")
    assert view.top.site.side == "left"
    assert view.top.source.url == "http://111.wales.nhs.uk/encyclopaedia/s/article/sciatica/"
    words = [s.words for s in view.sites]
    assert words[0] == MOST_LIKELY and MOST_LIKELY not in words[1:]
    assert set(words[1:]) <= {"possible", "less likely"}


def test_reasons_are_the_persons_own_yes_answers_that_support_the_top_answer(
    l5_doc: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    doc = copy.deepcopy(l5_doc)
    top = doc["sites"][0]
    # A "no" that raised the site, and a finding the person was never asked, even if large.
    top["explanation"] = [
        {
            "finding": "pain_heel_left",
            "state": "absent",
            "log_odds_change": 9.0,
            "question": "heel?",
        },
        {
            "finding": "cough_worse",
            "state": "present",
            "log_odds_change": 8.0,
            "question": "cough?",
        },
        *top["explanation"],
    ]
    view = patient_view(doc, shipped_kb)
    questions = [r.question for r in view.reasons]
    assert 1 <= len(view.reasons) <= 3
    assert "h?" not in questions and "c?" not in questions
    given = {c["question"]: c for c in l5_doc["sites"][0]["explanation"]}
    changes = [given[q]["log_odds_change"] for q in questions]
    assert changes == sorted(changes, reverse=True) and min(changes) > 0
    assert all(L5_STORY["answers"][given[q]["finding"]] == "present" for q in questions)
    assert any(r.side == "left" for r in view.reasons)


def test_the_causes_are_those_of_the_top_site(
    l5_doc: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    view = patient_view(l5_doc, shipped_kb)
    assert view.causes
    for cause in view.causes:
        cid = next(c["id"] for c in l5_doc["causes"] if c["name"] == cause.name)
        assert "l5_root" in {s.site for s in shipped_kb.causes[cid].sites}
        assert cause.side in (None, "left")


def test_an_unclear_result_says_so(l5_doc: dict[str, Any], shipped_kb: KnowledgeBase) -> None:
    doc = copy.deepcopy(l5_doc)
    for site in doc["sites"]:
        site["probability"] = 0.04
    view = patient_view(doc, shipped_kb)
    assert view.top is not None and not view.top.clear
    assert {s.words for s in view.sites} == {"less likely"}


def test_an_emergency_leaves_no_calmer_answer(shipped_kb: KnowledgeBase) -> None:
    view = patient_view(assess(CES_STORY).to_dict(), shipped_kb)
    assert view.emergency and view.top is None and not view.reasons
    assert MOST_LIKELY not in {s.words for s in view.sites}
    assert view.safety_net.signs  # every result carries the safety net


def test_pdf_page_one_has_the_urgency_the_answer_and_what_to_do(
    l5_doc: dict[str, Any], shipped_kb: KnowledgeBase, pdf_page_one: Callable[[bytes], str]
) -> None:
    patient = pdf_page_one(render_pdf(l5_doc, L5_STORY, shipped_kb, audience="patient"))
    urgency = l5_doc["urgency"]
    assert urgency.upper().replace("_", "-") in patient
    assert "Sciatica (left side) — a trapped or irritated nerve root in the lower back" in patient
    assert "Medical name: L5 radiculopathy" in patient
    assert re.sub(r"\s+", " ", ACTION["patient"][urgency]) in patient
    assert "Get help straight away if you notice any of these" in patient
    clinician = pdf_page_one(render_pdf(l5_doc, L5_STORY, shipped_kb, audience="clinician"))
    assert "Most likely L5 nerve root (left) — L5 radiculopathy" in clinician
    assert ACTION["clinician"][urgency] in clinician


def test_pdf_page_one_of_an_emergency_names_no_calmer_answer(
    shipped_kb: KnowledgeBase, pdf_page_one: Callable[[bytes], str]
) -> None:
    doc = assess(CES_STORY).to_dict()
    text = pdf_page_one(render_pdf(doc, CES_STORY, shipped_kb, audience="patient"))
    assert "EMERGENCY" in text and "What else was considered" in text
    assert "Most likely" not in text


def test_the_safety_net_names_the_number_to_call_where_one_is_set(
    l5_doc: dict[str, Any], shipped_kb: KnowledgeBase
) -> None:
    """The web app's NERVEPATH_EMERGENCY_NUMBER reaches the report; without it (a report made
    from the command line) the report says "call an ambulance", right wherever it is read."""

    def safety_net(html: str) -> str:
        return html[html.index('class="safety-net"') :]

    numbered = render_report(
        l5_doc, L5_STORY, shipped_kb, audience="patient", emergency_number="112"
    )
    assert "or call 112." in safety_net(numbered) and "ambulance" not in safety_net(numbered)
    plain = render_report(l5_doc, L5_STORY, shipped_kb, audience="patient")
    assert "or call an ambulance." in safety_net(plain)
