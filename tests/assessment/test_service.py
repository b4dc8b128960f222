"""The assessment as every door sees it: contract, determinism, unknowns, urgency."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nervepath
from nervepath.assessment.case import parse_case
from nervepath.assessment.service import Assessor, rank_sites
from nervepath.assessment.triage import urgency_rank

EXAMPLE = json.loads((Path(__file__).parents[2] / "examples" / "l5_radiculopathy.json").read_text())
VIGNETTE_FILE = Path(__file__).parents[1] / "vignettes" / "vignettes.jsonl"
VIGNETTES = [
    json.loads(line)["case"] for line in VIGNETTE_FILE.read_text().splitlines() if line.strip()
]


def test_exported_members() -> None:
    assert nervepath.__all__ == sorted(nervepath.__all__)
    assert nervepath.__all__ == ["__version__", "assess", "load_knowledge_base"]


def test_import_is_light() -> None:
    code = "import sys, nervepath; print('numpy' in sys.modules, 'yaml' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


def test_python_api_gives_the_contract_and_the_left_l5_root_first() -> None:
    a = nervepath.assess(EXAMPLE)
    d = a.to_dict()
    assert {
        "kb_version",
        "kb_hash",
        "urgency",
        "red_flags",
        "origin",
        "sites",
        "causes",
        "next_questions",
        "recommendations",
    } <= set(d)
    assert (a.sites[0].id, a.sites[0].side) == ("l5_root", "left")
    assert max(d["origin"], key=d["origin"].get) == "lumbar_spine"
    assert a.sites[0].explanation, "the top site is explained"
    json.dumps(d)


def test_the_document_is_what_asdict_gives() -> None:
    """``to_dict`` builds the document by hand for speed: it must stay ``asdict``'s, red flags
    and their findings included, with nothing shared that could be changed."""
    with_flags = next(case for case in VIGNETTES if nervepath.assess(case).red_flags)
    for case in (EXAMPLE, with_flags):
        a = nervepath.assess(case)
        expected = asdict(a) | {"answers": dict(a.answers), "origin": dict(a.origin)}
        d = a.to_dict()
        assert repr(d) == repr(expected)
        assert d["sites"][0] is not a.to_dict()["sites"][0]


def test_assessment_is_deterministic() -> None:
    assert nervepath.assess(EXAMPLE).to_dict() == nervepath.assess(EXAMPLE).to_dict()


ASSESSOR = Assessor(nervepath.load_knowledge_base())
FINDINGS = [i.name for i in ASSESSOR.kb.finding_instances]
RED_FLAGS = [
    i.name
    for i in ASSESSOR.kb.finding_instances
    if i.id in ASSESSOR.kb.red_flag_findings and not ASSESSOR.kb.findings[i.id].graded
]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(VIGNETTES), extra=st.lists(st.sampled_from(FINDINGS), max_size=8))
def test_answering_unknown_changes_nothing(case: dict, extra: list[str]) -> None:  # type: ignore[type-arg]
    before = ASSESSOR.differential(parse_case(case))
    answers = dict(case["answers"]) | {f: "unknown" for f in extra if f not in case["answers"]}
    after = ASSESSOR.differential(parse_case(case | {"answers": answers}))
    assert after == before


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(VIGNETTES), flag=st.sampled_from(RED_FLAGS))
def test_adding_a_red_flag_never_lowers_urgency(case: dict, flag: str) -> None:  # type: ignore[type-arg]
    before = ASSESSOR.differential(parse_case(case)).triage.urgency
    answers = dict(case["answers"]) | {flag: "present"}
    after = ASSESSOR.differential(parse_case(case | {"answers": answers})).triage.urgency
    assert urgency_rank(after) >= urgency_rank(before)


def test_warning_signs_never_crowd_out_the_most_informative_test() -> None:
    case = {
        "setting": "clinician",
        "answers": {
            "numbness_first_web_space_left": "present",
            "strength_ankle_dorsiflexion_left": "4",
            "reflex_achilles_left": "normal",
        },
    }
    questions = ASSESSOR.assess(parse_case(case)).next_questions
    flags = [q.red_flag for q in questions]
    assert flags == sorted(flags, reverse=True)  # warning signs first
    others = [q for q in questions if not q.red_flag]
    assert others, "the best separating test must be offered"
    gains = [q.expected_information_gain for q in others]
    assert gains == sorted(gains, reverse=True)
    for q in questions:  # a question about one leg says which leg, as asked of each leg
        side = q.finding.rsplit("_", 1)[-1]
        if side in ("left", "right"):
            assert q.question.startswith(f"{side.capitalize()} leg: "), q


def test_an_age_must_be_a_number_of_years() -> None:
    from nervepath.errors import CaseError

    assert parse_case({"patient": {"age": "52"}}).patient.age == 52  # a form's text is fine
    for bad in (True, False, -1, 121, "old"):
        with pytest.raises(CaseError, match=r"patient\.age"):
            parse_case({"patient": {"age": bad}})


def test_sites_rank_by_what_they_explain_then_posterior_equal_values_in_order() -> None:
    """The result's order: ``explains``, ties by the posterior, then as named; values that
    differ only in their last digits (one batch against another) are equal."""
    names = ["l5_root_left", "l5_root_right", "knee_left", "s1_root_left"]
    posterior = {"l5_root_left": 0.3, "l5_root_right": 0.3 + 1e-15, "knee_left": 0.6}
    posterior["s1_root_left"] = 0.2
    explains = {"l5_root_left": 0.25, "l5_root_right": 0.25 + 1e-15, "knee_left": 0.0}
    explains["s1_root_left"] = 0.2
    ranked = [n for n, _ in rank_sites(names, posterior, explains)]
    assert ranked == ["l5_root_left", "l5_root_right", "s1_root_left", "knee_left"]


def test_explaining_is_what_the_differential_ranks_by() -> None:
    assessor = Assessor(nervepath.load_knowledge_base())
    d = assessor.differential(parse_case(EXAMPLE))
    some = [name for name, _ in d.sites[:4]] + [d.sites[-1][0]]
    causing = assessor.explaining(d.evidence, some)
    assert list(causing) == some
    posterior = dict(d.sites)
    for name, c in causing.items():
        assert c.explains == pytest.approx(d.explains[name], abs=1e-12)
        assert c.present == pytest.approx(posterior[name], abs=1e-12)
